"""Sources read once from start to end: stdin and compressed rotated copies.

Neither can be read again by offset, so a small window of bytes stands in for
`os.pread`: the line reader asks by offset as it does for files, and bytes
before the offset it asks for are dropped, which keeps memory bounded.
"""

from __future__ import annotations

import gzip
import logging
import os
import select
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import orjson

from llmtop.ingest.file_source import Chunk
from llmtop.ingest.lines import DEFAULT_MAX_LINE_BYTES, LineReader
from llmtop.records import RecordDecoder

log = logging.getLogger(__name__)

#: Reads whatever is available now; b"" at the end; None when nothing is ready.
ReadSome = Callable[[], bytes | None]


class StreamWindow:
    """A `fetch(offset, size)` over a stream that can only be read forward."""

    def __init__(self, read_some: ReadSome) -> None:
        self._read_some = read_some
        self._base = 0
        self._buffer = bytearray()
        self.ended = False

    def __call__(self, offset: int, size: int) -> bytes:
        drop = offset - self._base
        if 0 < drop < len(self._buffer):
            del self._buffer[:drop]
            self._base = offset
        elif drop > 0:
            self._base += len(self._buffer)
            self._buffer.clear()
            self._base += self._discard(offset - self._base)
        while len(self._buffer) < size and not self.ended:
            data = self._read_some()
            if data is None:
                break
            if not data:
                self.ended = True
                break
            self._buffer += data
        return bytes(self._buffer[:size])

    def _discard(self, count: int) -> int:
        """Read and forget `count` bytes (the buffer is empty); how many there were."""
        gone = 0
        while gone < count and not self.ended:
            data = self._read_some()
            if data is None:
                break
            if not data:
                self.ended = True
                break
            keep = gone + len(data) - count
            if keep > 0:
                self._buffer += data[len(data) - keep :]
                gone = count
            else:
                gone += len(data)
        return gone


class StreamSource:
    """stdin or a compressed file, read to its end through a `StreamWindow`.

    Offsets are committed for the record but a stream is never resumed from
    them: stdin cannot be read twice, and request ids keep a replay single.
    """

    def __init__(
        self,
        name: str,
        kind: str,
        read_some: ReadSome,
        decoder: RecordDecoder,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        closer: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.path = name
        self.kind = kind
        self.key = kind if kind == "stdin" else f"{kind}:{name}"
        self.window = StreamWindow(read_some)
        self.decoder = decoder
        self.reader = LineReader(decoder, max_line_bytes=max_line_bytes)
        self._closer = closer
        self.committed: dict[str, Any] | None = None

    @property
    def offset(self) -> int:
        return self.reader.offset

    @property
    def line_no(self) -> int:
        return self.reader.line_no

    @property
    def size(self) -> int:
        return self.reader.offset

    @property
    def ended(self) -> bool:
        return self.window.ended

    def read(self, *, max_lines: int = 5000, final: bool = False) -> Chunk | None:
        """The next batch of what has arrived; None when nothing new did."""
        chunk = Chunk()
        before = self.reader.line_no
        self.reader.read(
            self.window,
            chunk.rows,
            chunk.rejects,
            max_lines=max_lines,
            at_end=final or self.window.ended,
        )
        chunk.lines = self.reader.line_no - before
        if not chunk.lines:
            return None
        chunk.position = {
            "key": self.key,
            "path": self.name,
            "kind": self.kind,
            "offset": self.reader.offset,
            "line_no": self.reader.line_no,
            "size": None,
            "format": self.decoder.last.name if self.decoder.last else None,
            "state": orjson.dumps({"adapter": self.decoder.state.data}).decode(),
            "stored": len(chunk.rows),
            "rejected": len(chunk.rejects),
        }
        return chunk

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
            self._closer = None


def stdin_reader(
    stream: IO[bytes], stop: threading.Event, *, wait: float = 0.2
) -> ReadSome:
    """Read stdin without blocking shutdown: wait at most `wait` s for data."""
    fd = stream.fileno()

    def read_some() -> bytes | None:
        # Once stopping, take what the pipe already holds but wait for nothing.
        timeout = 0.0 if stop.is_set() else wait
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
        except (OSError, ValueError):
            return b""
        if not ready:
            return None
        return os.read(fd, 1 << 16)

    return read_some


def open_compressed(path: Path, decoder: RecordDecoder, **options: Any) -> StreamSource:
    """A gzip-compressed rotated copy the user asked for by name."""
    handle = gzip.open(path, "rb")  # noqa: SIM115 - closed by the source

    def read_some() -> bytes:
        try:
            return handle.read(1 << 18)
        except (OSError, EOFError) as exc:
            log.warning("%s: cannot decompress the rest: %s", path, exc)
            return b""

    return StreamSource(
        str(path), "gzip", read_some, decoder, closer=handle.close, **options
    )
