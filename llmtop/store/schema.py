"""Tables, indexes and named migrations of an llmtop database.

The events table holds one row per request. The rollup tables hold the same data
summed per minute and per hour, and per workflow and dimension, so that the views
stay fast at millions of rows; the writer keeps them in the same transaction as the
events (see `llmtop.store.writer`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

SCHEMA_VERSION = 1

EVENT_COLUMNS: tuple[str, ...] = (
    "request_id",
    "ts",
    "ts_inferred",
    "app",
    "task_id",
    "workflow",
    "user_tier",
    "model",
    "provider",
    "route",
    "status",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "cost_usd",
    "cost_source",
    "price_source",
    "estimate_usd",
    "cost_note",
    "lat_bucket",
    "fallback_used",
    "fallback_from",
    "requested_model",
    "retry_count",
    "validation",
    "error_type",
    "service_tier",
    "batch",
    "format",
    "source",
    "source_line",
    "source_offset",
    "flags",
    "extra",
    "ingested_at",
    "replaceable",
)

#: The measures summed in every rollup row, in storage order.
ROLLUP_MEASURES: tuple[str, ...] = (
    "n",
    "errors",
    "timeouts",
    "fallbacks",
    "retries",
    "val_pass",
    "val_fail",
    "cost",
    "unpriced",
    "in_tok",
    "out_tok",
    "cache_read",
    "cache_write",
    "reasoning",
    "lat_n",
    "lat_sum",
    "untasked",
    "new_tasks",
)

#: Rollup grains: table suffix and bucket width in milliseconds.
GRAINS: dict[str, int] = {"minute": 60_000, "hour": 3_600_000}


def _initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS events (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            ts_inferred INTEGER NOT NULL DEFAULT 0,
            app TEXT, task_id TEXT, workflow TEXT, user_tier TEXT,
            model TEXT, provider TEXT, route TEXT, status TEXT NOT NULL,
            latency_ms REAL,
            input_tokens INTEGER, output_tokens INTEGER,
            cache_read_tokens INTEGER, cache_write_tokens INTEGER,
            cache_write_1h_tokens INTEGER, reasoning_tokens INTEGER,
            cost_usd REAL, cost_source TEXT NOT NULL, price_source TEXT,
            estimate_usd REAL, cost_note TEXT, lat_bucket INTEGER,
            fallback_used INTEGER NOT NULL DEFAULT 0, fallback_from TEXT,
            requested_model TEXT, retry_count INTEGER NOT NULL DEFAULT 0,
            validation TEXT, error_type TEXT, service_tier TEXT,
            batch INTEGER NOT NULL DEFAULT 0,
            format TEXT, source TEXT, source_line INTEGER, source_offset INTEGER,
            flags TEXT, extra TEXT, ingested_at INTEGER NOT NULL,
            replaceable INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    # (ts, request_id) is the dedupe key and the time index at once; a unique
    # index on request_id alone would cost most of the ingest rate (DESIGN.md).
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS events_ts_request ON events(ts, request_id)"
    )
    # Rows whose timestamp is not their own (snapshots that replace each other,
    # records stamped with the time they were read) match on request_id alone.
    db.execute(
        "CREATE INDEX IF NOT EXISTS events_by_request ON events(request_id) "
        "WHERE replaceable = 1 OR ts_inferred = 1"
    )
    db.execute("CREATE INDEX IF NOT EXISTS events_workflow_ts ON events(workflow, ts)")
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS sources (
            key TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            kind TEXT NOT NULL,
            device INTEGER, inode INTEGER,
            offset INTEGER NOT NULL DEFAULT 0,
            line_no INTEGER NOT NULL DEFAULT 0,
            size INTEGER, format TEXT, state TEXT,
            stored INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS rejects (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            source TEXT NOT NULL,
            line_no INTEGER, byte_offset INTEGER,
            format TEXT, reason TEXT NOT NULL, excerpt TEXT
        )
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS rejects_at ON rejects(at)")
    measures = ", ".join(
        f"{name} {'REAL' if name in ('cost', 'lat_sum') else 'INTEGER'} "
        "NOT NULL DEFAULT 0"
        for name in ROLLUP_MEASURES
    )
    for grain in GRAINS:
        db.execute(
            f"""
            CREATE TABLE IF NOT EXISTS rollup_{grain} (
                bucket INTEGER NOT NULL, workflow TEXT NOT NULL,
                dim TEXT NOT NULL, value TEXT NOT NULL,
                {measures}, last_failure INTEGER,
                PRIMARY KEY (bucket, workflow, dim, value)
            ) WITHOUT ROWID
            """
        )
        db.execute(
            f"""
            CREATE TABLE IF NOT EXISTS latency_{grain} (
                bucket INTEGER NOT NULL, workflow TEXT NOT NULL,
                dim TEXT NOT NULL, value TEXT NOT NULL,
                lb INTEGER NOT NULL, n INTEGER NOT NULL,
                PRIMARY KEY (bucket, workflow, dim, value, lb)
            ) WITHOUT ROWID
            """
        )
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS tasks (
            workflow TEXT NOT NULL, task_id TEXT NOT NULL,
            first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
            PRIMARY KEY (workflow, task_id)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS tasks_last ON tasks(workflow, last_ts)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    )


def _unique_rejects(db: Database) -> None:
    """A line read twice (a re-run ingest, a copytruncate) is one reject."""
    db.execute(
        "DELETE FROM rejects WHERE id NOT IN (SELECT min(id) FROM rejects "
        "GROUP BY source, byte_offset, reason, excerpt)"
    )
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS rejects_once "
        "ON rejects(source, byte_offset, reason, excerpt)"
    )


MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("0001_initial", _initial),
    ("0002_unique_rejects", _unique_rejects),
]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database has not seen; return their names."""
    db = Database(conn)
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations "
        "(name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            conn.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", [name])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(name)
    return applied
