"""The live list of the newest requests; `enter` on a row opens its detail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.message import Message

from llmtop.pricing import cost_text
from llmtop.tui.snapshot import Snapshot
from llmtop.tui.text import clock_time, count, ms_short, right
from llmtop.tui.widgets.keyed_table import Col, KeyedTable, fit

_STATUS_STYLE = {"success": "green", "timeout": "magenta"}


class RecentTable(KeyedTable):
    """The newest requests, newest first, keyed by their row id.

    | Key | Action |
    | :- | :- |
    | `enter` | Open the request's detail. |
    """

    COLUMNS: Sequence[Col] = (
        Col("time", "time", 12),
        Col("workflow", "workflow", 19),
        Col("model", "model", 22),
        Col("route", "route", 14),
        Col("tier", "tier", 10),
        Col("status", "status", 9),
        Col("latency", "latency", 8, True),
        Col("tokens", "in/out tok", 14, True),
        Col("cost", "cost", 11, True),
    )

    class Opened(Message):
        """The user asked for the detail of one request."""

        def __init__(self, row_id: int) -> None:
            self.row_id = row_id
            super().__init__()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Bring the rows in line with a refresh's newest requests."""
        self.show(recent_rows(snapshot))

    def on_data_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        # `enter` and a click both select the cursor row (DataTable's binding).
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Opened(int(event.row_key.value)))


def recent_rows(snapshot: Snapshot) -> list[tuple[str, list[Text]]]:
    """The list's rows: (event row id, cells)."""
    return [(str(row["id"]), _cells(row, snapshot.now_ms)) for row in snapshot.recent]


def _cells(row: dict[str, Any], now_ms: int) -> list[Text]:
    status = row.get("status") or "success"
    label = status
    if row.get("error_type") and status != "success":
        label = str(row["error_type"])
    tokens = f"{count(row.get('input_tokens'))}/{count(row.get('output_tokens'))}"
    workflow = row.get("workflow")
    return [
        fit(clock_time(row.get("ts"), now_ms), 12),
        fit("(none)" if workflow is None else workflow, 19),
        fit(row.get("model"), 22),
        fit(row.get("route"), 14),
        fit(row.get("user_tier"), 10),
        fit(label, 9, _STATUS_STYLE.get(status, "red")),
        right(ms_short(row.get("latency_ms"))),
        right(tokens),
        right(
            cost_text(row.get("cost_usd")),
            "yellow" if row.get("cost_usd") is None else "",
        ),
    ]
