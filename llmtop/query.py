"""What the views ask of the store: windows, totals, breakdowns, failing routes.

Each question is answered from raw rows when the window holds few records (exact
numbers, exact percentiles) and from the rollup tables otherwise (every count and
sum exact to the minute at the window's edges, percentiles within 1%). Both paths
return the same dataclasses, so a view never knows which one ran.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from llmtop.measures import Measures, RouteFailure, Series, Window
from llmtop.store.histogram import (
    bucket_of,
    exact_percentile,
    percentile_from_counts,
)

#: Windows by name, in milliseconds; None means all data.
WINDOWS: dict[str, int | None] = {
    "5m": 5 * 60_000,
    "1h": 3_600_000,
    "24h": 86_400_000,
    "7d": 7 * 86_400_000,
    "all": None,
}
#: At or below this many records a window is computed exactly from raw rows.
EXACT_LIMIT = 20_000
GROUPINGS = ("workflow", "model", "provider", "route", "user_tier", "app")
SEP = "\x1f"
_MINUTE = 60_000
_HOUR = 3_600_000


def now_ms() -> int:
    return int(time.time() * 1000)


def data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits; cheap enough to poll."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def resolve_window(
    conn: sqlite3.Connection, name: str, now: int | None = None
) -> Window:
    """The window called `name`, ending now, or at the newest record when the
    data is older than the window."""
    if name not in WINDOWS:
        raise ValueError(f"unknown window {name!r}; choose one of {', '.join(WINDOWS)}")
    now = now_ms() if now is None else now
    newest, oldest = conn.execute("SELECT max(ts), min(ts) FROM events").fetchone()
    width = WINDOWS[name]
    if width is None:
        start = oldest if oldest is not None else now
        end = max(now, (newest or now) + 1)
        if newest is not None and newest < now - _HOUR:
            return Window(name, start, newest + 1, True, newest)
        return Window(name, start, end, False, newest)
    if newest is not None and newest < now - width:
        return Window(name, newest + 1 - width, newest + 1, True, newest)
    return Window(name, now - width, now, False, newest)


def _filter(workflow: str | None, column: str = "workflow") -> tuple[str, list[Any]]:
    if workflow is None:
        return "", []
    if workflow == "":
        return f" AND {column} IS NULL", []
    return f" AND {column} = ?", [workflow]


def count_in(conn: sqlite3.Connection, window: Window, workflow: str | None) -> int:
    """Requests in the window (from the hour/minute rollups, so always cheap)."""
    where, params = _rollup_filter(workflow)
    total = 0
    whole_minutes = _spans(
        window.start_ms // _MINUTE * _MINUTE, -(-window.end_ms // _MINUTE) * _MINUTE
    )
    for table, lo, hi in whole_minutes:
        total += conn.execute(
            f"SELECT coalesce(sum(n), 0) FROM rollup_{table} WHERE dim = '*' "
            f"AND bucket >= ? AND bucket < ?{where}",
            [lo, hi, *params],
        ).fetchone()[0]
    return total


def summary(
    conn: sqlite3.Connection,
    window: Window,
    workflow: str | None = None,
    *,
    exact: bool = False,
) -> Measures:
    """The totals of the window (optionally of one workflow)."""
    groups = breakdown(conn, window, "all", workflow, exact=exact)
    return groups[0] if groups else Measures(key="")


def breakdown(
    conn: sqlite3.Connection,
    window: Window,
    by: str = "workflow",
    workflow: str | None = None,
    *,
    exact: bool = False,
) -> list[Measures]:
    """The window's measures per group, the most spend first. `by="all"` gives
    one group with the totals; `exact` forces raw rows (for reports)."""
    if by not in (*GROUPINGS, "all"):
        raise ValueError(
            f"unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}"
        )
    # Providers have no rollup of their own (few views need them): raw rows.
    exact = exact or by == "provider"
    if exact or count_in(conn, window, workflow) <= EXACT_LIMIT:
        groups = _exact_breakdown(conn, window, by, workflow)
    else:
        groups = _rollup_breakdown(conn, window, by, workflow)
    return sorted(groups, key=lambda g: (-g.spend, -g.requests, g.key))


_EXACT_SQL = """
    SELECT {key} AS key, count(*),
        count(CASE WHEN status != 'success' THEN 1 END),
        count(CASE WHEN status = 'timeout' THEN 1 END),
        count(CASE WHEN fallback_used THEN 1 END),
        total(retry_count),
        count(CASE WHEN validation = 'pass' THEN 1 END),
        count(CASE WHEN validation = 'fail' THEN 1 END),
        total(cost_usd), count(CASE WHEN cost_usd IS NULL THEN 1 END),
        total(input_tokens), total(output_tokens), total(cache_read_tokens),
        total(cache_write_tokens), total(reasoning_tokens),
        count(latency_ms), total(latency_ms),
        count(DISTINCT coalesce(task_id, 'r:' || request_id)),
        max(CASE WHEN status != 'success' OR fallback_used THEN ts END)
    FROM events WHERE ts >= ? AND ts < ?{where}
    GROUP BY 1
