"""The TUI's door to `llmtop.limits`: load, evaluate, budgets, and nothing more.

Limits are optional for the live view: with no `[limits]` in the config the
view simply marks nothing. A config the limits module rejects is reported once
(as a notification) and the view goes on without limits, rather than refusing
to start over a typo in one threshold.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
from types import ModuleType
from typing import Any

from llmtop.query import Window

log = logging.getLogger(__name__)


def _module() -> ModuleType | None:
    try:
        return importlib.import_module("llmtop.limits")
    except ImportError:
        return None


def available() -> bool:
    """True when the limits module is installed with this llmtop."""
    return _module() is not None


def load(config: dict[str, Any] | None) -> tuple[list[Any], str | None]:
    """The configured limits, and a problem to show the user (or None)."""
    module = _module()
    if module is None or not config:
        return [], None
    try:
        return list(module.load_limits(config)), None
    except Exception as exc:  # a bad config must not stop the live view
        log.warning("limits not loaded: %s", exc)
        return [], f"limits not loaded: {exc}"


def alerts(config: dict[str, Any] | None) -> tuple[bool, bool]:
    """(bell, notify) for a new breach, from `[limits]`; both off by default."""
    module = _module()
    if module is None or not config:
        return False, False
    try:
        settings = module.alert_settings(config)
    except Exception:  # already reported by `load`
        return False, False
    return bool(settings.bell), bool(settings.notify)


def evaluate(conn: sqlite3.Connection, window: Window, limits: list[Any]) -> list[Any]:
    """The breaches of `limits` over `window` ([] without the limits module)."""
    module = _module()
    if module is None or not limits:
        return []
    return list(module.evaluate(conn, window, limits))


def budgets(conn: sqlite3.Connection, limits: list[Any], now_ms: int) -> list[Any]:
    """All traffic's spend today, then each spend budget's standing.

    Asked even with no limits: the global day (spent, last hour, projected)
    is worth showing before anyone has set a budget.
    """
    module = _module()
    if module is None:
        return []
    return list(module.budgets(conn, limits, now_ms))


def breach_key(breach: Any) -> tuple[str, str, str]:
    """What makes a breach the same breach from one refresh to the next."""
    return (
        str(getattr(breach, "scope", "")),
        str(getattr(breach, "key", "")),
        str(getattr(breach, "measure", "")),
    )


def marks_workflow(breach: Any, workflow: str) -> bool:
    """True when the breach belongs on `workflow`'s row of the table."""
    return getattr(breach, "scope", None) == "workflow" and (
        getattr(breach, "key", None) == workflow
    )
