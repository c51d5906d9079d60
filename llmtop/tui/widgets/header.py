"""The header band: what is followed, the window, and the window's totals."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from llmtop.pricing import spend_text, usd_text
from llmtop.tui.snapshot import Snapshot
from llmtop.tui.text import age, blocks, count, millis, percent, plain, rate, tail

_SEP = (" │ ", "dim")


@dataclass
class Context:
    """What the header says beyond the numbers: the app's own state."""

    now_ms: int = 0
    db_name: str = ""
    paused: bool = False
    readonly_reason: str | None = None
    status: Any = None
    breaches: int = 0
    #: The sources the agent was asked to follow, as typed (paths, globs, dirs).
    sources: Sequence[str] = field(default_factory=tuple)


class HeaderBand(Horizontal):
    """Three lines of totals beside two sparklines (request rate and p95)."""

    _last: tuple[Snapshot, Context] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="totals")
        with Vertical(id="sparks"):
            with Horizontal(classes="spark-row"):
                yield Label("req", classes="spark-label")
                yield Static(id="rate-spark", classes="spark")
            with Horizontal(classes="spark-row"):
                yield Label("p95", classes="spark-label")
                yield Static(id="p95-spark", classes="spark")

    def show(self, snapshot: Snapshot, context: Context) -> None:
        """Redraw the text; the sparklines only when their data changed."""
        self._last = (snapshot, context)
        totals = self.query_one("#totals", Static)
        width = totals.size.width or 200
        totals.update(header_text(snapshot, context, width))
        series = snapshot.series
        if series is None:
            return
        # Both measured from zero: a rate's and a latency's size both matter.
        rate_bars = blocks(series.requests, floor=0)
        p95_bars = blocks(series.p95, floor=0)
        self.query_one("#rate-spark", Static).update(Text(rate_bars, "green"))
        self.query_one("#p95-spark", Static).update(Text(p95_bars, "yellow"))

    def on_resize(self) -> None:
        # The totals reflow to the new width once the layout has settled.
        if self._last is not None:
            self.call_after_refresh(self.show, *self._last)


def header_text(snapshot: Snapshot, context: Context, width: int = 200) -> Text:
    """The header's lines, flowed into `width` columns between whole items.

    Built from Text pieces, so no record value is ever read as markup, and a
    narrow terminal wraps between items ("p95 8,164 ms") rather than inside one.
    """
    lines = [_flow(_where(snapshot, context), " │ ", width)]
    if snapshot.window is not None:
        totals = snapshot.totals
        spend = _chip(
            ("spend ", "dim"),
            (
                spend_text(totals.spend, totals.unpriced),
                "bold yellow" if totals.unpriced else "bold",
            ),
            (f" {usd_text(snapshot.spend_per_hour or 0.0)}/h", ""),
        )
        volume = _chip(
            (count(totals.requests), "bold"),
            (" req ", "dim"),
            (f"{rate(snapshot.requests_per_second)}/s", ""),
        )
        latency = _chip(
            ("p50 ", "dim"),
            (millis(totals.p50), "bold"),
            (" p95 ", "dim"),
            (millis(totals.p95), "bold"),
        )
        lines.append(_flow([volume, spend, latency], " │ ", width))
        failures = [
            _chip((label, "dim"), (value, ""))
            for label, value in (
                ("errors ", percent(totals.error_rate)),
                ("timeouts ", percent(totals.timeout_rate)),
                ("fallbacks ", percent(totals.fallback_rate)),
                ("retries ", _per_request(totals.mean_retries)),
                ("validation fail ", percent(totals.validation_failure_rate)),
            )
        ]
        lines.append(_flow(failures, "  ", width))
        lines.append(_flow(_counts(snapshot, context), "  ", width))
    return Text("\n", end="").join(lines)


def _counts(snapshot: Snapshot, context: Context) -> list[Text]:
    unpriced = snapshot.totals.unpriced
    chips = [
        _chip(("unpriced ", "dim"), (count(unpriced), "yellow" if unpriced else "")),
        _chip(
            ("rejects ", "dim"),
            (count(snapshot.rejects), "yellow" if snapshot.rejects else ""),
            (" (x)", "dim"),
        ),
    ]
    if context.breaches:
        noun = "limit" if context.breaches == 1 else "limits"
        chips.append(_chip((f"! {context.breaches} {noun} breached (b)", "bold red")))
    return chips


def _chip(*parts: tuple[str, str]) -> Text:
    text = Text(end="")
    for part, style in parts:
        text.append(part, style)
    return text


