"""The rejected lines: where each came from and why it was not stored."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from llmtop.tui.text import clock_time, count, plain, right


class RejectsScreen(Screen[None]):
    """The newest rejects; the highlighted one is shown whole below the list.

    | Key | Action |
    | :- | :- |
    | `esc`, `q`, `x` | Back to the live view. |
    | `up`, `down` | Move through the rejects. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,x", "app.pop_screen", "Back")
    ]

    def __init__(self, rejects: list[dict[str, Any]], total: int, now_ms: int) -> None:
        super().__init__()
        self.rejects = rejects
        self.total = total
        self.now_ms = now_ms

    def compose(self) -> ComposeResult:
        title = Text(f"{count(self.total)} rejected lines", "bold", end="")
        if self.total > len(self.rejects):
            title.append(f" (the newest {len(self.rejects):,} shown)", "dim")
        yield Static(title, id="rejects-title")
        yield DataTable(id="rejects-table", cursor_type="row", cell_padding=1)
        yield Static(id="reject-full")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("when", key="when", width=11)
        table.add_column("source", key="source", width=30)
        table.add_column(Text("line", justify="right"), key="line", width=7)
        table.add_column(Text("offset", justify="right"), key="offset", width=9)
        table.add_column("reason", key="reason", width=50)
        for reject in self.rejects:
            table.add_row(
                Text(clock_time(reject.get("at"), self.now_ms)),
                Text(plain(reject.get("source"), limit=29)),
                right(count(reject.get("line_no"))),
                right(count(reject.get("byte_offset"))),
                Text(plain(reject.get("reason"), limit=300)),
                key=str(reject["id"]),
            )
        if not self.rejects:
            self.query_one("#reject-full", Static).update(
                Text("No line has been rejected.", "green")
            )
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        chosen = next(
            (r for r in self.rejects if str(r["id"]) == event.row_key.value), None
        )
        if chosen is not None:
            self.query_one("#reject-full", Static).update(reject_text(chosen))


def reject_text(reject: dict[str, Any]) -> Text:
    """One reject in full: where, why, and the (content-free) excerpt."""
    text = Text(end="")
    text.append("source  ", "dim")
    text.append(plain(reject.get("source"), limit=300))
    text.append(f"  line {count(reject.get('line_no'))}", "dim")
    text.append(f"  byte {count(reject.get('byte_offset'))}", "dim")
    if reject.get("format"):
        text.append("  format ", "dim")
        text.append(plain(reject["format"]))
    text.append("\nreason  ", "dim")
    text.append(plain(reject.get("reason"), limit=600), "yellow")
    text.append("\nline    ", "dim")
    text.append(plain(reject.get("excerpt"), limit=600))
    return text
