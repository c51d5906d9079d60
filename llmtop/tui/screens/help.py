"""The key bindings, one line each, over the live view."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from llmtop.tui.keymap import help_rows


class HelpScreen(ModalScreen[None]):
    """What each key does.

    | Key | Action |
    | :- | :- |
    | `esc`, `?`, `q` | Close. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", justify="right")
        table.add_column()
        for keys, description in help_rows():
            table.add_row(keys, description)
        with Vertical(id="help-box", classes="modal-box"):
            yield Static("llmtop keys", classes="modal-title")
            yield Static(table, id="help-table")
            yield Static("esc closes", classes="modal-hint")
