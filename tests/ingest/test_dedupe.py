"""request_id is the backstop: a record read twice is stored once."""

from __future__ import annotations

import json
from pathlib import Path

from llmtop.ingest.once import ingest
from tests.ingest.helpers import count, lines


def test_reading_a_file_twice_stores_each_record_once(
    tmp_path: Path, db_path: Path
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(20)))
    first, second = ingest(db_path, [str(log)]), ingest(db_path, [str(log)])
    assert (first.stored, first.duplicates) == (20, 0)
    assert (second.stored, second.duplicates) == (0, 20)
    assert count(db_path) == 20


def test_records_without_a_timestamp_are_stored_once_when_read_twice(
    tmp_path: Path, db_path: Path
) -> None:
    log = tmp_path / "responses.jsonl"
    log.write_text(
        "".join(
            json.dumps({"request_id": f"n{i}", "model": "gpt-4o", "input_tokens": 5})
            + "\n"
            for i in range(3)
        )
    )
    ingest(db_path, [str(log)])
    ingest(db_path, [str(log)])
    assert count(db_path) == 3