"""
_GROUP_SQL = {
    "all": "''",
    "workflow": "coalesce(workflow, '')",
    "model": "coalesce(model, '')",
    "provider": "coalesce(provider, '')",
    # The model a route tried first: a fallback counts against the model that failed.
    "route": f"coalesce(route, '') || '{SEP}' || CASE WHEN fallback_used AND "
    "fallback_from IS NOT NULL THEN fallback_from ELSE coalesce(model, '') END",
    "user_tier": "coalesce(user_tier, '')",
    "app": "coalesce(app, '')",
}


def _exact_breakdown(
    conn: sqlite3.Connection, window: Window, by: str, workflow: str | None
) -> list[Measures]:
    where, params = _filter(workflow)
    key_sql = _GROUP_SQL[by]
    rows = conn.execute(
        _EXACT_SQL.format(key=key_sql, where=where),
        [window.start_ms, window.end_ms, *params],
    ).fetchall()
    latencies: dict[str, list[float]] = {}
    for key, latency in conn.execute(
        f"SELECT {key_sql}, latency_ms FROM events WHERE ts >= ? AND ts < ?"
        f"{where} AND latency_ms IS NOT NULL",
        [window.start_ms, window.end_ms, *params],
    ):
        latencies.setdefault(key, []).append(latency)
    groups = []
    for row in rows:
        group = _measures_from(row[0], row[1:17])
        group.tasks = row[17]
        group.last_failure_ms = row[18]
        values = latencies.get(row[0], [])
        group.p50 = exact_percentile(values, 50)
        group.p95 = exact_percentile(values, 95)
        group.p99 = exact_percentile(values, 99)
        groups.append(group)
    return groups


def _measures_from(key: str, values: tuple[Any, ...] | list[Any]) -> Measures:
    (
        n,
        errors,
        timeouts,
        fallbacks,
        retries,
        val_pass,
        val_fail,
        spend,
        unpriced,
        tok_in,
        tok_out,
        cache_read,
        cache_write,
        reasoning,
        lat_n,
        lat_sum,
    ) = values
    return Measures(
        key=key,
        requests=int(n),
        errors=int(errors),
        timeouts=int(timeouts),
        fallbacks=int(fallbacks),
        retries=int(retries),
        val_pass=int(val_pass),
        val_fail=int(val_fail),
        spend=float(spend),
        unpriced=int(unpriced),
        input_tokens=int(tok_in),
        output_tokens=int(tok_out),
        cache_read_tokens=int(cache_read),
        cache_write_tokens=int(cache_write),
        reasoning_tokens=int(reasoning),
        latency_n=int(lat_n),
        latency_sum=float(lat_sum),
    )


def _plan(
    conn: sqlite3.Connection, window: Window
) -> tuple[list[tuple[str, int, int]], list[tuple[int, int]]]:
    """Split a window into rollup spans and raw edges.

    A minute's rollup also holds the records of that minute outside the window,
    so the partial minute at the start is read from raw rows, and so is the one
    at the end when records later than the end are stored (an old log, clock
    skew); otherwise the end's rollup minute holds exactly the window's part.
    """
    start = -(-window.start_ms // _MINUTE) * _MINUTE
    edges = [(window.start_ms, start)] if start > window.start_ms else []
    end = -(-window.end_ms // _MINUTE) * _MINUTE
    if end > window.end_ms:
        later = conn.execute(
            "SELECT 1 FROM events WHERE ts >= ? AND ts < ? LIMIT 1",
            [window.end_ms, end],
        ).fetchone()
        if later is not None:
            end -= _MINUTE
            edges.append((max(end, window.start_ms), window.end_ms))
    return _spans(start, max(end, start)), edges


def _spans(start: int, end: int) -> list[tuple[str, int, int]]:
    """Cover [start, end) with whole hours in the middle and minutes around."""
    first_hour = -(-start // _HOUR) * _HOUR
    last_hour = end // _HOUR * _HOUR
    if first_hour >= last_hour:
        return [("minute", start, end)] if end > start else []
    spans = [("hour", first_hour, last_hour)]
    if start < first_hour:
        spans.append(("minute", start, first_hour))
    if last_hour < end:
        spans.append(("minute", last_hour, end))
    return spans


def _rollup_filter(workflow: str | None) -> tuple[str, list[Any]]:
    if workflow is None:
        return "", []
    return " AND workflow = ?", [workflow]


_ROLLUP_DIM = {
    "all": ("*", "''"),
    "workflow": ("*", "workflow"),
    "model": ("model", "value"),
    "route": ("route", "value"),
    "user_tier": ("user_tier", "value"),
    "app": ("app", "value"),
}


def _rollup_breakdown(
    conn: sqlite3.Connection, window: Window, by: str, workflow: str | None
) -> list[Measures]:
    dim, key_sql = _ROLLUP_DIM[by]
    where, params = _rollup_filter(workflow)
    sums = (
        "sum(n), sum(errors), sum(timeouts), sum(fallbacks), sum(retries), "
        "sum(val_pass), sum(val_fail), total(cost), sum(unpriced), total(in_tok), "
        "total(out_tok), total(cache_read), total(cache_write), total(reasoning), "
        "sum(lat_n), total(lat_sum), sum(untasked) + sum(new_tasks), "
        "max(last_failure)"
    )
    totals: dict[str, list[Any]] = {}
    spans, edges = _plan(conn, window)
    for table, lo, hi in spans:
        for row in conn.execute(
            f"SELECT {key_sql}, {sums} FROM rollup_{table} WHERE dim = ? "
            f"AND bucket >= ? AND bucket < ?{where} GROUP BY 1",
            [dim, lo, hi, *params],
        ):
            held = totals.setdefault(row[0], [0] * 17 + [None])
            for index, value in enumerate(row[1:18]):
                held[index] += value or 0
            if row[18] and (held[17] is None or row[18] > held[17]):
                held[17] = row[18]
    hist = _histograms(conn, spans, by, workflow)
    for edge in edges:
        _add_edge(conn, edge, by, workflow, totals, hist)
    groups = []
    for key, held in totals.items():
        group = _measures_from(key, held[:16])
        group.exact = False
        group.last_failure_ms = held[17] or None
        if by in ("workflow", "all"):
            group.tasks = int(held[16])
        counts = hist.get(key)
        if by == "workflow" and group.requests <= EXACT_LIMIT:
            # A small workflow beside big ones: exact, as its own filtered
            # header is, so one screen never shows two p95s for it.
            _exact_percentiles(conn, window, key, group)
        elif counts:
            group.p50 = percentile_from_counts(counts, 50)
            group.p95 = percentile_from_counts(counts, 95)
            group.p99 = percentile_from_counts(counts, 99)
        groups.append(group)
    return groups


def _exact_percentiles(
    conn: sqlite3.Connection, window: Window, workflow: str, group: Measures
) -> None:
    where, params = _filter(workflow)
    values = [
        row[0]
        for row in conn.execute(
            f"SELECT latency_ms FROM events WHERE ts >= ? AND ts < ?{where} "
            "AND latency_ms IS NOT NULL",
            [window.start_ms, window.end_ms, *params],
        )
    ]
    group.p50 = exact_percentile(values, 50)
    group.p95 = exact_percentile(values, 95)
    group.p99 = exact_percentile(values, 99)


def _add_edge(
    conn: sqlite3.Connection,
    edge: tuple[int, int],
    by: str,
    workflow: str | None,
    totals: dict[str, list[Any]],
    hist: dict[str, list[tuple[int, int]]],
) -> None:
    """Add a partial minute at the window's edge, from raw rows, to the totals."""
    where, params = _filter(workflow)
    key_sql = _GROUP_SQL[by]
    for row in conn.execute(
        _EXACT_SQL.format(key=key_sql, where=where), [*edge, *params]
    ).fetchall():
        held = totals.setdefault(row[0], [0] * 17 + [None])
        for index, value in enumerate(row[1:18]):
            held[index] += value or 0
        if row[18] and (held[17] is None or row[18] > held[17]):
            held[17] = row[18]
    if by not in ("all", "workflow", "model"):
        return
    extra: dict[str, dict[int, int]] = {}
    for key, latency in conn.execute(
        f"SELECT {key_sql}, latency_ms FROM events WHERE ts >= ? AND ts < ?"
        f"{where} AND latency_ms IS NOT NULL",
        [*edge, *params],
    ):
        slot = extra.setdefault(key, {})
        slot[bucket_of(latency)] = slot.get(bucket_of(latency), 0) + 1
    for key, slot in extra.items():
        merged = dict(hist.get(key, []))
        for bucket, n in slot.items():
            merged[bucket] = merged.get(bucket, 0) + n
        hist[key] = list(merged.items())


