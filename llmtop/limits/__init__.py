"""Limits you can set: per workflow, user tier, app or model, and budgets.

`load_limits(config)` reads `[limits]`; `evaluate(conn, window, limits)` lists
the breaches; `budgets(conn, limits, now_ms)` says how each day's money is going.
"""

from __future__ import annotations

from llmtop.limits.budgets import BudgetStatus, budgets
from llmtop.limits.config import (
    MEASURES,
    SCOPES,
    AlertSettings,
    Limit,
    alert_settings,
    load_limits,
)
from llmtop.limits.evaluate import Breach, evaluate

__all__ = [
    "MEASURES",
    "SCOPES",
    "AlertSettings",
    "Breach",
    "BudgetStatus",
    "Limit",
    "alert_settings",
    "budgets",
    "evaluate",
    "load_limits",
]
