"""Newline-delimited JSON over a Unix stream socket, one decoder per connection.

The socket file is the access control: it is created with mode 0600, so only its
owner (and root) can send. A sender is never refused for being fast: while the
writer's queue is full the connection's thread waits, stops reading, and the
kernel's buffer pushes back on the sender.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import stat
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from llmtop.ingest.lines import explain_utf8
from llmtop.ingest.listen import (
    MAX_CONNECTIONS,
    DecoderFactory,
    ListenError,
    ListenerStats,
)
from llmtop.ingest.writer_thread import WriterThread
from llmtop.records import Decoded, RecordDecoder, excerpt
from llmtop.store import Batch, BatchResult

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
#: Longest socket path the kernel takes (sun_path is 108 bytes with its NUL).
MAX_PATH_BYTES = 107
_CLOSE_WAIT_S = 2.0


class UnixSocketListener:
    """Accepts connections on a socket file and decodes the lines they send."""

    def __init__(
        self,
        path: str | Path,
        writer: WriterThread,
        make_decoder: DecoderFactory,
        *,
        max_line_bytes: int = 1 << 20,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.path = Path(path)
        self.spec = f"unix:{self.path}"
        self.stats = ListenerStats()
        self.writer = writer
        self.make_decoder = make_decoder
        self.max_line_bytes = max_line_bytes
        self._sock = bind_unix_socket(self.path)
        self._inode = os.stat(self.path).st_ino
        self._wake_r, self._wake_w = socket.socketpair()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._conns: dict[socket.socket, threading.Thread] = {}
        self._accepter = threading.Thread(
            target=self._accept_loop, name=f"llmtop-{self.spec}", daemon=True
        )

    @property
    def address(self) -> str:
        return str(self.path)

    def start(self) -> None:
        self._accepter.start()
        log.debug("listening on %s (newline-delimited JSON)", self.spec)

    def close(self) -> None:
        """Stop accepting, read each open connection to its end, remove the file."""
        if self._closing.is_set():
            return
        self._closing.set()
        self._wake_w.send(b"x")
        if self._accepter.is_alive():
            self._accepter.join(_CLOSE_WAIT_S)
        self._sock.close()
        self._remove_own_file()

        with self._lock:
            open_conns = dict(self._conns)
        for conn in open_conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RD)
        deadline = time.monotonic() + _CLOSE_WAIT_S
        for thread in open_conns.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        self._wake_r.close()
        self._wake_w.close()

    def _accept_loop(self) -> None:
        self._sock.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self._sock, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._closing.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r:
                        return
                    try:
                        conn, _ = self._sock.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as exc:
                        log.warning("%s: accept failed: %s", self.spec, exc)
                        continue
                    self._begin(conn)

    def _begin(self, conn: socket.socket) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("%s: too many connections; closing a new one", self.spec)
            conn.close()
            return
        thread = threading.Thread(
            target=self._serve, args=(conn,), name=f"llmtop-{self.spec}", daemon=True
        )
        with self._lock:
            self._conns[conn] = thread
            self.stats.connections += 1
        thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._read_lines(conn, self.make_decoder(self.spec))
        except Exception:
            log.exception("%s: a connection failed", self.spec)
        finally:
            with self._lock:
                self._conns.pop(conn, None)
            conn.close()
            self._slots.release()

    def _read_lines(self, conn: socket.socket, decoder: RecordDecoder) -> None:
        """Decode each complete line as it arrives; the last one at end of stream.

        A line longer than `max_line_bytes` is never held whole: its head is kept
        for the reject's excerpt and the rest is skipped up to its newline.
        """
        buffer = bytearray()
        offset = line_no = 0
        long_line: tuple[int, bytes] | None = None
        while True:
            try:
                chunk = conn.recv(READ_SIZE)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            decoded = Decoded()
            start = 0
            while (newline := buffer.find(b"\n", start)) >= 0:
                line_no += 1
                line = bytes(buffer[start : newline + 1])
                if long_line is not None:
                    decoded.rejects.append(self._too_long(line_no, *long_line))
                    long_line = None
                elif len(line) > self.max_line_bytes:
                    decoded.rejects.append(
                        self._too_long(line_no, offset + start, line[:512])
                    )
                else:
                    decoded.extend(
                        _decode(decoder, line, line_no=line_no, offset=offset + start)
                    )
                start = newline + 1
            del buffer[:start]
            offset += start
            if len(buffer) > self.max_line_bytes:
                if long_line is None:
                    long_line = (offset, bytes(buffer[:512]))
                offset += len(buffer)
                buffer.clear()
            self._submit(decoded)

        last = Decoded()
        if long_line is not None:
            last.rejects.append(self._too_long(line_no + 1, *long_line))
        elif buffer.strip():
            last = _decode(decoder, bytes(buffer), line_no=line_no + 1, offset=offset)
        self._submit(last)

    def _too_long(self, line_no: int, offset: int, head: bytes) -> dict[str, object]:
        return {
            "source": self.spec,
            "line_no": line_no,
            "byte_offset": offset,
            "format": None,
            "reason": f"line longer than the {self.max_line_bytes}-byte limit; skipped",
            "excerpt": excerpt(head),
            "at": int(time.time() * 1000),
        }

    def _submit(self, decoded: Decoded) -> None:
        """Hand rows to the writer, waiting while its queue is full.

        The result is not waited for: `_count` runs when the commit ends, so
        a failed or stalled commit can never hold this connection's thread.
        """
        if not decoded.rows and not decoded.rejects:
            return
        ids = [row["request_id"] for row in decoded.rows]
        future = self.writer.submit(Batch(events=decoded.rows, rejects=decoded.rejects))
        with self._lock:
            self.stats.records += len(ids) + len(decoded.rejects)
            self.stats.rejected += len(decoded.rejects)
        future.add_done_callback(lambda done: self._count(done, ids))

    def _count(self, future: Future[BatchResult], ids: list[str]) -> None:
        if future.exception() is not None:
            log.error("%s: a batch was not stored: %s", self.spec, future.exception())
            return
        stored = len(set(ids) - future.result().duplicate_ids)
        with self._lock:
            self.stats.stored += stored
            self.stats.duplicates += len(ids) - stored

    def _remove_own_file(self) -> None:
        """Unlink the socket file unless another agent has replaced it since."""
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self._inode:
                self.path.unlink()


def _decode(
    decoder: RecordDecoder, line: bytes, *, line_no: int, offset: int
) -> Decoded:
    """Decode one received line, with the file reader's wording for bad UTF-8."""
    decoded = decoder.decode_line(line, line_no=line_no, offset=offset)
    if decoded.rejects:
        explain_utf8(decoded.rejects, line)
    return decoded