def _flow(chips: list[Text], separator: str, width: int) -> Text:
    """Join chips with `separator`, starting a new line where one would not fit."""
    out = Text(end="")
    used = 0
    for chip in chips:
        if used and used + len(separator) + chip.cell_len > width:
            out.append("\n")
            used = 0
        elif used:
            out.append(separator, "dim")
            used += len(separator)
        out.append_text(chip)
        used += chip.cell_len
    return out


def _per_request(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}/req"


def _where(snapshot: Snapshot, context: Context) -> list[Text]:
    """Line one: the source, how fresh it is, the window and the app's state."""
    chips: list[Text] = []
    if snapshot.waiting:
        chips.append(Text(plain(snapshot.waiting), "bold yellow", end=""))
        if context.status is not None:
            chips.append(_following(snapshot, context))
    else:
        source = _following(snapshot, context)
        window = snapshot.window
        newest = None if window is None else window.newest_ms
        source.append(" · newest ", "dim")
        if newest is None:
            source.append("no records yet", "yellow")
        else:
            source.append(age((context.now_ms - newest) / 1000) + " ago")
        chips.append(source)
        if window is not None:
            shown = _chip(("window ", "dim"), (window.name, "bold cyan"))
            if window.clamped:
                shown.append(
                    " ends at newest record — data older than the window", "yellow"
                )
            chips.append(shown)
    if snapshot.workflow is not None:
        name = "(none)" if snapshot.workflow == "" else plain(snapshot.workflow)
        chips.append(
            _chip(
                ("workflow ", "dim"), (name, "bold magenta"), (" (esc clears)", "dim")
            )
        )
    if context.paused:
        chips.append(Text("PAUSED (p resumes)", "bold reverse yellow", end=""))
    if context.readonly_reason:
        reason = context.readonly_reason.removeprefix("read-only: ")
        chips.append(_chip(("read-only: ", "bold yellow"), (plain(reason), "yellow")))
    return chips


def _following(snapshot: Snapshot, context: Context) -> Text:
    """What feeds the database: the in-process agent's view, else the sources table."""
    text = Text(end="")
    status, db_name = context.status, context.db_name
    if status is None:
        n = len(snapshot.sources)
        if n == 1:
            text.append("fed by ", "dim")
            text.append(tail(snapshot.sources[0].get("path"), 40))
        elif n:
            text.append(f"fed by {n} sources")
        else:
            text.append("database ", "dim")
            text.append(plain(db_name, limit=40))
        return text
    following = [str(item) for item in getattr(status, "following", None) or []]
    waiting = waiting_for(context.sources, following)
    listening = getattr(status, "listening", None) or []
    listened = listening if isinstance(listening, list | tuple) else [listening]
    if len(following) == 1:
        text.append("following ", "dim")
        text.append(tail(following[0], 40))
    elif following or not (waiting or listened):
        text.append(f"following {len(following)} files")
    if waiting:
        text.append(" · " if following else "", "dim")
        text.append("waiting for ", "yellow")
        text.append(", ".join(tail(spec, 40) for spec in waiting[:2]), "yellow")
        if len(waiting) > 2:
            text.append(f" +{len(waiting) - 2}", "yellow")
    if listened:
        text.append(" + " if len(text) else "listening on ", "dim")
        text.append(", ".join(plain(item, limit=40) for item in listened))
    if getattr(status, "polling", False):
        reason = getattr(status, "polling_reason", None)
        text.append(" (polling" + (f": {plain(reason)}" if reason else "") + ")")
    backlog = int(getattr(status, "backlog", 0) or 0)
    if backlog:
        text.append(f" backlog {backlog:,}", "yellow")
    stats = getattr(status, "stats", None)
    dropped = int(getattr(stats, "overloaded", 0) or 0)
    if dropped:
        text.append(f" {dropped:,} dropped (overload)", "bold red")
    return text


def waiting_for(sources: Sequence[str], following: Sequence[str]) -> list[str]:
    """The sources that no followed file comes from yet, as the user typed them.

    A file named on the command line may not exist until the application
    writes its first line; the header then names it instead of "0 files".
    """
    waiting = []
    for spec in sources:
        if spec == "-":
            continue
        where = os.path.abspath(os.path.expanduser(spec))
        if not any(_comes_from(path, where) for path in following):
            waiting.append(spec)
    return waiting


def _comes_from(path: str, where: str) -> bool:
    """True when `path` is the file `where`, lies under it, or matches it."""
    return (
        path == where
        or path.startswith(where.rstrip(os.sep) + os.sep)
        or fnmatchcase(path, where)
    )
