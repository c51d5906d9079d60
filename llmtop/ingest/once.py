"""`llmtop ingest`: read sources once, to their end, and say what happened.

It is the agent without the waiting: the same lock, reader, decoder and writer,
so a file ingested once and followed later is neither skipped nor doubled. Files
are read from their start every time; request ids turn a second ingest of the
same file into duplicates, which the summary reports.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmtop.ingest.discovery import expand, parse_spec
from llmtop.ingest.follower import Follower, ReadTotals
from llmtop.ingest.lines import DEFAULT_MAX_LINE_BYTES
from llmtop.ingest.lock import WriterLock
from llmtop.ingest.setup import make_decoder_factory
from llmtop.ingest.streams import StreamSource, stdin_reader
from llmtop.ingest.writer_thread import WriterThread
from llmtop.records import RecordDecoder
from llmtop.store.connection import refuse_network_filesystem

log = logging.getLogger(__name__)

Progress = Callable[[ReadTotals], None]


@dataclass
class IngestReport:
    """What one `ingest` run read, stored, skipped and rejected."""

    files: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    totals: ReadTotals = field(default_factory=ReadTotals)
    stored: int = 0
    duplicates: int = 0
    replaced: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    #: Why reading stopped early: a commit failed or the writer stalled.
    failure: str | None = None

    @property
    def records(self) -> int:
        """Records read and accepted, whether new or already stored."""
        return self.stored + self.duplicates + self.replaced


def ingest(
    db_path: Path,
    sources: Sequence[str],
    *,
    format_name: str | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    config: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read every source to its end into `db_path` and report.

    Raises:
        WriterLocked: an agent is writing this database.
        LlmtopError: network filesystem, unknown format.
    """
    report = IngestReport()
    files = [text for text in sources if text != "-"]
    for text in files:
        if not expand(parse_spec(text)):
            report.unmatched.append(text)
    if len(report.unmatched) == len(files) and "-" not in sources:
        return report

    db_path = Path(db_path).expanduser()
    refuse_network_filesystem(db_path)
    lock = WriterLock(db_path)
    lock.acquire()
    try:
        make_decoder = make_decoder_factory(dict(config or {}), format_name)
        writer = WriterThread(db_path)
        writer.start()
        follower = Follower(
            files,
            writer.submit,
            make_decoder,
            poll=True,
            max_line_bytes=max_line_bytes,
            on_batch=progress,
            # A run that must end: the first failed commit ends the reading,
            # and a writer that never answers is given up on, not waited for.
            stop_on_failure=True,
        )
        try:
            follower.catch_up(final=True)
            report.files = [str(item) for item in follower.following()]
            if "-" in sources and follower.failure is None:
                _read_stdin(follower, make_decoder("<stdin>"), max_line_bytes)
                report.files.append("<stdin>")
        finally:
            follower.close()
            writer.stop()
        report.failure = follower.failure
        report.totals = follower.totals
        report.errors = list(follower.errors)
        stats = writer.stats
        report.stored, report.duplicates = stats.stored, stats.duplicates
        report.replaced, report.rejected = stats.replaced, stats.rejected
        if stats.last_error:
            report.errors.append(stats.last_error)
    finally:
        lock.release()
    return report


def _read_stdin(
    follower: Follower, decoder: RecordDecoder, max_line_bytes: int
) -> None:
    source = StreamSource(
        "<stdin>",
        "stdin",
        stdin_reader(sys.stdin.buffer, threading.Event(), wait=1.0),
        decoder,
        max_line_bytes=max_line_bytes,
    )
    while follower.failure is None:
        chunk = source.read(final=source.ended)
        if chunk is not None:
            follower.send(source, chunk)
        elif source.ended:
            break
