"""The writer: one transaction per batch, duplicates counted, rollups exact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from llmtop.store import Batch, open_database, write_batch
from tests.store.helpers import rows_for, write_records

T0 = 1_796_378_400_000  # 2026-12-04T10:00:00Z


def record(n: int, **fields: object) -> dict[str, object]:
    base = {
        "request_id": f"r{n}",
        "timestamp": T0 + n * 1000,
        "workflow": "rag_answer",
        "model": "gpt-4o",
        "input_tokens": 100,
        "output_tokens": 10,
        "estimated_cost_usd": 0.01,
        "latency_ms": 100.0 + n,
    }
    return base | fields


def test_a_request_id_seen_twice_is_stored_once(db_path: Path) -> None:
    conn, first = write_records(db_path, [record(1), record(2), record(1)])
    assert (first.stored, first.duplicates) == (2, 1)
    second = write_batch(conn, Batch(events=rows_for([record(2), record(3)])))
    assert (second.stored, second.duplicates) == (1, 1)
    assert second.duplicate_ids == {"r2"}
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    # Rollups count each stored request once: 3 requests, $0.03.
    n, cost = conn.execute(
        "SELECT sum(n), total(cost) FROM rollup_minute WHERE dim = '*'"
    ).fetchone()
    assert n == 3 and cost == pytest.approx(0.03)


def test_a_larger_snapshot_replaces_the_smaller_and_rollups_follow(
    db_path: Path,
) -> None:
    conn = open_database(db_path)
    first = rows_for([record(1, output_tokens=5)])
    first[0]["_replace"] = True
    write_batch(conn, Batch(events=first))
    final = rows_for([record(1, output_tokens=50, timestamp=T0 + 90_000)])
    final[0]["_replace"] = True
    result = write_batch(conn, Batch(events=final))
    assert result.replaced == 1 and result.stored == 0
    rows = conn.execute("SELECT output_tokens, ts FROM events").fetchall()
    assert rows == [(50, T0 + 90_000)]
    # The old minute lost its request and the new minute gained it.
    by_minute = dict(
        conn.execute(
            "SELECT bucket, sum(n) FROM rollup_minute WHERE dim='*' GROUP BY 1"
        ).fetchall()
    )
    assert by_minute[T0] == 0 and by_minute[T0 + 60_000] == 1
    assert (
        conn.execute("SELECT sum(out_tok) FROM rollup_hour WHERE dim = '*'").fetchone()[
            0
        ]
        == 50
    )
    # A smaller snapshot arriving late changes nothing.
    late = rows_for([record(1, output_tokens=7)])
    late[0]["_replace"] = True
    assert write_batch(conn, Batch(events=late)).duplicates == 1


def test_rollups_agree_with_raw_rows_per_dimension(db_path: Path) -> None:
    records = [
        record(
            i,
            model=["gpt-4o", "claude-haiku-4-5"][i % 2],
            status=["success", "success", "error", "timeout"][i % 4],
            route=["a", "b"][i % 2],
            fallback_used=i % 5 == 0,
            validation=["pass", "fail", None][i % 3],
            retry_count=i % 3,
        )
        for i in range(1, 41)
    ]
    conn, _ = write_records(db_path, records)
    raw = conn.execute(
        "SELECT model, count(*), sum(status != 'success'), sum(status = 'timeout'),"
        " sum(fallback_used), sum(retry_count), sum(validation = 'fail')"
        " FROM events GROUP BY model ORDER BY model"
    ).fetchall()
    rolled = conn.execute(
        "SELECT value, sum(n), sum(errors), sum(timeouts), sum(fallbacks),"
        " sum(retries), sum(val_fail) FROM rollup_hour WHERE dim = 'model'"
        " GROUP BY value ORDER BY value"
    ).fetchall()
    assert rolled == raw
    # by hand: 40 records, statuses cycle s,s,e,t → 20 failures, 10 timeouts.
    assert sum(r[2] for r in rolled) == 20 and sum(r[3] for r in rolled) == 10


def test_a_failed_batch_leaves_nothing_behind(db_path: Path) -> None:
    conn = open_database(db_path)
    rows = rows_for([record(1)])
    bad = dict(rows[0], request_id=None)  # NOT NULL violation mid-batch
    with pytest.raises(sqlite3.IntegrityError):
        write_batch(
            conn,
            Batch(
                events=[*rows_for([record(2)]), bad],
                sources=[{"key": "f", "path": "f", "kind": "file", "offset": 99}],
            ),
        )
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM rollup_minute").fetchone()[0] == 0


def test_source_counters_add_up_and_offsets_move(db_path: Path) -> None:
    conn = open_database(db_path)
    for offset, stored in ((120, 3), (300, 2)):
        write_batch(
            conn,
            Batch(
                sources=[
                    {
                        "key": "k",
                        "path": "/x.jsonl",
                        "kind": "file",
                        "offset": offset,
                        "stored": stored,
                    }
                ]
            ),
        )
    assert conn.execute("SELECT offset, stored FROM sources").fetchone() == (300, 5)


def test_rejects_are_kept_with_their_position(db_path: Path) -> None:
    conn = open_database(db_path)
    write_batch(
        conn,
        Batch(
            rejects=[
                {
                    "source": "a.jsonl",
                    "line_no": 7,
                    "byte_offset": 512,
                    "reason": "timestamp: 'x' is not an ISO-8601 time",
                    "excerpt": "{...}",
                }
            ]
        ),
    )
    assert conn.execute(
        "SELECT source, line_no, byte_offset, reason FROM rejects"
    ).fetchone() == ("a.jsonl", 7, 512, "timestamp: 'x' is not an ISO-8601 time")


def test_a_reject_read_twice_is_kept_once(db_path: Path) -> None:
    conn = open_database(db_path)
    reject = {
        "source": "a.jsonl",
        "line_no": 7,
        "byte_offset": 512,
        "reason": "not valid JSON: unexpected character",
        "excerpt": "{oops",
    }
    write_batch(conn, Batch(rejects=[reject]))
    write_batch(conn, Batch(rejects=[reject, dict(reject, byte_offset=600)]))
    assert conn.execute("SELECT count(*) FROM rejects").fetchone()[0] == 2


def test_migrations_are_named_and_applied_once(db_path: Path) -> None:
    open_database(db_path).close()
    conn = open_database(db_path)
    names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY 1")]
    assert names == ["0001_initial", "0002_unique_rejects"]
