"""Keeping the per-minute and per-hour rollups in step with the events table.

A batch is first folded into two small temporary tables (one row per minute and
combination of dimensions, and one per minute, model and latency bucket); every
rollup is then summed from those instead of from the batch's rows. A batch of
thousands of requests usually folds into a few hundred rows, so the dozen rollup
upserts cost little.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from llmtop.store.bulk import insert_rows
from llmtop.store.schema import GRAINS, ROLLUP_MEASURES

SEP = "\x1f"
_MINUTE = 60_000

#: How each measure is computed from event rows, for the fold into _agg.
_FOLD_SQL: dict[str, str] = {
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
    "new_tasks": "0",
}

#: Rollup dimensions: name, value over the _agg columns, optional filter.
_DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("*", "''", ""),
    ("model", "model", "WHERE n != 0"),
    ("user_tier", "user_tier", "WHERE n != 0"),
    ("app", "app", "WHERE n != 0"),
    ("route", f"route || '{SEP}' || route_model", "WHERE n != 0"),
    (
        "route_error",
        f"route || '{SEP}' || route_model || '{SEP}' || failure",
        "WHERE failure IS NOT NULL",
    ),
)
_LATENCY_DIMENSIONS = (("*", "''"), ("model", "model"))
_KEYS = (
    "minute",
    "workflow",
    "model",
    "provider",
    "user_tier",
    "app",
    "route",
    "route_model",
)


def _ensure_temp_tables(conn: sqlite3.Connection) -> None:
    measures = ", ".join(ROLLUP_MEASURES)
    conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS _agg ({', '.join(_KEYS)}, failure, "
        f"{measures}, last_failure)"
    )
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS _lat (minute, workflow, model, lb, n)"
    )
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _agg_hour AS SELECT * FROM _agg")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _lat_hour AS SELECT * FROM _lat")


def _fold_to_hours(conn: sqlite3.Connection) -> None:
    """Fold the minute tables once more, to hours: every hour rollup then sums a
    few hundred rows instead of sorting the whole minute fold again."""
    hour = GRAINS["hour"]
    keys = ", ".join(_KEYS[1:])
    sums = ", ".join(f"sum({m})" for m in ROLLUP_MEASURES)
    conn.execute("DELETE FROM _agg_hour")
    conn.execute("DELETE FROM _lat_hour")
    conn.execute(
        f"INSERT INTO _agg_hour SELECT minute / {hour} * {hour}, {keys}, failure,"
        f" {sums}, max(last_failure) FROM _agg GROUP BY 1, {keys}, failure"
    )
    conn.execute(
        f"INSERT INTO _lat_hour SELECT minute / {hour} * {hour}, workflow, model, lb,"
        " sum(n) FROM _lat GROUP BY 1, 2, 3, 4"
    )


def apply_rollups(
    conn: sqlite3.Connection, where: str, params: list[Any], sign: int
) -> None:
    """Add (sign=+1) or take away (sign=-1) the selected events from every rollup.

    Must run inside the writer's transaction, after the rows are in `events`.
    """
    _ensure_temp_tables(conn)
    conn.execute("DELETE FROM _agg")
    conn.execute("DELETE FROM _lat")
    folds = ", ".join(f"{sign} * {_FOLD_SQL[m]}" for m in ROLLUP_MEASURES)
    failure = (
        "max(CASE WHEN status != 'success' OR fallback_used THEN ts END)"
        if sign > 0
        else "NULL"
    )
    conn.execute(
        f"INSERT INTO _agg SELECT ts / {_MINUTE} * {_MINUTE}, coalesce(workflow, ''),"
        " coalesce(model, ''), coalesce(provider, ''), coalesce(user_tier, ''),"
        " coalesce(app, ''), coalesce(route, ''),"
        # A fallback is the failure of the model it fell back from.
        " CASE WHEN fallback_used AND fallback_from IS NOT NULL"
        " THEN fallback_from ELSE coalesce(model, '') END,"
        " CASE WHEN status != 'success' THEN coalesce(error_type, status) END,"
        f" {folds}, {failure} FROM events WHERE {where}"
        " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
        params,
    )
    conn.execute(
        f"INSERT INTO _lat SELECT ts / {_MINUTE} * {_MINUTE}, coalesce(workflow, ''),"
        f" coalesce(model, ''), lat_bucket, {sign} * count(*) FROM events"
        f" WHERE {where} AND lat_bucket IS NOT NULL GROUP BY 1, 2, 3, 4",
        params,
    )
    if sign > 0:
        _count_new_tasks(conn, where, params)

    names = ", ".join(ROLLUP_MEASURES)
    sums = ", ".join(f"sum({m})" for m in ROLLUP_MEASURES)
    updates = ", ".join(f"{m} = {m} + excluded.{m}" for m in ROLLUP_MEASURES)
    _fold_to_hours(conn)
    sources = {"minute": ("_agg", "_lat"), "hour": ("_agg_hour", "_lat_hour")}
    for grain, width in GRAINS.items():
        folded, latencies = sources[grain]
        for dim, value_sql, condition in _DIMENSIONS:
            conn.execute(
                f"INSERT INTO rollup_{grain} (bucket, workflow, dim, value, {names},"
                f" last_failure) SELECT minute / {width} * {width}, workflow, '{dim}',"
                f" {value_sql}, {sums}, max(last_failure) FROM {folded} {condition}"
                f" {'AND' if condition else 'WHERE'} true GROUP BY 1, 2, 4"
                f" ON CONFLICT DO UPDATE SET {updates}, last_failure ="
                " max(coalesce(last_failure, 0), coalesce(excluded.last_failure, 0))"
            )
        for dim, value_sql in _LATENCY_DIMENSIONS:
            conn.execute(
                f"INSERT INTO latency_{grain} (bucket, workflow, dim, value, lb, n)"
                f" SELECT minute / {width} * {width}, workflow, '{dim}', {value_sql},"
                f" lb, sum(n) FROM {latencies} WHERE true GROUP BY 1, 2, 4, 5"
                " ON CONFLICT DO UPDATE SET n = n + excluded.n"
            )


def _count_new_tasks(conn: sqlite3.Connection, where: str, params: list[Any]) -> None:
    """Record tasks seen for the first time, and count each once, in the minute
    of its first request (the rollup path's $/task denominator)."""
    batch_tasks = conn.execute(
        "SELECT coalesce(workflow, ''), task_id, min(ts), max(ts) FROM events"
        f" WHERE {where} AND task_id IS NOT NULL GROUP BY 1, 2",
        params,
    ).fetchall()
    if not batch_tasks:
        return
    known: set[tuple[str, str]] = set()
    for start in range(0, len(batch_tasks), 400):
        chunk = batch_tasks[start : start + 400]
        pairs = ", ".join("(?, ?)" for _ in chunk)
        flat = [value for task in chunk for value in task[:2]]
        # A join on VALUES searches the primary key once per pair; a chain of
        # ORs was planned as a scan of the whole tasks table.
        known.update(
            conn.execute(
                f"SELECT t.workflow, t.task_id FROM (VALUES {pairs}) AS v "
                "JOIN tasks AS t ON t.workflow = v.column1 AND t.task_id = v.column2",
                flat,
            ).fetchall()
        )
    insert_rows(
        conn,
        "INSERT INTO tasks (workflow, task_id, first_ts, last_ts)",
        batch_tasks,
        4,
        "ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts),"
        " last_ts = max(last_ts, excluded.last_ts)",
    )
    starts: dict[tuple[int, str], int] = {}
    for workflow, task_id, first_ts, _ in batch_tasks:
        if (workflow, task_id) not in known:
            key = (first_ts // _MINUTE * _MINUTE, workflow)
            starts[key] = starts.get(key, 0) + 1
    measures = ", ".join(ROLLUP_MEASURES)
    zeros = ", ".join("?" if m == "new_tasks" else "0" for m in ROLLUP_MEASURES)
    conn.executemany(
        f"INSERT INTO _agg ({', '.join(_KEYS)}, failure, {measures}, last_failure)"
        f" VALUES (?, ?, '', '', '', '', '', '', NULL, {zeros}, NULL)",
        [(minute, workflow, count) for (minute, workflow), count in starts.items()],
    )
