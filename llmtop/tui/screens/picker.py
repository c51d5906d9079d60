"""The workflow picker: type to narrow, enter to choose, esc to leave as it was."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from llmtop.tui.text import workflow_name

#: The option that clears the filter; no workflow can have this id.
ALL = "\x00all"


class WorkflowPicker(ModalScreen[str | None]):
    """Choose the workflow every panel shows.

    Dismisses with the chosen workflow key, `ALL` for every workflow, or None
    when the user left without choosing.

    | Key | Action |
    | :- | :- |
    | `enter` | Choose the highlighted workflow. |
    | `up`, `down` | Move the highlight. |
    | `esc` | Leave without changing the filter. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    def __init__(self, workflows: list[str], current: str | None) -> None:
        super().__init__()
        self.workflows = workflows
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box", classes="modal-box"):
            yield Static("Workflow filter", classes="modal-title")
            yield Input(placeholder="type to narrow…", id="picker-input")
            yield OptionList(id="picker-options")
            yield Static("enter chooses · esc cancels", classes="modal-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _on_input_submitted(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None:
            return
        self._choose(options.get_option_at_index(index).id)

    @on(OptionList.OptionSelected)
    def _on_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        self.dismiss(ALL if option_id == ALL else option_id[1:])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def _fill(self, typed: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        if not typed:
            options.add_option(Option("(all workflows)", id=ALL))
        for key in matching(self.workflows, typed):
            # Option ids are prefixed so an empty workflow key still has one.
            options.add_option(Option(_label(key, self.current), id="w" + key))
        if options.option_count:
            options.highlighted = 0


def matching(workflows: list[str], typed: str) -> list[str]:
    """Workflows whose name holds every typed character in order, the tightest
    first (a prefix beats a substring beats a scattered match)."""
    needle = typed.strip().lower()
    if not needle:
        return list(workflows)
    scored = []
    for key in workflows:
        name = workflow_name(key).lower()
        if name.startswith(needle):
            scored.append((0, name, key))
        elif needle in name:
            scored.append((1, name, key))
        elif _scattered(needle, name):
            scored.append((2, name, key))
    return [key for _, _, key in sorted(scored)]


def _scattered(needle: str, name: str) -> bool:
    position = 0
    for char in needle:
        position = name.find(char, position) + 1
        if position == 0:
            return False
    return True


def _label(key: str, current: str | None) -> Text:
    text = Text(workflow_name(key), "italic dim" if key == "" else "", end="")
    if key == current:
        text.append("  (current)", "dim")
    return text
