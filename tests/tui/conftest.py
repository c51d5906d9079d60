"""Pilot-tier fixtures: a real database of hand-made records and a frozen clock."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from llmtop.pricing import Pricer
from llmtop.records import RecordDecoder
from llmtop.store import open_database, write_batch
from llmtop.store.writer import Batch

#: The frozen "now" of every Pilot test: 2025-03-11 14:30:00 UTC.
NOW = 1_741_703_400.0
SIZE = (120, 40)


def at(minutes_ago: float) -> float:
    """An epoch-seconds timestamp `minutes_ago` before NOW."""
    return NOW - minutes_ago * 60


def write_records(
    db_path: Path,
    records: list[dict[str, Any]],
    *,
    source: str = "app/usage.jsonl",
    raw_lines: list[bytes] = (),
) -> None:
    """Store records (and raw lines, which may be bad) through the real path."""
    decoder = RecordDecoder(source, pricer=Pricer(), clock=lambda: NOW)
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    lines = [(json.dumps(r) + "\n").encode() for r in records] + list(raw_lines)
    offset = 0
    for line_no, line in enumerate(lines, start=1):
        decoded = decoder.decode_line(line, line_no=line_no, offset=offset)
        rows.extend(decoded.rows)
        rejects.extend(decoded.rejects)
        offset += len(line)
    conn = open_database(db_path)
    try:
        write_batch(conn, Batch(events=rows, rejects=rejects))
    finally:
        conn.close()


async def wait_until(pilot: Pilot, ready: Callable[[], bool], tries: int = 500) -> None:
    """Let the app run until `ready()` holds; refreshes run in a worker thread.

    This bounds how long a test may wait; it asserts nothing about speed.
    """
    for _ in range(tries):
        await pilot.pause(0.02)
        if ready():
            await pilot.pause()
            return
    raise AssertionError("the app never reached the expected state")


def static_text(pilot: Pilot, selector: str) -> str:
    """The plain text a Static shows."""
    content = pilot.app.screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def render_plain(renderable: Any, width: int = 120) -> str:
    """What a Rich renderable reads as on a terminal `width` columns wide."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def row_text(table: Any, key: str) -> list[str]:
    """A table row's cells as plain strings, without the padding that sizes them."""
    return [cell.plain.strip() for cell in table.get_row(key)]


def column_values(table: Any, column: str) -> list[str]:
    """One column's plain text, top to bottom, without the padding."""
    return [cell.plain.strip() for cell in table.get_column(column)]


@pytest.fixture
def clock() -> Callable[[], float]:
    return lambda: NOW