def _histograms(
    conn: sqlite3.Connection,
    spans: list[tuple[str, int, int]],
    by: str,
    workflow: str | None,
) -> dict[str, list[tuple[int, int]]]:
    if by not in ("all", "workflow", "model"):
        return {}
    dim = "model" if by == "model" else "*"
    key_sql = {"all": "''", "workflow": "workflow", "model": "value"}[by]
    where, params = _rollup_filter(workflow)
    counts: dict[str, dict[int, int]] = {}
    for table, lo, hi in spans:
        for key, bucket, n in conn.execute(
            f"SELECT {key_sql}, lb, sum(n) FROM latency_{table} WHERE dim = ? "
            f"AND bucket >= ? AND bucket < ?{where} GROUP BY 1, 2",
            [dim, lo, hi, *params],
        ):
            slot = counts.setdefault(key, {})
            slot[bucket] = slot.get(bucket, 0) + n
    return {key: list(slot.items()) for key, slot in counts.items()}


def failing_routes(
    conn: sqlite3.Connection,
    window: Window,
    workflow: str | None = None,
    limit: int = 8,
) -> list[RouteFailure]:
    """Route × model pairs with errors, timeouts or fallbacks, the worst first."""
    found: dict[tuple[str, str], RouteFailure] = {}

    def add(
        value: str, n: int, errors: int, timeouts: int, fallbacks: int, last: int | None
    ) -> None:
        route, _, model = value.partition(SEP)
        item = found.setdefault((route, model), RouteFailure(route, model, 0, 0, 0, 0))
        item.requests += n
        item.errors += errors
        item.timeouts += timeouts
        item.fallbacks += fallbacks
        if last and (item.last_failure_ms is None or last > item.last_failure_ms):
            item.last_failure_ms = last

    def add_error(value: str, n: int) -> None:
        route, model, error = value.split(SEP, 2)
        item = found.get((route, model))
        if item is not None and n:
            item.error_types[error] = item.error_types.get(error, 0) + n

    where, params = _rollup_filter(workflow)
    spans, edges = _plan(conn, window)
    for table, lo, hi in spans:
        for row in conn.execute(
            f"SELECT value, sum(n), sum(errors), sum(timeouts), sum(fallbacks), "
            f"max(last_failure) FROM rollup_{table} WHERE dim = 'route' "
            f"AND bucket >= ? AND bucket < ?{where} GROUP BY 1",
            [lo, hi, *params],
        ):
            add(*row)
        for row in conn.execute(
            f"SELECT value, sum(n) FROM rollup_{table} WHERE dim = 'route_error' "
            f"AND bucket >= ? AND bucket < ?{where} GROUP BY 1",
            [lo, hi, *params],
        ):
            add_error(*row)
    for edge in edges:
        raw_where, raw_params = _filter(workflow)
        route_key = _GROUP_SQL["route"]
        for row in conn.execute(
            f"SELECT {route_key}, count(*), "
            "count(CASE WHEN status != 'success' THEN 1 END), "
            "count(CASE WHEN status = 'timeout' THEN 1 END), "
            "count(CASE WHEN fallback_used THEN 1 END), "
            "max(CASE WHEN status != 'success' OR fallback_used THEN ts END) "
            f"FROM events WHERE ts >= ? AND ts < ?{raw_where} GROUP BY 1",
            [*edge, *raw_params],
        ):
            add(*row)
        for row in conn.execute(
            f"SELECT {route_key} || '{SEP}' || coalesce(error_type, status), "
            f"count(*) FROM events WHERE ts >= ? AND ts < ?{raw_where} "
            "AND status != 'success' GROUP BY 1",
            [*edge, *raw_params],
        ):
            add_error(*row)
    failing = [item for item in found.values() if item.failures]
    failing.sort(key=lambda i: (-i.failures, -i.timeouts, i.route, i.model))
    return failing[:limit]


