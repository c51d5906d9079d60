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
