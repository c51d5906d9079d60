"""The agent: the one writer of a database, fed by files, stdin and listeners.

`llmtop agent` runs it headless and `llmtop SOURCES…` runs it inside the live
view. It takes the database's writer lock first, so a second agent is refused
with the first one's pid, and `stop()` commits what was read before releasing
the lock.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmtop.ingest.follower import COMMIT_TIMEOUT_S, FollowedFile, Follower
from llmtop.ingest.lines import DEFAULT_MAX_LINE_BYTES
from llmtop.ingest.lock import WriterLock, WriterLocked
from llmtop.ingest.setup import load_positions, make_decoder_factory
from llmtop.ingest.streams import StreamSource, stdin_reader
from llmtop.ingest.writer_thread import WriterStats, WriterThread
from llmtop.store import Batch, BatchResult
from llmtop.store.connection import refuse_network_filesystem

log = logging.getLogger(__name__)

__all__ = ["Agent", "AgentStatus", "FollowedFile", "WriterLocked"]


@dataclass
class AgentStatus:
    """What the agent is doing, for the live view's header and for logs."""

    following: list[FollowedFile] = field(default_factory=list)
    polling: bool = False
    polling_reason: str | None = None
    stats: WriterStats = field(default_factory=WriterStats)
    backlog: int = 0
    listening: list[str] = field(default_factory=list)
    last_commit: float | None = None
    errors: list[str] = field(default_factory=list)
    running: bool = False


class Agent:
    """Follows sources into one database until stopped.

    Args:
        db_path: the database; created when missing, refused on a network
            filesystem.
        sources: paths, globs, directories, and `-` for stdin.
        poll: poll files instead of waiting for change events.
        listen: `unix:PATH` and `http://127.0.0.1:PORT` specs.
        format_name: force one record format instead of detecting it per line.
        max_line_bytes: longer lines are skipped and counted as rejects.
        config: the loaded config file (prices, mapping, …).
    """

    def __init__(
        self,
        db_path: str | Path,
        sources: Sequence[str],
        *,
        poll: bool = False,
        listen: Sequence[str] = (),
        format_name: str | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        config: dict[str, Any] | None = None,
        idle_seconds: float = 2.0,
    ) -> None:
        self.db_path = Path(db_path).expanduser()
        self.sources = list(sources)
        self.poll = poll
        self.listen = list(listen)
        self.format_name = format_name
        self.max_line_bytes = max_line_bytes
        self.config = dict(config or {})
        self.idle_seconds = idle_seconds
        self.writer: WriterThread | None = None
        self.follower: Follower | None = None
        self.listeners: list[Any] = []
        self._lock = WriterLock(self.db_path)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stdin: StreamSource | None = None
        self._errors: deque[str] = deque(maxlen=20)
        self._running = False
        self._stdin_stalled = False

    def start(self) -> None:
        """Take the writer lock and start following in background threads.

        Raises:
            WriterLocked: another process writes this database.
            LlmtopError: the database is on a network filesystem, a format name
                is unknown, or a listener cannot bind.
        """
        refuse_network_filesystem(self.db_path)
        self._lock.acquire()
        try:
            make_decoder = make_decoder_factory(self.config, self.format_name)
            self.writer = WriterThread(self.db_path)
            self.writer.start()
            self.follower = Follower(
                self.sources,
                self.writer.submit,
                make_decoder,
                committed=load_positions(self.db_path),
                poll=self.poll,
                max_line_bytes=self.max_line_bytes,
                idle_seconds=self.idle_seconds,
            )
            self.follower.start_watching()
            self._spawn("llmtop-follow", self.follower.run, self._stop)
            if "-" in self.sources:
                self._stdin = StreamSource(
                    "<stdin>",
                    "stdin",
                    stdin_reader(sys.stdin.buffer, self._stop),
                    make_decoder("<stdin>"),
                    max_line_bytes=self.max_line_bytes,
                )
                self._spawn("llmtop-stdin", self._read_stdin)
            if self.listen:
                from llmtop.ingest.listen import open_listener

                for spec in self.listen:
                    listener = open_listener(spec, self.writer, make_decoder)
                    self.listeners.append(listener)
                    listener.start()
                    log.info("listening on %s", _address(listener.address))
        except BaseException:
            self.stop()
            raise
        self._running = True
        log.info("agent writing %s (pid lock %s)", self.db_path, self._lock.path)

    def stop(self) -> None:
        """Stop reading, commit the last batch, release the lock (within ~1 s)."""
        self._stop.set()
        for listener in self.listeners:
            try:
                listener.close()
            except Exception as exc:  # one bad listener must not keep the lock
                log.error("closing listener %s: %s", _address(listener.address), exc)
        for thread in self._threads:
            thread.join(timeout=5.0)
        if self.writer is not None:
            self.writer.stop()
        self._lock.release()
        self._running = False

    def wait(self, timeout: float | None = None) -> bool:
        """Block until `stop()` is called (or the timeout); True when stopped."""
        return self._stop.wait(timeout)

    def status(self) -> AgentStatus:
        """A snapshot of what is followed and how the writer is doing."""
        writer, follower = self.writer, self.follower
        following = follower.following() if follower is not None else []
        if self._stdin is not None:
            following.append(
                FollowedFile("<stdin>", self._stdin.offset, None, self._stdin.line_no)
            )
        errors = list(self._errors)
        if follower is not None:
            errors += list(follower.errors)
        stats = writer.stats if writer is not None else WriterStats()
        if stats.last_error:
            errors.append(stats.last_error)
        return AgentStatus(
            following=following,
            polling=bool(follower and follower.polling),
            polling_reason=follower.polling_reason if follower else None,
            stats=stats,
            backlog=writer.backlog if writer is not None else 0,
            listening=[_address(listener.address) for listener in self.listeners],
            last_commit=stats.last_commit,
            errors=errors,
            running=self._running,
        )

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _read_stdin(self) -> None:
        """Read stdin to its end (or to stop); its offsets are not resumable."""
        source, writer = self._stdin, self.writer
        assert source is not None and writer is not None
        inflight: deque[Future[BatchResult]] = deque()
        while True:
            final = self._stop.is_set() or source.ended
            chunk = source.read(final=final)
            if chunk is not None:
                batch = Batch(chunk.rows, chunk.rejects, [chunk.position])
                inflight.append(writer.submit(batch))
                while len(inflight) > 4:
                    self._wait(inflight.popleft())
            elif final:
                break
        while inflight:
            self._wait(inflight.popleft())
        lines = source.line_no
        log.info("stdin ended after %d line%s", lines, "" if lines == 1 else "s")

    def _wait(self, future: Future[BatchResult]) -> None:
        """Wait for one stdin batch's commit, but never forever.

        A writer that does not answer within COMMIT_TIMEOUT_S is taken as
        stalled, and later batches are not waited for, so stopping stays quick.
        """
        timeout = 0.0 if self._stdin_stalled else COMMIT_TIMEOUT_S
        try:
            future.result(timeout=timeout)
        except Exception as exc:
            if future.done():
                message = f"could not commit stdin records: {exc}"
            elif self._stdin_stalled:
                return
            else:
                self._stdin_stalled = True
                message = (
                    "could not commit stdin records: the writer did not answer "
                    f"within {COMMIT_TIMEOUT_S:g} s"
                )
            log.error("%s", message)
            self._errors.append(message)


def _address(address: Any) -> str:
    if isinstance(address, tuple):
        host, port = address[0], address[1]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"
    return f"unix:{address}"
