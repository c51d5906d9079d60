"""Daily budgets: spend so far, the current rate, and when the money runs out.

A budget is a `spend_per_day` limit. Days are UTC. The rate is the spend of the
last hour, and the projection assumes it holds until midnight:

    projected = spent today + rate per hour × hours left today
    runs out  = now + (budget − spent today) / rate per hour

`runs_out_ms` is None when the budget is already spent (`exhausted`), when
nothing is being spent, or when at this rate it lasts past midnight (the budget
then resets before running out).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from llmtop import query
from llmtop.limits.config import WILDCARD, Limit
from llmtop.limits.evaluate import DAY_MS, HOUR_MS, day_start


@dataclass(frozen=True)
class BudgetStatus:
    """One group's day: what it spent, how fast, and where that leads.

    The first status of `budgets()` is always the whole traffic (`scope`
    "global"), with `budget` None when no global daily budget is set.
    """

    scope: str
    key: str
    budget: float | None
    spent_today: float
    unpriced_today: int
    rate_per_hour: float
    projected_today: float
    runs_out_ms: int | None
    exhausted: bool
    rule: str

    @property
    def used_fraction(self) -> float | None:
        """Spent today as a fraction of the budget (None without a budget)."""
        if not self.budget:
            return None
        return self.spent_today / self.budget


def budgets(
    conn: sqlite3.Connection, limits: Iterable[Limit], now_ms: int
) -> list[BudgetStatus]:
    """The global day, then every daily budget of `limits`, in config order.

    A budget set for every group of a scope (`"*"`) gives one status per group
    with spend today, unless that group has its own budget.
    """
    daily = [lim for lim in limits if lim.measure == "spend_per_day"]
    today = query.Window("today", day_start(now_ms), now_ms)
    last_hour = query.Window("1h", now_ms - HOUR_MS, now_ms)
    cache: dict[str, tuple[dict[str, query.Measures], dict[str, query.Measures]]] = {}

    def spans(
        scope: str,
    ) -> tuple[dict[str, query.Measures], dict[str, query.Measures]]:
        if scope not in cache:
            by = "all" if scope == "global" else scope
            cache[scope] = (
                {g.key: g for g in query.breakdown(conn, today, by)},
                {g.key: g for g in query.breakdown(conn, last_hour, by)},
            )
        return cache[scope]

    statuses = []
    if not any(lim.scope == "global" for lim in daily):
        statuses.append(_status("global", "", None, *spans("global"), now_ms, "global"))
    explicit = {(lim.scope, lim.key) for lim in daily}
    for lim in daily:
        day, hour = spans(lim.scope)
        if lim.key == WILDCARD:
            keys = sorted(k for k in day if (lim.scope, k) not in explicit)
        else:
            keys = [lim.key]
        for key in keys:
            statuses.append(
                _status(lim.scope, key, lim.threshold, day, hour, now_ms, lim.label)
            )
    return statuses


def _status(
    scope: str,
    key: str,
    budget: float | None,
    day: dict[str, query.Measures],
    hour: dict[str, query.Measures],
    now_ms: int,
    rule: str,
) -> BudgetStatus:
    spent_group = day.get(key)
    spent = spent_group.spend if spent_group else 0.0
    unpriced = spent_group.unpriced if spent_group else 0
    rate = hour[key].spend if key in hour else 0.0
    end_of_day = day_start(now_ms) + DAY_MS
    hours_left = (end_of_day - now_ms) / HOUR_MS
    exhausted = budget is not None and spent >= budget
    runs_out = None
    if budget is not None and not exhausted and rate > 0:
        at = now_ms + round((budget - spent) / rate * HOUR_MS)
        runs_out = at if at < end_of_day else None
    return BudgetStatus(
        scope=scope,
        key=key,
        budget=budget,
        spent_today=spent,
        unpriced_today=unpriced,
        rate_per_hour=rate,
        projected_today=spent + rate * hours_left,
        runs_out_ms=runs_out,
        exhausted=exhausted,
        rule=rule,
    )