def bind_unix_socket(path: Path) -> socket.socket:
    """Bind and listen on `path` with mode 0600, replacing a dead agent's file.

    Raises:
        ListenError: the path is too long, is not a socket, is served by a live
            process, or cannot be bound.
    """
    if len(os.fsencode(path)) > MAX_PATH_BYTES:
        raise ListenError(
            f"{path}: socket paths are limited to {MAX_PATH_BYTES} bytes; "
            "choose a shorter one"
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    clear_stale_socket(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # The umask makes the file 0600 from its first instant: a chmod after bind
    # would leave a moment in which anyone could connect.
    previous = os.umask(0o177)
    try:
        sock.bind(str(path))
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {path}: {exc.strerror or exc}") from exc
    finally:
        os.umask(previous)
    os.chmod(path, 0o600)
    sock.listen(64)
    return sock


def clear_stale_socket(path: Path) -> None:
    """Remove a socket file nobody answers on; refuse to touch anything else."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ListenError(
            f"{path} exists and is not a socket; llmtop will not replace it"
        )
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        log.info("replacing the stale socket %s (its listener is gone)", path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    except OSError as exc:
        raise ListenError(
            f"cannot tell whether {path} is in use ({exc}); remove it or choose "
            "another path"
        ) from exc
    finally:
        probe.close()
    raise ListenError(
        f"another process is listening on {path} (a running llmtop agent?); "
        "stop it or choose another path"
    )
