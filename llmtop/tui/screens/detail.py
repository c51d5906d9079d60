"""Every stored field of one request, grouped the way a person asks about it."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from llmtop.tui.text import count, exact_usd, full_time, millis, plain

#: Reported and estimated costs further apart than this factor are flagged.
DISAGREEMENT = 2.0

_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Request", ("request_id", "ts", "ts_inferred", "app", "task_id", "workflow")),
    ("Who and where", ("user_tier", "model", "provider", "requested_model", "route")),
    (
        "Outcome",
        (
            "status",
            "error_type",
            "latency_ms",
            "fallback_used",
            "fallback_from",
            "retry_count",
            "validation",
        ),
    ),
    (
        "Tokens",
        (
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "cache_write_1h_tokens",
            "reasoning_tokens",
        ),
    ),
    (
        "Cost",
        (
            "cost_usd",
            "cost_source",
            "price_source",
            "estimate_usd",
            "cost_note",
            "service_tier",
            "batch",
        ),
    ),
    (
        "Origin",
        ("source", "source_line", "source_offset", "format", "ingested_at", "id"),
    ),
)
#: Storage internals (an index bucket, a dedupe marker) and the two JSON
#: columns, which get sections of their own below.
_HIDDEN = frozenset({"lat_bucket", "replaceable", "flags", "extra"})
_BOOLEAN = frozenset({"ts_inferred", "fallback_used", "batch"})
_TIMES = frozenset({"ts", "ingested_at"})
_MONEY = frozenset({"cost_usd", "estimate_usd"})


def cost_disagreement(detail: dict[str, Any]) -> float | None:
    """How many times the reported cost and the estimate differ, when both exist
    and differ by more than `DISAGREEMENT`; None otherwise."""
    reported, estimate = detail.get("cost_usd"), detail.get("estimate_usd")
    if detail.get("cost_source") != "reported" or reported is None or estimate is None:
        return None
    low, high = sorted((float(reported), float(estimate)))
    if high == 0:
        return None
    factor = float("inf") if low == 0 else high / low
    return factor if factor > DISAGREEMENT else None


def value_text(name: str, value: Any) -> Text:
    """One field's value as literal text, in the unit a person expects."""
    if value is None:
        return Text("–", "dim")
    if name in _BOOLEAN:
        return Text("yes" if value else "no")
    if name in _TIMES:
        return Text(full_time(int(value)))
    if name in _MONEY:
        return Text(exact_usd(float(value)))
    if name == "latency_ms":
        return Text(millis(float(value)))
    if isinstance(value, int) and name.endswith(("tokens", "_count")):
        return Text(count(value))
    return Text(plain(value, limit=400))


def detail_rows(detail: dict[str, Any]) -> list[tuple[str, str, Text]]:
    """(section, field, value) for every stored field, flags and metadata last."""
    rows: list[tuple[str, str, Text]] = []
    placed: set[str] = set(_HIDDEN)
    for section, names in _SECTIONS:
        for name in names:
            if name in detail:
                rows.append((section, name, value_text(name, detail[name])))
                placed.add(name)
            if name == "estimate_usd":
                rows.extend(_disagreement(detail))
    for name in sorted(set(detail) - placed):
        rows.append(("Other", name, value_text(name, detail[name])))
    for problem in _loads(detail.get("flags"), []):
        rows.append(("Field problems", "flag", Text(plain(problem), "yellow")))
    for key, value in sorted(_loads(detail.get("extra"), {}).items()):
        rows.append(("Extra metadata", plain(key, limit=64), Text(plain(value))))
    return rows


def _disagreement(detail: dict[str, Any]) -> list[tuple[str, str, Text]]:
    factor = cost_disagreement(detail)
    if factor is None:
        return []
    shown = "∞" if factor == float("inf") else f"{factor:.1f}×"
    warning = Text(f"! reported and estimated cost differ by {shown}", "bold red")
    return [("Cost", "disagreement", warning)]


def _loads(raw: Any, default: Any) -> Any:
    if not raw:
        return default
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return default if not isinstance(raw, str) else [raw]
    return value if isinstance(value, type(default)) else default


class RequestDetail(Screen[None]):
    """One request, every field.

    | Key | Action |
    | :- | :- |
    | `esc`, `q`, `enter` | Back to the live view. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "app.pop_screen", "Back"),
    ]

    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        title = Text("Request ", "bold", end="")
        title.append(plain(self.detail.get("request_id"), limit=80), "bold cyan")
        yield Static(title, id="detail-title")
        with VerticalScroll(id="detail-body"):
            yield Static(_table(detail_rows(self.detail)), id="detail-fields")
        yield Footer()


def _table(rows: list[tuple[str, str, Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", width=16)
    table.add_column(style="bold", width=22)
    table.add_column(ratio=1)
    previous = None
    for section, name, value in rows:
        # Field names can come from records (extra metadata): Text, not markup.
        shown = section if section != previous else ""
        table.add_row(Text(shown), Text(name), value)
        previous = section
    return table
