"""The single writer: a batch of events, its rejects and its offsets in one commit.

A crash can therefore never separate a stored record from the offset that says it
was read. Rollups are summed by SQLite itself from the rows a batch has just added,
which keeps the per-record Python work to building the row.
"""

from __future__ import annotations

import operator
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmtop.store.bulk import insert_rows
from llmtop.store.rollups import apply_rollups
from llmtop.store.schema import EVENT_COLUMNS

_INSERT_EVENT = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)})"
_LOOKUP_CHUNK = 500
_ROW = operator.itemgetter(*EVENT_COLUMNS)
_DEFAULTS = {
    "ts_inferred": 0,
    "fallback_used": 0,
    "retry_count": 0,
    "batch": 0,
    "replaceable": 0,
    "cost_source": "unpriced",
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
    refused_ids: set[str] = field(default_factory=set)


def write_batch(conn: sqlite3.Connection, batch: Batch) -> BatchResult:
    """Commit a batch atomically; a record already stored is counted, not stored.

    A record is the same as a stored one when its timestamp and request_id both
    match (DESIGN.md: a unique (ts, request_id) index costs almost nothing where
    a unique request_id index costs most of the ingest rate). Records whose
    timestamp is not their own (snapshots that replace each other, records
    stamped with the time they were read) match on request_id alone, through a
    small partial index.
    """
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
        replaced = {id(row) for _, row in replacing}
        result.duplicate_ids.update(
            unique[key]["request_id"]
            for key in existing
            if id(unique[key]) not in replaced
        )

        last_id = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        before = conn.total_changes
        insert_rows(
            conn, _INSERT_EVENT, (_values(row) for row in fresh), len(EVENT_COLUMNS)
        )
        result.stored = conn.total_changes - before
        if fresh:
            apply_rollups(conn, "id > ?", [last_id], +1)
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


_Key = tuple[Any, str]
_Held = tuple[int, int | None, int | None]


def _key(row: dict[str, Any]) -> _Key:
    if row.get("_replace") or row.get("ts_inferred"):
        return (None, row["request_id"])
    return (row["ts"], row["request_id"])


def _dedupe_within(
    rows: Iterable[dict[str, Any]], result: BatchResult
) -> dict[_Key, dict[str, Any]]:
    unique: dict[_Key, dict[str, Any]] = {}
    for row in rows:
        if row.get("_replace"):
            row["replaceable"] = 1
        key = _key(row)
        held = unique.get(key)
        if held is None:
            unique[key] = row
        elif row.get("_replace") and _outweighs(row, held):
            unique[key] = row
            result.duplicates += 1
        else:
            result.duplicates += 1
    return unique


def _tokens(row: dict[str, Any] | tuple[Any, ...]) -> int:
    if isinstance(row, dict):
        return (row.get("input_tokens") or 0) + (row.get("output_tokens") or 0)
    return (row[1] or 0) + (row[2] or 0)


def _outweighs(row: dict[str, Any], held: Any) -> bool:
    return _tokens(row) > _tokens(held)


def _existing(
    conn: sqlite3.Connection, unique: dict[_Key, dict[str, Any]]
) -> dict[_Key, _Held]:
    plain = [key for key in unique if key[0] is not None]
    snapshots = [key[1] for key in unique if key[0] is None]
    found: dict[_Key, _Held] = {}
    for start in range(0, len(plain), _LOOKUP_CHUNK):
        chunk = plain[start : start + _LOOKUP_CHUNK]
        pairs = ", ".join("(?, ?)" for _ in chunk)
        for ts, request_id, row_id, tokens_in, tokens_out in conn.execute(
            "SELECT e.ts, e.request_id, e.id, e.input_tokens, e.output_tokens "
            f"FROM (VALUES {pairs}) AS v JOIN events AS e "
            "ON e.ts = v.column1 AND e.request_id = v.column2",
            [value for key in chunk for value in key],
        ):
            found[(ts, request_id)] = (row_id, tokens_in, tokens_out)
    for start in range(0, len(snapshots), _LOOKUP_CHUNK):
        chunk = snapshots[start : start + _LOOKUP_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for request_id, row_id, tokens_in, tokens_out in conn.execute(
            "SELECT request_id, id, input_tokens, output_tokens FROM events "
            f"WHERE (replaceable = 1 OR ts_inferred = 1) AND request_id IN ({marks})",
            chunk,
        ):
            found[(None, request_id)] = (row_id, tokens_in, tokens_out)
    return found


def _values(row: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return _ROW(row)
    except KeyError:
        return tuple(row.get(column, _DEFAULTS.get(column)) for column in EVENT_COLUMNS)


def _replace(
    conn: sqlite3.Connection,
    pairs: Sequence[tuple[tuple[int, int | None, int | None], dict[str, Any]]],
) -> None:
    ids = [held[0] for held, _ in pairs]
    marks = ", ".join("?" for _ in ids)
    apply_rollups(conn, f"id IN ({marks})", ids, -1)
    assignments = ", ".join(f"{column} = ?" for column in EVENT_COLUMNS)
    conn.executemany(
        f"UPDATE events SET {assignments} WHERE id = ?",
        [(*_values(row), held[0]) for held, row in pairs],
    )
    apply_rollups(conn, f"id IN ({marks})", ids, +1)


def _insert_rejects(conn: sqlite3.Connection, rejects: list[dict[str, Any]]) -> None:
    if not rejects:
        return
    now = int(time.time() * 1000)
    insert_rows(
        conn,
        "INSERT OR IGNORE INTO rejects"
        " (at, source, line_no, byte_offset, format, reason, excerpt)",
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
        7,
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
