"""Build real databases from native records, the way the agent would."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from llmtop.pricing import Pricer
from llmtop.records import RecordDecoder
from llmtop.store import Batch, BatchResult, open_database, write_batch


def rows_for(records: list[dict[str, Any]], source: str = "test.jsonl") -> list[dict]:
    decoder = RecordDecoder(source, pricer=Pricer())
    rows: list[dict] = []
    for number, record in enumerate(records, start=1):
        decoded = decoder.decode_line(
            json.dumps(record).encode(), line_no=number, offset=0
        )
        assert not decoded.rejects, decoded.rejects
        rows.extend(decoded.rows)
    return rows


def write_records(
    path: Path, records: list[dict[str, Any]]
) -> tuple[sqlite3.Connection, BatchResult]:
    conn = open_database(path)
    return conn, write_batch(conn, Batch(events=rows_for(records)))
