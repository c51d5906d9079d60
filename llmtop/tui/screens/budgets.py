"""Budgets: spend so far today, the last hour's rate, and where that leads."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from llmtop.pricing import usd_text
from llmtop.tui.text import clock_time, plain

_NO_LIMITS = (
    "No spend budget is configured. Add one to the config file, e.g.\n\n"
    '  [[limits]]\n  workflow = "rag_answer"\n  spend_per_day = 50\n\n'
    "and start llmtop again."
)


class BudgetsScreen(Screen[None]):
    """Each budget's standing, refreshed with the live view.

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
        yield Static(Text("Budgets", "bold"), id="budgets-title")
        with VerticalScroll():
            yield Static(id="budgets-body")
        yield Footer()

    def show(self, budgets: list[Any], now_ms: int) -> None:
        """Redraw with the standing of every budget at `now_ms`."""
        body = self.query_one("#budgets-body", Static)
        if self.note:
            body.update(Text(self.note, "yellow"))
        elif not budgets:
            body.update(Text(_NO_LIMITS))
        else:
            body.update(budget_table(budgets, now_ms))


def budget_table(budgets: list[Any], now_ms: int) -> Table:
    """One row per budget, whatever fields the limits module gives it."""
    names = _field_names(budgets[0])
    table = Table(expand=True, header_style="bold")
    for name in names:
        table.add_column(name.replace("_", " "), no_wrap=True)
    for budget in budgets:
        table.add_row(
            *(_value(name, getattr(budget, name, None), now_ms) for name in names)
        )
    return table


def _field_names(budget: Any) -> list[str]:
    if dataclasses.is_dataclass(budget):
        return [f.name for f in dataclasses.fields(budget)]
    return [name for name in vars(budget) if not name.startswith("_")]


def _value(name: str, value: Any, now_ms: int) -> Text:
    if value is None:
        return Text("–", "dim")
    if isinstance(value, float) and any(
        word in name for word in ("spend", "spent", "usd", "cost", "budget", "rate")
    ):
        return Text(usd_text(value))
    if isinstance(value, int) and name.endswith("_ms"):
        return Text(clock_time(value, now_ms))
    if isinstance(value, bool):
        return Text("yes" if value else "no", "bold red" if value else "")
    return Text(plain(value, limit=80))
