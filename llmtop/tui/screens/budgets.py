"""Budgets: spend so far today, the last hour's rate, and where that leads."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from llmtop.pricing import spend_text, usd_text
from llmtop.tui.text import MISSING, clock_time, percent, plain

_NO_BUDGETS = (
    "No daily budget is configured. Add one to the config file, e.g.\n\n"
    "  [limits.global]\n  spend_per_day = 200.0\n\n"
    "  [limits.workflow.rag_answer]\n  spend_per_day = 50.0\n\n"
    "and start llmtop again."
)


class BudgetsScreen(Screen[None]):
    """Each daily budget's standing and the limits breached now.

    | Key | Action |
    | :- | :- |
    | `esc`, `q`, `b` | Back to the live view. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,b", "app.pop_screen", "Back")
    ]

    def __init__(self, note: str | None = None) -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        yield Static(Text("Budgets (days are UTC)", "bold"), id="budgets-title")
        with VerticalScroll():
            yield Static(id="budgets-body")
        yield Footer()

    def show(self, budgets: list[Any], breaches: list[Any], now_ms: int) -> None:
        """Redraw with the standing of every budget at `now_ms`."""
        body = self.query_one("#budgets-body", Static)
        if self.note:
            body.update(Text(self.note, "yellow"))
            return
        parts: list[Any] = []
        if budgets:
            parts.append(budget_table(budgets, now_ms))
        if not any(getattr(b, "budget", None) for b in budgets):
            parts.append(Text(_NO_BUDGETS, "dim"))
        parts.append(breach_list(breaches))
        body.update(Group(*parts))


def budget_label(budget: Any) -> str:
    """`all traffic`, `workflow rag_answer`, `user tier free`."""
    scope = str(getattr(budget, "scope", ""))
    if scope == "global":
        return "all traffic"
    key = getattr(budget, "key", "")
    return f"{scope.replace('_', ' ')} {plain(key) if key else '(none)'}"


def runs_out_text(budget: Any, now_ms: int) -> Text:
    """When the budget runs out at the last hour's rate, or why it does not."""
    if getattr(budget, "exhausted", False):
        return Text("exhausted", "bold red")
    if getattr(budget, "budget", None) is None:
        return Text(MISSING, "dim")
    when = getattr(budget, "runs_out_ms", None)
    if when is None:
        return Text("not today", "green")
    return Text(clock_time(int(when), now_ms), "yellow")


def budget_table(budgets: list[Any], now_ms: int) -> Table:
    """One row per budget: spent today, rate, projection and when it runs out."""
    table = Table(expand=True, header_style="bold", box=None, padding=(0, 1))
    table.add_column("budget", min_width=14, ratio=1)
    for heading in ("daily budget", "spent today", "used", "last hour", "projected"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("runs out", justify="right", no_wrap=True)
    for budget in budgets:
        limit = getattr(budget, "budget", None)
        used = getattr(budget, "used_fraction", None)
        projected = float(getattr(budget, "projected_today", 0.0))
        over = limit is not None and projected > limit
        table.add_row(
            Text(budget_label(budget)),
            Text(MISSING if limit is None else usd_text(limit)),
            Text(
                spend_text(
                    float(getattr(budget, "spent_today", 0.0)),
                    int(getattr(budget, "unpriced_today", 0)),
                )
            ),
            Text(percent(used), "bold red" if (used or 0) > 1 else ""),
            Text(usd_text(float(getattr(budget, "rate_per_hour", 0.0))) + "/h"),
            Text(usd_text(projected), "bold red" if over else ""),
            runs_out_text(budget, now_ms),
        )
    return table


def breach_list(breaches: list[Any]) -> Text:
    """The limits breached in the live view's window, one per line."""
    if not breaches:
        return Text("\nNo limit is breached in the current window.", "green")
    text = Text("\nBreached now\n", "bold red")
    for breach in breaches:
        text.append("! ", "bold red")
        text.append(plain(getattr(breach, "message", breach), limit=300))
        text.append("\n")
    return text
