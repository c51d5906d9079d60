"""The failing-routes panel: which route × model pairs fail, how, and when last."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from llmtop.query import SEP, RouteFailure
from llmtop.tui.snapshot import Snapshot
from llmtop.tui.text import clock_time, count, plain, right
from llmtop.tui.widgets.keyed_table import Col, KeyedTable, fit


class RoutesTable(KeyedTable):
    """Route × model pairs with errors, timeouts or fallbacks, the worst first."""

    COLUMNS: Sequence[Col] = (
        Col("route", "route", 21),
        Col("model", "model", 23),
        Col("requests", "reqs", 7, True),
        Col("errors", "errors", 8, True),
        Col("timeouts", "timeouts", 9, True),
        Col("fallbacks", "fallbacks", 10, True),
        Col("types", "error types", 29),
        Col("last", "last fail", 12, True),
    )

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Bring the rows in line with a refresh's numbers."""
        self.show(route_rows(snapshot))


def route_rows(snapshot: Snapshot) -> list[tuple[str, list[Text]]]:
    """The panel's rows: (route + model key, cells)."""
    return [
        (item.route + SEP + item.model, _cells(item, snapshot.now_ms))
        for item in snapshot.routes
    ]


def error_types_text(item: RouteFailure) -> str:
    """The error types, the most frequent first, with their counts."""
    ranked = sorted(item.error_types.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{plain(name, limit=30)} {n}" for name, n in ranked)


def _cells(item: RouteFailure, now_ms: int) -> list[Text]:
    return [
        fit(item.route or "(none)", 21),
        fit(item.model or "(none)", 23),
        right(count(item.requests)),
        right(count(item.errors), "red" if item.errors else ""),
        right(count(item.timeouts), "magenta" if item.timeouts else ""),
        right(count(item.fallbacks), "yellow" if item.fallbacks else ""),
        fit(error_types_text(item), 29),
        right(clock_time(item.last_failure_ms, now_ms)),
    ]
