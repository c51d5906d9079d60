"""Complete lines by byte offset, with bad lines turned into rejects.

The reader never keeps a position of its own beyond the start of the next
unread line: it asks `fetch(offset, size)` for bytes each time. A file is read
with `os.pread`, so a change event seen twice, or a batch cut mid-chunk, reads
nothing twice, and the offset committed with a batch is always a line start.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llmtop.records import RecordDecoder

#: Bytes fetched per read; lines longer than this are fetched again up to the limit.
CHUNK_BYTES = 256 * 1024
DEFAULT_MAX_LINE_BYTES = 1 << 20

#: Returns up to `size` bytes from `offset`; fewer only when no more exist yet.
Fetch = Callable[[int, int], bytes]

_KEY = re.compile(rb'"([A-Za-z0-9_.\-]{1,40})"\s*:')


@dataclass
class _Skip:
    """An over-long line being passed over: where it starts, how far it was seen."""

    start: int
    scanned: int
    head: bytes


class LineReader:
    """Feeds the complete lines of one source to its decoder, in order.

    `offset` and `line_no` always describe the first unread line, so they are
    exactly what a restarted reader must resume from.
    """

    def __init__(
        self,
        decoder: RecordDecoder,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        offset: int = 0,
        line_no: int = 0,
    ) -> None:
        self.decoder = decoder
        self.max_line = max_line_bytes
        self.offset = offset
        self.line_no = line_no
        self._skip: _Skip | None = None

    def read(
        self,
        fetch: Fetch,
        rows: list[dict[str, Any]],
        rejects: list[dict[str, Any]],
        *,
        max_lines: int,
        at_end: bool = False,
    ) -> int:
        """Decode up to `max_lines` complete lines into `rows` and `rejects`.

        Args:
            fetch: where the bytes come from.
            rows: receives the decoded rows.
            rejects: receives a reject per bad line.
            max_lines: a budget, so a big backlog is committed in pieces.
            at_end: the source is idle or closing: a last line without its
                newline is complete and is decoded too.

        Returns:
            The number of lines consumed (blank and rejected ones included).
        """
        consumed = 0
        while consumed < max_lines:
            if self._skip is not None:
                if not self._pass_over(fetch, rejects, at_end):
                    break
                consumed += 1
                continue
            data = fetch(self.offset, CHUNK_BYTES)
            if not data:
                break
            lines = data.split(b"\n")
            lines.pop()  # the bytes after the last newline: read again next time
            if not lines:
                line, terminated = self._lone_line(fetch, data, at_end)
                if line is None:
                    if self._skip is not None:
                        continue
                    break
                lines = [line]
                if not terminated:
                    # The last line, decoded without its newline: idle or closing.
                    consumed += self._take_all(lines, rows, rejects, 1)
                    self.offset -= 1
                    break
            consumed += self._take_all(lines, rows, rejects, max_lines - consumed)
        return consumed

    @property
    def skipping(self) -> bool:
        """Whether an over-long line is being passed over."""
        return self._skip is not None

    def _take_all(
        self,
        lines: list[bytes],
        rows: list[dict[str, Any]],
        rejects: list[dict[str, Any]],
        budget: int,
    ) -> int:
        if len(lines) > budget:
            lines = lines[:budget]
        offset, line_no = self.offset, self.line_no
        decode = self.decoder.decode_line
        limit = self.max_line
        for line in lines:
            line_no += 1
            size = len(line)
            if size > limit:
                rejects.append(self._too_long(offset, line_no, size, line[:4096]))
            elif size and line != b"\r":
                decoded = decode(line, line_no=line_no, offset=offset)
                if decoded.rows:
                    rows.extend(decoded.rows)
                if decoded.rejects:
                    rejects.extend(explain_utf8(decoded.rejects, line))
            offset += size + 1
        self.offset, self.line_no = offset, line_no
        return len(lines)

    def _lone_line(
        self, fetch: Fetch, data: bytes, at_end: bool
    ) -> tuple[bytes | None, bool]:
        """The one line of a fetch that held no newline, and whether it ended.

        Returns (None, False) to wait for more bytes, or after starting to pass
        over a line longer than the limit.
        """
        probe = data
        if len(data) == CHUNK_BYTES and len(data) <= self.max_line:
            probe = fetch(self.offset, self.max_line + 1)
            newline = probe.find(b"\n")
            if newline >= 0:
                return probe[:newline], True
        if len(probe) > self.max_line:
            self._skip = _Skip(self.offset, len(probe), probe[:4096])
            return None, False
        if not at_end:
            # No newline yet: the writer is mid-line.
            return None, False
        return probe, False

    def _pass_over(
        self, fetch: Fetch, rejects: list[dict[str, Any]], at_end: bool
    ) -> bool:
        """Scan an over-long line to its newline a chunk at a time; True when done."""
        skip = self._skip
        assert skip is not None
        while True:
            data = fetch(skip.start + skip.scanned, CHUNK_BYTES)
            newline = data.find(b"\n")
            if newline < 0:
                skip.scanned += len(data)
                if len(data) == CHUNK_BYTES:
                    continue
                if not at_end:
                    return False
                length, after = skip.scanned, skip.start + skip.scanned
            else:
                length = skip.scanned + newline
                after = skip.start + length + 1
            self.line_no += 1
            rejects.append(self._too_long(skip.start, self.line_no, length, skip.head))
            self.offset = after
            self._skip = None
            return True

    def _too_long(
        self, offset: int, line_no: int, length: int, head: bytes
    ) -> dict[str, Any]:
        keys = [match.decode() for match in _KEY.findall(head)[:12]]
        return {
            "source": self.decoder.source,
            "line_no": line_no,
            "byte_offset": offset,
            "format": None,
            "reason": f"line is {length:,} bytes, over the limit of "
            f"{self.max_line:,}; skipped (raise --max-line-bytes to read it)",
            # Only the key names: a line this long is mostly content.
            "excerpt": ("keys: " + ", ".join(keys)) if keys else None,
            "at": int(time.time() * 1000),
        }


def explain_utf8(rejects: list[dict[str, Any]], line: bytes) -> list[dict[str, Any]]:
    """Say "not valid UTF-8" (and where) instead of the JSON parser's wording.

    orjson reports a stray byte as "str is not valid UTF-8: surrogates not
    allowed", which names neither the byte nor where it is. Every path that
    decodes lines (files, the unix socket, HTTP NDJSON) passes its rejects
    through here, so one bad byte gets the same reason whichever way it came.
    `line` is the raw line as received; byte positions count from its start.
    """
    for reject in rejects:
        if "UTF-8" not in reject["reason"]:
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            reject["reason"] = (
                f"not valid UTF-8: byte {exc.start} of the line is "
                f"0x{line[exc.start]:02x}; line skipped"
            )
    return rejects
