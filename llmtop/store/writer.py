"""The single writer: a batch of events, its rejects and its offsets in one commit.

A crash can therefore never separate a stored record from the offset that says it
was read. Rollups are summed by SQLite itself from the rows a batch has just added,
which keeps the per-record Python work to building the row.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmtop.store.schema import EVENT_COLUMNS, GRAINS, ROLLUP_MEASURES

_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)
_LOOKUP_CHUNK = 500
_SEP = "\x1f"

#: Rollup dimensions: name, SQL for the value, and an optional row filter.
_DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("*", "''", ""),
    ("model", "coalesce(model, '')", ""),
    ("provider", "coalesce(provider, '')", ""),
    ("user_tier", "coalesce(user_tier, '')", ""),
    ("app", "coalesce(app, '')", ""),
    ("route", f"coalesce(route, '') || '{_SEP}' || coalesce(model, '')", ""),
    (
        "route_error",
        f"coalesce(route, '') || '{_SEP}' || coalesce(model, '') || '{_SEP}' || "
        "coalesce(error_type, status)",
        "AND status != 'success'",
    ),
)
_LATENCY_DIMENSIONS = (("*", "''"), ("model", "coalesce(model, '')"))

#: How each rollup measure is computed from a group of event rows.
_MEASURE_SQL: dict[str, str] = {
    "n": "count(*)",
    "errors": "count(CASE WHEN status != 'success' THEN 1 END)",
    "timeouts": "count(CASE WHEN status = 'timeout' THEN 1 END)",
    "fallbacks": "count(CASE WHEN fallback_used THEN 1 END)",
    "retries": "total(retry_count)",
    "val_pass": "count(CASE WHEN validation = 'pass' THEN 1 END)",
    "val_fail": "count(CASE WHEN validation = 'fail' THEN 1 END)",
    "cost": "total(cost_usd)",
    "unpriced": "count(CASE WHEN cost_usd IS NULL THEN 1 END)",
    "in_tok": "total(input_tokens)",
    "out_tok": "total(output_tokens)",
    "cache_read": "total(cache_read_tokens)",
    "cache_write": "total(cache_write_tokens)",
    "reasoning": "total(reasoning_tokens)",
    "lat_n": "count(latency_ms)",
    "lat_sum": "total(latency_ms)",
    "untasked": "count(CASE WHEN task_id IS NULL THEN 1 END)",
}


@dataclass
class Batch:
    """What one commit carries. `events` are rows keyed by EVENT_COLUMNS; a row
    with `_replace` set replaces a stored row of the same request_id when it has
    more tokens (a streaming snapshot superseded by its final form)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BatchResult:
    """What a commit did. `duplicate_ids` lets each of several merged submitters
    tell which of its own rows were already stored."""

    stored: int = 0
    duplicates: int = 0
    replaced: int = 0
    rejected: int = 0
    duplicate_ids: set[str] = field(default_factory=set)


def write_batch(conn: sqlite3.Connection, batch: Batch) -> BatchResult:
    """Commit a batch atomically; a duplicate request_id is counted, not stored."""
    result = BatchResult(rejected=len(batch.rejects))
    unique = _dedupe_within(batch.events, result)
    conn.execute("BEGIN IMMEDIATE")
    try:
        existing = _existing(conn, unique)
        fresh = [row for key, row in unique.items() if key not in existing]
        replacing = [
            (existing[key], row)
            for key, row in unique.items()
            if key in existing
            and row.get("_replace")
            and _outweighs(row, existing[key])
        ]
        result.duplicates += len(unique) - len(fresh) - len(replacing)
        replaced_ids = {row["request_id"] for _, row in replacing}
        result.duplicate_ids.update(key for key in existing if key not in replaced_ids)

        last_id = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        before = conn.total_changes
        conn.executemany(_INSERT_EVENT, (_values(row) for row in fresh))
        result.stored = conn.total_changes - before
        if fresh:
            _apply_rollups(conn, "id > ?", [last_id], +1)
        if replacing:
            _replace(conn, replacing)
            result.replaced = len(replacing)
        _insert_rejects(conn, batch.rejects)
        _save_sources(conn, batch.sources)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return result


def _dedupe_within(
    rows: Iterable[dict[str, Any]], result: BatchResult
) -> dict[str, dict[str, Any]]:
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["request_id"]
        held = unique.get(key)
        if held is None:
            unique[key] = row
        elif row.get("_replace") and _outweighs(row, held):
            unique[key] = row
            result.duplicates += 1
        else:
            result.duplicates += 1
    return unique


def _tokens(row: dict[str, Any] | sqlite3.Row | tuple[Any, ...]) -> int:
    if isinstance(row, dict):
        return (row.get("input_tokens") or 0) + (row.get("output_tokens") or 0)
    return (row[1] or 0) + (row[2] or 0)


def _outweighs(row: dict[str, Any], held: Any) -> bool:
    return _tokens(row) > _tokens(held)


