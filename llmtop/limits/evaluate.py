"""Which limits the traffic breaks: measures from `llmtop.query`, compared.

Spend limits look at fixed spans whatever the view's window: the last hour for
`spend_per_hour`, the UTC day so far for `spend_per_day`. Every other measure
is taken over the window given. All spans end at the window's end, which is now
while data is live, or the newest record when the data is older (see
`llmtop.query.resolve_window`), so an old database is judged as of its last hour.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from llmtop import query
from llmtop.limits.config import MEASURES, WILDCARD, Limit
from llmtop.pricing.display import spend_text, usd_text

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_SPAN_OF = {"spend_per_hour": "last hour", "spend_per_day": "today"}
_COLUMN = {
    "workflow": "workflow",
    "user_tier": "user_tier",
    "app": "app",
    "model": "model",
}


@dataclass(frozen=True)
class Breach:
    """A group over one of its limits.

    `key` is the group's own value ("" for global, or for records without the
    field), even when the limit was set for every group (`rule` then says so).
    """

    scope: str
    key: str
    measure: str
    limit: float
    actual: float
    message: str
    rule: str
    span: str
    requests: int
    unpriced: int = 0


def evaluate(
    conn: sqlite3.Connection,
    window: query.Window,
    limits: Iterable[Limit],
    *,
    exact: bool = False,
) -> list[Breach]:
    """Every (group, measure) whose value is strictly above its limit.

    Args:
        conn: an llmtop database.
        window: the span for rates, latency and cost per request.
        limits: from `load_limits`.
        exact: measure from raw rows (exact percentiles) even for big windows.
    """
    limits = list(limits)
    spans = {
        "window": window,
        "last hour": query.Window("1h", window.end_ms - HOUR_MS, window.end_ms),
        "today": query.Window("today", day_start(window.end_ms), window.end_ms),
    }
    measured: dict[tuple[str, str], dict[str, query.Measures]] = {}
    explicit = {(lim.scope, lim.key, lim.measure) for lim in limits}
    breaches = []
    for lim in limits:
        span = _SPAN_OF.get(lim.measure, "window")
        slot = (lim.scope, span)
        if slot not in measured:
            measured[slot] = _groups(conn, spans[span], lim.scope, exact)
        groups = measured[slot]
        if lim.key == WILDCARD:
            keys = [k for k in groups if (lim.scope, k, lim.measure) not in explicit]
        else:
            keys = [lim.key] if lim.key in groups else []
        maxima = (
            _max_costs(conn, spans[span], lim.scope)
            if lim.measure == "max_request_cost"
            else {}
        )
        for key in keys:
            group = groups[key]
            actual = _actual(lim, group, maxima.get(key))
            if actual is None or actual <= lim.threshold:
                continue
            span_name = window.name if span == "window" else span
            breaches.append(
                Breach(
                    scope=lim.scope,
                    key=key,
                    measure=lim.measure,
                    limit=lim.threshold,
                    actual=actual,
                    message=_message(lim, key, actual, group, span_name),
                    rule=lim.label,
                    span=span_name,
                    requests=group.requests,
                    unpriced=group.unpriced,
                )
            )
    order = {measure: index for index, measure in enumerate(MEASURES)}
    scopes = ("global", *_COLUMN)
    breaches.sort(key=lambda b: (scopes.index(b.scope), b.key, order[b.measure]))
    return breaches


def day_start(ms: int) -> int:
    """00:00 UTC of the day holding `ms`."""
    return ms // DAY_MS * DAY_MS


def _groups(
    conn: sqlite3.Connection, span: query.Window, scope: str, exact: bool
) -> dict[str, query.Measures]:
    by = "all" if scope == "global" else scope
    return {
        group.key: group
        for group in query.breakdown(conn, span, by, exact=exact)
        if group.requests
    }


def _max_costs(
    conn: sqlite3.Connection, span: query.Window, scope: str
) -> dict[str, float]:
    """The most expensive request per group (raw rows; only when a limit asks)."""
    key_sql = "''" if scope == "global" else f"coalesce({_COLUMN[scope]}, '')"
    rows = conn.execute(
        f"SELECT {key_sql}, max(cost_usd) FROM events WHERE ts >= ? AND ts < ? "
        "AND cost_usd IS NOT NULL GROUP BY 1",
        [span.start_ms, span.end_ms],
    )
    return {key: value for key, value in rows if value is not None}


def _actual(lim: Limit, group: query.Measures, maximum: float | None) -> float | None:
    measure = lim.measure
    if measure in ("spend_per_hour", "spend_per_day"):
        return group.spend
    if group.requests < lim.min_requests:
        return None
    if measure == "max_request_cost":
        return maximum
    if measure == "p95_latency_ms":
        return group.p95
    return getattr(group, measure)


def _message(
    lim: Limit, key: str, actual: float, group: query.Measures, span: str
) -> str:
    who = (
        "global"
        if lim.scope == "global"
        else f"{lim.scope.replace('_', ' ')} {key or '(none)'}"
    )
    if lim.measure in ("spend_per_hour", "spend_per_day"):
        shown, bound = spend_text(actual, group.unpriced), usd_text(lim.threshold)
    else:
        shown, bound = _value(lim.measure, actual), _value(lim.measure, lim.threshold)
    text = f"{who}: {MEASURES[lim.measure]} {shown} is over the {bound} limit"
    if lim.measure not in _SPAN_OF:
        text += f" ({span}, {group.requests:,} requests)"
    if lim.key == WILDCARD:
        text += f" [limit for {lim.label}]"
    return text


def _value(measure: str, value: float) -> str:
    if measure == "p95_latency_ms":
        return f"{value:,.0f} ms"
    if measure.endswith("_rate"):
        return f"{value * 100:.1f}%"
    return usd_text(value)
