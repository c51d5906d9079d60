"""Which key does what, kept apart from the actions so the help screen, the
footer and the README read from one list."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from llmtop.query import WINDOWS

WINDOW_NAMES: tuple[str, ...] = tuple(WINDOWS)


@dataclass(frozen=True)
class Key:
    """One entry of the key table: keys as typed, the action, and what it does."""

    keys: str
    action: str
    description: str
    footer: str = ""
    show: bool = True
    priority: bool = False


KEYS: tuple[Key, ...] = (
    Key("q", "quit", "Quit", "Quit"),
    # Priority, so it quits from every screen, even while typing in the picker
    # (Textual's own ctrl+c only says "press ctrl+q to quit").
    Key("ctrl+c", "quit", "Quit", show=False, priority=True),
    Key("question_mark", "help", "Show the keys", "Keys"),
    Key("p", "pause", "Pause or resume the live refresh", "Pause"),
    Key("slash,w", "pick_workflow", "Filter by workflow (type to narrow)", "Workflow"),
    Key("escape", "clear_filter", "Clear the workflow filter", show=False),
    Key("t", "cycle_window", "Next window: 5m, 1h, 24h, 7d, all", "Window"),
    *(
        Key(str(n), f"window('{name}')", f"Window {name}", show=False)
        for n, name in enumerate(WINDOW_NAMES, start=1)
    ),
    Key("x", "rejects", "Rejected lines and why", "Rejects"),
    Key("b", "budgets", "Budgets: spend today, rate, projected, runs out", "Budgets"),
    Key("r", "refresh", "Refresh now", show=False),
    Key("tab", "focus_next", "Next panel", show=False),
    Key("enter", "", "Open a request (newest requests) / filter to a workflow"),
)


def app_bindings() -> list[Binding]:
    """The app's bindings, made from `KEYS` (entries without an action are
    handled by the focused widget and only listed in the help)."""
    return [
        Binding(
            key.keys,
            key.action,
            key.footer or key.description,
            show=key.show,
            priority=key.priority,
        )
        for key in KEYS
        if key.action and key.action != "focus_next"
    ]


def key_label(keys: str) -> str:
    """How a binding's keys are written for people: `/ w`, `?`, `1`."""
    names = {"question_mark": "?", "slash": "/", "escape": "esc"}
    return " ".join(names.get(key, key) for key in keys.split(","))


def help_rows() -> list[tuple[str, str]]:
    """(keys, description) for the help screen: keys of one action share a row,
    and the window keys fold into one after the window cycle."""
    rows: list[tuple[str, str]] = []
    by_action: dict[str, int] = {}
    window_keys = []
    for key in KEYS:
        if key.action.startswith("window("):
            window_keys.append(key.keys)
            continue
        if key.action and key.action in by_action:
            index = by_action[key.action]
            keys, description = rows[index]
            rows[index] = (f"{keys} {key_label(key.keys)}", description)
            continue
        by_action[key.action] = len(rows)
        rows.append((key_label(key.keys), key.description))
    rows.insert(
        by_action["cycle_window"] + 1,
        (
            f"{window_keys[0]}–{window_keys[-1]}",
            "Window " + ", ".join(WINDOW_NAMES),
        ),
    )
    return rows