def _existing(
    conn: sqlite3.Connection, unique: dict[str, dict[str, Any]]
) -> dict[str, tuple[int, int | None, int | None]]:
    keys = list(unique)
    found: dict[str, tuple[int, int | None, int | None]] = {}
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for request_id, row_id, tokens_in, tokens_out in conn.execute(
            "SELECT request_id, id, input_tokens, output_tokens FROM events "
            f"WHERE request_id IN ({marks})",
            chunk,
        ):
            found[request_id] = (row_id, tokens_in, tokens_out)
    return found


def _values(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(column) for column in EVENT_COLUMNS)


def _replace(
    conn: sqlite3.Connection,
    pairs: Sequence[tuple[tuple[int, int | None, int | None], dict[str, Any]]],
) -> None:
    ids = [held[0] for held, _ in pairs]
    marks = ", ".join("?" for _ in ids)
    _apply_rollups(conn, f"id IN ({marks})", ids, -1)
    assignments = ", ".join(f"{column} = ?" for column in EVENT_COLUMNS)
    conn.executemany(
        f"UPDATE events SET {assignments} WHERE id = ?",
        [(*_values(row), held[0]) for held, row in pairs],
    )
    _apply_rollups(conn, f"id IN ({marks})", ids, +1)


def _apply_rollups(
    conn: sqlite3.Connection, where: str, params: list[Any], sign: int
) -> None:
    """Add (sign=+1) or take away (sign=-1) the selected rows from every rollup."""
    names = ", ".join(ROLLUP_MEASURES)
    sums = ", ".join(f"{sign} * {_MEASURE_SQL[m]}" for m in ROLLUP_MEASURES)
    updates = ", ".join(f"{m} = {m} + excluded.{m}" for m in ROLLUP_MEASURES)
    failure = (
        "max(CASE WHEN status != 'success' OR fallback_used THEN ts END)"
        if sign > 0
        else "NULL"
    )
    for grain, width in GRAINS.items():
        for dim, value_sql, condition in _DIMENSIONS:
            conn.execute(
                f"INSERT INTO rollup_{grain} (bucket, workflow, dim, value, {names}, "
                f"last_failure) SELECT ts / {width} * {width}, coalesce(workflow, ''), "
                f"'{dim}', {value_sql}, {sums}, {failure} FROM events "
                f"WHERE {where} {condition} GROUP BY 1, 2, 4 "
                f"ON CONFLICT DO UPDATE SET {updates}, last_failure = "
                "max(coalesce(last_failure, 0), coalesce(excluded.last_failure, 0))",
                params,
            )
        for dim, value_sql in _LATENCY_DIMENSIONS:
            conn.execute(
                f"INSERT INTO latency_{grain} (bucket, workflow, dim, value, lb, n) "
                f"SELECT ts / {width} * {width}, coalesce(workflow, ''), '{dim}', "
                f"{value_sql}, lat_bucket, {sign} * count(*) FROM events "
                f"WHERE {where} AND lat_bucket IS NOT NULL GROUP BY 1, 2, 4, 5 "
                "ON CONFLICT DO UPDATE SET n = n + excluded.n",
                params,
            )
    if sign > 0:
        conn.execute(
            "INSERT INTO tasks (workflow, task_id, first_ts, last_ts) "
            "SELECT coalesce(workflow, ''), task_id, min(ts), max(ts) FROM events "
            f"WHERE {where} AND task_id IS NOT NULL GROUP BY 1, 2 "
            "ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), "
            "last_ts = max(last_ts, excluded.last_ts)",
            params,
        )


def _insert_rejects(conn: sqlite3.Connection, rejects: list[dict[str, Any]]) -> None:
    if not rejects:
        return
    now = int(time.time() * 1000)
    conn.executemany(
        "INSERT INTO rejects"
        " (at, source, line_no, byte_offset, format, reason, excerpt)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                reject.get("at", now),
                reject["source"],
                reject.get("line_no"),
                reject.get("byte_offset"),
                reject.get("format"),
                reject["reason"],
                reject.get("excerpt"),
            )
            for reject in rejects
        ],
    )


def _save_sources(conn: sqlite3.Connection, sources: list[dict[str, Any]]) -> None:
    """Upsert source positions; `stored`/`rejected` in a source dict are increments."""
    now = int(time.time() * 1000)
    for source in sources:
        conn.execute(
            "INSERT INTO sources (key, path, kind, device, inode, offset, line_no,"
            " size, format, state, stored, rejected, updated_at)"
            " VALUES (:key, :path, :kind, :device, :inode, :offset, :line_no, :size,"
            " :format, :state, :stored, :rejected, :updated_at)"
            " ON CONFLICT(key) DO UPDATE SET path = excluded.path,"
            " device = excluded.device, inode = excluded.inode,"
            " offset = excluded.offset, line_no = excluded.line_no,"
            " size = excluded.size, format = coalesce(excluded.format, format),"
            " state = excluded.state, stored = stored + excluded.stored,"
            " rejected = rejected + excluded.rejected,"
            " updated_at = excluded.updated_at",
            {
                "device": None,
                "inode": None,
                "size": None,
                "format": None,
                "state": None,
                "stored": 0,
                "rejected": 0,
                "line_no": 0,
                "updated_at": now,
                **source,
            },
        )
