"""Decode whole files the way the file follower does: JSONL line by line, a
pretty-printed document whole, and write rows into a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from llmtop.pricing import Pricer
from llmtop.records import Decoded, RecordDecoder
from llmtop.store import write_batch
from llmtop.store.connection import open_database
from llmtop.store.writer import Batch

Decode = Callable[..., Decoded]


def decode_path(
    path: Path, *, format_name: str | None = None, source: str | None = None
) -> Decoded:
    """Every record of one file through a fresh RecordDecoder."""
    decoder = RecordDecoder(
        source or str(path), pricer=Pricer(), format_name=format_name
    )
    data = path.read_bytes()
    if path.suffix == ".json":
        return decoder.decode_value(orjson.loads(data), raw=data, line_no=1, offset=0)
    decoded = Decoded()
    offset = 0
    for line_no, line in enumerate(data.splitlines(keepends=True), start=1):
        decoded.extend(decoder.decode_line(line, line_no=line_no, offset=offset))
        offset += len(line)
    return decoded


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums of the token columns and reported cost over decoded rows."""

    def total(column: str) -> int:
        return sum(row.get(column) or 0 for row in rows)

    return {
        "requests": len(rows),
        "input": total("input_tokens"),
        "cached": total("cache_read_tokens"),
        "output": total("output_tokens"),
        "reasoning": total("reasoning_tokens"),
    }


def store_rows(db_path: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write rows through the real writer and read the events table back."""
    conn = open_database(db_path)
    try:
        write_batch(conn, Batch(events=rows))
        conn.row_factory = None
        cursor = conn.execute("SELECT * FROM events ORDER BY ts, id")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        conn.close()


@pytest.fixture
def decode() -> Decode:
    """`decode(path, format_name=None, source=None)` → Decoded."""
    return decode_path


@pytest.fixture
def sums() -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
    """`sums(rows)` → requests and token totals."""
    return totals


@pytest.fixture
def store(db_path: Path) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """`store(rows)` writes through write_batch into a real file, returns events."""
    return lambda rows: store_rows(db_path, rows)
