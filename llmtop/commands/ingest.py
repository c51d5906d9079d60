"""`llmtop ingest SOURCES…`: read once, store, and say what was read."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from llmtop.commands._common import (
    add_config_option,
    add_db_option,
    add_reading_options,
    resolve_db,
)
from llmtop.config import load_config
from llmtop.ingest.follower import ReadTotals
from llmtop.ingest.once import IngestReport, ingest
from llmtop.presets import add_preset_options, preset_sources

NAME = "ingest"
ORDER = 10
HELP = "read files once into the database and print what was stored"
DESCRIPTION = """\
Read SOURCES (files, globs, directories, `-` for stdin) to their end, store
their records and stop. JSONL and files holding one JSON document or an array
(a saved API response) are both read; directories are searched recursively for
*.jsonl, *.json, *.ndjson, *.log and *.txt, and rotated copies (app.log.1,
*.gz, app.log.2026-12-04) are skipped unless named.

Prints how many lines were read, how many records were stored, how many were
already stored (same request id) and how many lines were rejected, by reason;
`llmtop rejects` lists them. Exits 1 when nothing could be read (no file
matched, or no line held a usage record) or when a commit failed, which stops
the reading; running it again is safe, as stored records become duplicates.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="files, globs, dirs, -"
    )
    add_db_option(parser)
    add_config_option(parser)
    add_preset_options(parser)
    add_reading_options(parser)


def run(args: argparse.Namespace) -> int:
    sources = [*args.sources, *preset_sources(args)]
    if not sources:
        print("llmtop ingest: give SOURCES to read", file=sys.stderr)
        return 2
    db_path = resolve_db(args.db)
    progress = _Progress() if sys.stderr.isatty() else None
    report = ingest(
        db_path,
        sources,
        format_name=args.format_name,
        max_line_bytes=args.max_line_bytes,
        config=load_config(args.config),
        progress=progress,
    )
    if progress is not None:
        progress.clear()
    return print_report(report, db_path)


def print_report(report: IngestReport, db_path: Path) -> int:
    """Print the summary; the exit status is 1 when no record could be read
    or a commit failed."""
    for text in report.unmatched:
        print(f"llmtop ingest: no file matches {text}", file=sys.stderr)
    if not report.files:
        print("llmtop ingest: nothing to read", file=sys.stderr)
        return 1
    totals = report.totals
    print(
        f"read {_count(totals.lines, 'line')} from "
        f"{_count(len(report.files), 'source')} into {db_path}"
    )
    print(f"  stored      {report.stored:>10,}")
    if report.replaced:
        print(f"  replaced    {report.replaced:>10,}  (a fuller copy of a record)")
    print(f"  duplicates  {report.duplicates:>10,}  (already stored: same request id)")
    print(f"  rejected    {report.rejected:>10,}")
    for reason, count in totals.reasons.most_common(12):
        print(f"    {count:>8,}  {reason}")
        where, detail = totals.examples[reason]
        # The reason is what the example is for: a long path gives way first.
        where = _clip_left(where, max(30, 110 - len(detail)))
        print(f"              first at {_clip(where + detail, 160)}")
    if len(totals.reasons) > 12:
        print(f"    … {_count(len(totals.reasons) - 12, 'more kind')} of reject")
    if report.rejected:
        print(f"  see them with: llmtop rejects --db {db_path}")
    for error in report.errors:
        print(f"llmtop ingest: {error}", file=sys.stderr)
    if report.failure is not None:
        print(
            "llmtop ingest: stopped early: a commit failed, so what followed it "
            "was not stored (run it again once fixed; stored records will count "
            "as duplicates)",
            file=sys.stderr,
        )
        return 1
    if report.records == 0:
        print("llmtop ingest: no usage record could be read", file=sys.stderr)
        return 1
    return 0


class _Progress:
    """A one-line counter on a terminal's stderr, redrawn at most twice a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, totals: ReadTotals) -> None:
        now = time.monotonic()
        if now - self.shown < 0.5:
            return
        self.shown = now
        rate = totals.lines / max(now - self.started, 1e-6)
        sys.stderr.write(
            f"\r  {_count(totals.lines, 'line')}, {_count(totals.rows, 'record')}"
            f" ({rate:,.0f} lines/s)"
        )
        sys.stderr.flush()

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _count(number: int, noun: str) -> str:
    """`1 line`, `2 lines`, `0 lines`: a count with its noun in the right number.

    Every noun this command counts takes a plain "s", so no table is needed.
    """
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _clip_left(text: str, width: int) -> str:
    """Keep the end of a path (its file name and line), dropping its start."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


def _clip(text: str, width: int) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= width else text[: width - 1] + "…"
