"""The workflows table: where the requests, money, latency and failures go."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from llmtop.pricing import usd_text
from llmtop.query import Measures
from llmtop.tui import limits_bridge
from llmtop.tui.snapshot import Snapshot
from llmtop.tui.text import MISSING, blocks, count, ms_short, percent, right
from llmtop.tui.widgets.keyed_table import Col, KeyedTable, fit

#: Marks a row (and the header) whose workflow breaches a configured limit.
BREACH_MARK = "!"


class WorkflowTable(KeyedTable):
    """One row per workflow in the window, the most spend first.

    The key of a row is the workflow itself ('' for records without one), so
    the cursor follows a workflow while the rows around it change.
    """

    COLUMNS: Sequence[Col] = (
        Col("workflow", "workflow", 23),
        Col("requests", "reqs", 7, True),
        Col("spend", "spend", 10, True),
        Col("per_request", "$/req", 10, True),
        Col("per_task", "$/task", 10, True),
        Col("share", "share", 7, True),
        Col("p50", "p50", 7, True),
        Col("p95", "p95", 7, True),
        Col("errors", "err%", 7, True),
        Col("fallbacks", "fb%", 7, True),
        Col("retries", "retry", 6, True),
        Col("validation", "val✗%", 7, True),
        Col("latency", "latency", 11),
    )

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Bring the rows in line with a refresh's numbers."""
        self.show(workflow_rows(snapshot))


def workflow_rows(snapshot: Snapshot) -> list[tuple[str, list[Text]]]:
    """The table's rows for a snapshot: (workflow key, cells)."""
    rows = []
    for group in snapshot.shown:
        breached = [
            b for b in snapshot.breaches if limits_bridge.marks_workflow(b, group.key)
        ]
        spark = snapshot.latency_spark.get(group.key, [])
        rows.append(
            (group.key, _cells(group, snapshot.all_spend, spark, bool(breached)))
        )
    return rows


def _cells(
    group: Measures, all_spend: float, spark: list[float | None], breached: bool
) -> list[Text]:
    name = "(none)" if group.key == "" else group.key
    if breached:
        name_cell = Text(BREACH_MARK + " ", style="bold red", end="")
        name_cell.append_text(fit(name, 21, "bold red"))
    else:
        name_cell = fit(name, 23, "dim italic" if group.key == "" else "")
    spend = usd_text(group.spend)
    if group.unpriced:
        spend = "≥" + spend
    share = group.spend / all_spend if all_spend > 0 else None
    per_request = group.cost_per_request
    # With no request priced there is no cost per task either, only unknowns.
    priced = group.requests > group.unpriced
    per_task = group.cost_per_task if priced else None
    error_style = "red" if (group.error_rate or 0) >= 0.05 else ""
    return [
        name_cell,
        right(count(group.requests)),
        right(spend, "yellow" if group.unpriced else ""),
        right(MISSING if per_request is None else usd_text(per_request)),
        right(MISSING if per_task is None else usd_text(per_task)),
        right(percent(share)),
        right(ms_short(group.p50)),
        right(ms_short(group.p95)),
        right(percent(group.error_rate), error_style),
        right(percent(group.fallback_rate)),
        right(MISSING if group.mean_retries is None else f"{group.mean_retries:.2f}"),
        right(percent(group.validation_failure_rate)),
        Text(blocks(spark), style="cyan", no_wrap=True, end=""),
    ]
