"""One followed file: its identity, its committed position, and what it holds.

A file is known by device and inode, so a rename keeps its position and a new
file at the same path starts from zero. The first bytes already read (up to a
kilobyte) are kept as a check, never as the identity: a file that is shorter
than its offset, or whose first bytes changed, was truncated or rewritten in
place and is read again from the start, with request ids keeping every record
single.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from llmtop.ingest.document import read_document, sniff
from llmtop.ingest.lines import DEFAULT_MAX_LINE_BYTES, LineReader
from llmtop.records import RecordDecoder

log = logging.getLogger(__name__)

HEAD_BYTES = 1024
IDLE_SECONDS = 2.0


@dataclass
class Chunk:
    """What one read produced: rows, rejects and the position after them."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    position: dict[str, Any] = field(default_factory=dict)
    lines: int = 0


def source_key(device: int, inode: int) -> str:
    """The sources-table key of a file: stable across renames."""
    return f"file:{device}:{inode}"


class FileSource:
    """Reads one open file from its committed offset, a batch at a time."""

    kind = "file"

    def __init__(
        self,
        path: Path,
        fd: int,
        decoder: RecordDecoder,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        committed: Mapping[str, Any] | None = None,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        stat = os.fstat(fd)
        self.path = path
        self.fd = fd
        self.device, self.inode = stat.st_dev, stat.st_ino
        self.key = source_key(self.device, self.inode)
        self.decoder = decoder
        self.reader = LineReader(decoder, max_line_bytes=max_line_bytes)
        self.size = stat.st_size
        self.mode: str | None = None
        self.idle_seconds = idle_seconds
        self.clock = clock
        # A file untouched for a while is idle from the start.
        self.grew_at = clock() - max(0.0, time.time() - stat.st_mtime)
        self.event_at = 0.0
        self.committed: Mapping[str, Any] | None = None
        self._mtime = stat.st_mtime_ns
        self._head = b""
        if committed is not None:
            self._resume(committed)

    @classmethod
    def open(cls, path: Path, decoder: RecordDecoder, **options: Any) -> FileSource:
        """Open `path` for reading (OSError when it vanished or is unreadable)."""
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            return cls(path, fd, decoder, **options)
        except BaseException:
            os.close(fd)
            raise

    @property
    def offset(self) -> int:
        return self.reader.offset

    @property
    def line_no(self) -> int:
        return self.reader.line_no

    @property
    def pending(self) -> bool:
        """Whether bytes past the offset are still unread."""
        return self.size > self.reader.offset or self.reader.skipping

    @property
    def idle(self) -> bool:
        """No growth for a while: a last line without a newline is complete."""
        return self.clock() - self.grew_at >= self.idle_seconds

    @property
    def mtime(self) -> float:
        """When the file last changed, as seen at the last read (epoch seconds)."""
        return self._mtime / 1e9

    def links(self) -> int:
        """How many names the file still has (0 once deleted or replaced)."""
        return os.fstat(self.fd).st_nlink

    def read(self, *, max_lines: int = 5000, final: bool = False) -> Chunk | None:
        """Read the next batch; None when there is nothing new to commit.

        Args:
            max_lines: the batch's budget of lines.
            final: the source closes now: an unterminated last line is decoded.
        """
        self._refresh()
        if not self.pending:
            return None
        at_end = final or self.idle
        if self.mode is None and self.reader.offset == 0:
            self.mode = sniff(self._fetch, self.size, at_end=at_end)
            if self.mode is None:
                return None
        chunk = Chunk()
        if self.mode == "document":
            if not at_end:
                return None
            outcome = read_document(self._fetch, self.size, self.decoder)
            if outcome is None:
                self.mode = "lines"
                log.info("%s is not one JSON document; reading it as lines", self.path)
                return self.read(max_lines=max_lines, final=final)
            chunk.rows, chunk.rejects, chunk.lines = outcome
            self.reader.offset, self.reader.line_no = self.size, chunk.lines
        else:
            before = self.reader.line_no
            self.reader.read(
                self._fetch,
                chunk.rows,
                chunk.rejects,
                max_lines=max_lines,
                at_end=at_end,
            )
            chunk.lines = self.reader.line_no - before
            if chunk.lines == 0:
                return None
        self._remember_head()
        chunk.position = self.position(len(chunk.rows), len(chunk.rejects))
        return chunk

    def flush_tail(self) -> Chunk | None:
        """At shutdown: decode a last line that never got its newline."""
        self._refresh()
        rest = self.size - self.reader.offset
        if rest <= 0 or self.reader.skipping:
            return None
        if self.mode != "document":
            if rest > self.reader.max_line:
                return None
            if b"\n" in os.pread(self.fd, rest, self.reader.offset):
                return None
        return self.read(max_lines=1, final=True)

    def rewind(self, position: Mapping[str, Any] | None) -> None:
        """Go back to the last committed position after a commit failed."""
        if position is None:
            self._restart()
            return
        state = orjson.loads(position.get("state") or "{}")
        self.reader = LineReader(
            self.decoder,
            max_line_bytes=self.reader.max_line,
            offset=int(position["offset"]),
            line_no=int(position["line_no"]),
        )
        self.decoder.state.data = dict(state.get("adapter") or {})
        self.mode = state.get("mode")

    def position(self, stored: int = 0, rejected: int = 0) -> dict[str, Any]:
        """The sources-table row that commits with the batch just read."""
        last = self.decoder.last
        state = {
            "adapter": self.decoder.state.data,
            "mode": self.mode,
            "head_len": len(self._head),
            "head": _digest(self._head),
        }
        return {
            "key": self.key,
            "path": str(self.path),
            "kind": self.kind,
            "device": self.device,
            "inode": self.inode,
            "offset": self.reader.offset,
            "line_no": self.reader.line_no,
            "size": self.size,
            "format": last.name if last is not None else None,
            "state": orjson.dumps(state).decode(),
            "stored": stored,
            "rejected": rejected,
        }

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _fetch(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def _refresh(self) -> None:
        """Notice growth, truncation and in-place rewrites since the last read."""
        stat = os.fstat(self.fd)
        if stat.st_size == self.size and stat.st_mtime_ns == self._mtime:
            return
        self.grew_at = self.clock()
        self.size, self._mtime = stat.st_size, stat.st_mtime_ns
        if self.size < self.reader.offset:
            log.info(
                "%s shrank below its read offset (%d < %d): truncated, reading it "
                "again from the start",
                self.path,
                self.size,
                self.reader.offset,
            )
            self._restart()
        elif self._head and os.pread(self.fd, len(self._head), 0) != self._head:
            log.info("%s was rewritten in place; reading it again", self.path)
            self._restart()
        elif self.mode == "document" and self.reader.offset:
            # A document changed: read it again whole; ids keep records single.
            self.reader.offset = 0

    def _restart(self) -> None:
        self.reader = LineReader(self.decoder, max_line_bytes=self.reader.max_line)
        self.decoder.state.data = {}
        self.mode = None
        self._head = b""

    def _remember_head(self) -> None:
        if len(self._head) < HEAD_BYTES and self.reader.offset > len(self._head):
            self._head = os.pread(self.fd, min(HEAD_BYTES, self.reader.offset), 0)

    def _resume(self, row: Mapping[str, Any]) -> None:
        """Continue from a committed position when it is still this file's."""
        offset = int(row.get("offset") or 0)
        if offset > self.size:
            log.info(
                "%s is shorter than its committed offset; reading it again", self.path
            )
            return
        try:
            state = orjson.loads(row.get("state") or "{}")
        except orjson.JSONDecodeError:
            state = {}
        head_len = int(state.get("head_len") or 0)
        head = os.pread(self.fd, head_len, 0) if head_len else b""
        if head_len and _digest(head) != state.get("head"):
            log.info(
                "%s has new content under the same inode; reading it from the start",
                self.path,
            )
            return
        self.reader.offset = offset
        self.reader.line_no = int(row.get("line_no") or 0)
        self.decoder.state.data = dict(state.get("adapter") or {})
        self.mode = state.get("mode")
        self._head = head
        self.committed = row


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
