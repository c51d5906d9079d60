"""The writer thread: merged commits still answer each submitter for itself."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from llmtop.ingest.writer_thread import WriterThread
from llmtop.store import Batch
from tests.store.helpers import rows_for

T0 = 1_796_378_400_000


def _record(n: int) -> dict[str, object]:
    return {"request_id": f"w{n}", "timestamp": T0 + n, "model": "gpt-4o"}


def test_two_submitters_of_one_new_record_store_it_once(db_path: Path) -> None:
    writer = WriterThread(db_path)
    writer.start()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # hold the writer so both submissions merge
    first = writer.submit(Batch(events=rows_for([_record(1), _record(2)])))
    second = writer.submit(Batch(events=rows_for([_record(2), _record(3)])))
    time.sleep(0.2)
    blocker.execute("COMMIT")
    mine, theirs = first.result(timeout=10), second.result(timeout=10)
    writer.stop()
    # w2 is new to the database but carried by both: the first stored it.
    assert (mine.stored, mine.duplicates) == (2, 0)
    assert (theirs.stored, theirs.duplicates, theirs.duplicate_ids) == (1, 1, {"w2"})
    assert writer.stats.stored == 3 and writer.stats.commits == 1
    count = sqlite3.connect(db_path).execute("SELECT count(*) FROM events").fetchone()
    assert count == (3,)


def test_a_row_the_store_cannot_hold_is_rejected_not_fatal(db_path: Path) -> None:
    writer = WriterThread(db_path)
    writer.start()
    rows = rows_for([_record(1), _record(2)])
    # Bypass validation as a buggy adapter could: 2**63 overflows SQLite.
    rows[0]["input_tokens"] = 2**63
    result = writer.submit(
        Batch(
            events=rows,
            sources=[{"key": "f", "path": "f.jsonl", "kind": "file", "offset": 90}],
        )
    ).result(timeout=10)
    later = writer.submit(Batch(events=rows_for([_record(3)]))).result(timeout=10)
    writer.stop()
    assert (result.stored, result.rejected) == (1, 1)
    assert later.stored == 1  # the writer lives on
    conn = sqlite3.connect(db_path)
    assert {r[0] for r in conn.execute("SELECT request_id FROM events")} == {"w2", "w3"}
    (reason,) = conn.execute("SELECT reason FROM rejects").fetchone()
    assert reason.startswith("could not be stored")
    assert conn.execute("SELECT offset FROM sources").fetchone() == (90,)


def test_submitting_to_a_stopped_writer_fails_at_once(db_path: Path) -> None:
    import pytest

    from llmtop.ingest.writer_thread import WriterStopped

    writer = WriterThread(db_path)
    writer.start()
    writer.stop()
    with pytest.raises(WriterStopped):
        writer.submit(Batch(events=rows_for([_record(1)])))