def series(
    conn: sqlite3.Connection,
    window: Window,
    workflow: str | None = None,
    points: int = 30,
) -> Series:
    """Request counts and p95 latency per slot, for the header's sparklines."""
    table, width = _series_grain(window)
    slot = max(width, -(-(window.end_ms - window.start_ms) // points // width) * width)
    base = window.end_ms - slot * points
    where, params = _rollup_filter(workflow)
    counts = [0] * points
    for bucket, n in conn.execute(
        f"SELECT bucket, sum(n) FROM rollup_{table} WHERE dim = '*' AND bucket >= ? "
        f"AND bucket < ?{where} GROUP BY 1",
        [base // width * width, window.end_ms, *params],
    ):
        index = min(max((bucket - base) // slot, 0), points - 1)
        counts[index] += n
    hists: list[dict[int, int]] = [{} for _ in range(points)]
    for bucket, lb, n in conn.execute(
        f"SELECT bucket, lb, sum(n) FROM latency_{table} WHERE dim = '*' "
        f"AND bucket >= ? AND bucket < ?{where} GROUP BY 1, 2",
        [base // width * width, window.end_ms, *params],
    ):
        index = min(max((bucket - base) // slot, 0), points - 1)
        hists[index][lb] = hists[index].get(lb, 0) + n
    p95 = [percentile_from_counts(list(h.items()), 95) if h else None for h in hists]
    return Series(slot, counts, p95)


def workflow_latency_series(
    conn: sqlite3.Connection, window: Window, points: int = 12
) -> dict[str, list[float | None]]:
    """Mean latency per slot for every workflow (the table's sparkline column)."""
    table, width = _series_grain(window)
    slot = max(width, -(-(window.end_ms - window.start_ms) // points // width) * width)
    base = window.end_ms - slot * points
    sums: dict[str, list[list[float]]] = {}
    for workflow, bucket, lat_n, lat_sum in conn.execute(
        f"SELECT workflow, bucket, sum(lat_n), total(lat_sum) FROM rollup_{table} "
        "WHERE dim = '*' AND bucket >= ? AND bucket < ? GROUP BY 1, 2",
        [base // width * width, window.end_ms],
    ):
        slots = sums.setdefault(workflow, [[0, 0.0] for _ in range(points)])
        index = min(max((bucket - base) // slot, 0), points - 1)
        slots[index][0] += lat_n
        slots[index][1] += lat_sum
    return {
        workflow: [s[1] / s[0] if s[0] else None for s in slots]
        for workflow, slots in sums.items()
    }


def _series_grain(window: Window) -> tuple[str, int]:
    if window.end_ms - window.start_ms <= 6 * _HOUR:
        return "minute", _MINUTE
    return "hour", _HOUR


RECENT_COLUMNS = (
    "id",
    "ts",
    "workflow",
    "model",
    "route",
    "status",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "cost_source",
    "error_type",
    "fallback_used",
    "retry_count",
    "validation",
    "user_tier",
    "app",
)


def recent(
    conn: sqlite3.Connection,
    workflow: str | None = None,
    limit: int = 100,
    window: Window | None = None,
) -> list[dict[str, Any]]:
    """The newest requests (in the window, when given), newest first."""
    where, params = _filter(workflow)
    bounds = ""
    if window is not None:
        bounds = " AND ts >= ? AND ts < ?"
        params = [*params, window.start_ms, window.end_ms]
    rows = conn.execute(
        f"SELECT {', '.join(RECENT_COLUMNS)} FROM events WHERE 1{where}{bounds} "
        "ORDER BY ts DESC, id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [dict(zip(RECENT_COLUMNS, row)) for row in rows]


def request_detail(conn: sqlite3.Connection, row_id: int) -> dict[str, Any] | None:
    """Every stored column of one request."""
    cursor = conn.execute("SELECT * FROM events WHERE id = ?", [row_id])
    row = cursor.fetchone()
    if row is None:
        return None
    return {
        description[0]: value for description, value in zip(cursor.description, row)
    }


def workflows(conn: sqlite3.Connection, window: Window) -> list[str]:
    """Workflows that have traffic in the window ('' for records without one)."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT workflow FROM rollup_hour WHERE dim = '*' "
            "AND bucket >= ? AND bucket < ? ORDER BY 1",
            [window.start_ms // _HOUR * _HOUR, window.end_ms],
        )
    ]


def reject_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM rejects").fetchone()[0]


def latest_rejects(conn: sqlite3.Connection, limit: int = 200) -> list[dict[str, Any]]:
    """The newest rejects with their reasons."""
    columns = (
        "id",
        "at",
        "source",
        "line_no",
        "byte_offset",
        "format",
        "reason",
        "excerpt",
    )
    rows = conn.execute(
        f"SELECT {', '.join(columns)} FROM rejects ORDER BY id DESC LIMIT ?", [limit]
    ).fetchall()
    return [dict(zip(columns, row)) for row in rows]


def sources(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Followed sources with their positions and last update."""
    cursor = conn.execute(
        "SELECT key, path, kind, offset, size, stored, rejected, updated_at, format "
        "FROM sources ORDER BY path"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
