"""The header band: what is followed, the window, and the window's totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

from llmtop.pricing import spend_text, usd_text
from llmtop.tui.snapshot import Snapshot
from llmtop.tui.text import age, count, millis, percent, plain, rate, tail

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


class HeaderBand(Horizontal):
    """Three lines of totals beside two sparklines (request rate and p95)."""

    def compose(self) -> ComposeResult:
        yield Static(id="totals")
        with Vertical(id="sparks"):
            with Horizontal(classes="spark-row"):
                yield Label("req", classes="spark-label")
                yield Sparkline([], id="rate-spark")
            with Horizontal(classes="spark-row"):
                yield Label("p95", classes="spark-label")
                yield Sparkline([], id="p95-spark")

    def show(self, snapshot: Snapshot, context: Context) -> None:
        """Redraw the text; the sparklines only when their data changed."""
        self.query_one("#totals", Static).update(header_text(snapshot, context))
        series = snapshot.series
        if series is None:
            return
        _set_data(self.query_one("#rate-spark", Sparkline), series.requests)
        p95 = [value or 0.0 for value in series.p95]
        _set_data(self.query_one("#p95-spark", Sparkline), p95)


def _set_data(spark: Sparkline, values: Sequence[float]) -> None:
    data = list(values)
    if list(spark.data or []) != data:
        spark.data = data


def header_text(snapshot: Snapshot, context: Context) -> Text:
    """The header's three lines, built from Text so no record value is markup."""
    text = Text(no_wrap=False, end="")
    text.append_text(_where(snapshot, context))
    if snapshot.window is None:
        return text
    totals = snapshot.totals
    text.append("\n")
    text.append(count(totals.requests), "bold")
    text.append(" req ", "dim")
    text.append(f"{rate(snapshot.requests_per_second)}/s")
    text.append(*_SEP)
    text.append("spend ", "dim")
    text.append(
        spend_text(totals.spend, totals.unpriced),
        "bold yellow" if totals.unpriced else "bold",
    )
    text.append(f" {usd_text(snapshot.spend_per_hour or 0.0)}/h")
    text.append(*_SEP)
    text.append("p50 ", "dim")
    text.append(millis(totals.p50), "bold")
    text.append(" p95 ", "dim")
    text.append(millis(totals.p95), "bold")
    text.append("\n")
    for label, value in (
        ("errors ", percent(totals.error_rate)),
        ("  timeouts ", percent(totals.timeout_rate)),
        ("  fallbacks ", percent(totals.fallback_rate)),
        ("  retries ", _per_request(totals.mean_retries)),
        ("  validation fail ", percent(totals.validation_failure_rate)),
    ):
        text.append(label, "dim")
        text.append(value)
    text.append("\n")
    text.append("unpriced ", "dim")
    text.append(count(totals.unpriced), "yellow" if totals.unpriced else "")
    text.append("  rejects ", "dim")
    text.append(count(snapshot.rejects), "yellow" if snapshot.rejects else "")
    text.append(" (x)", "dim")
    if context.breaches:
        text.append(*_SEP)
        noun = "limit" if context.breaches == 1 else "limits"
        text.append(f"! {context.breaches} {noun} breached (b)", "bold red")
    return text


def _per_request(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}/req"


def _where(snapshot: Snapshot, context: Context) -> Text:
    """Line one: the source, how fresh it is, the window and the app's state."""
    text = Text(end="")
    if snapshot.waiting:
        text.append(plain(snapshot.waiting), "bold yellow")
    else:
        text.append(_following(snapshot, context.status, context.db_name))
        window = snapshot.window
        newest = None if window is None else window.newest_ms
        text.append(" · newest ", "dim")
        if newest is None:
            text.append("no records yet", "yellow")
        else:
            text.append(age((context.now_ms - newest) / 1000) + " ago")
        if window is not None:
            text.append(*_SEP)
            text.append("window ", "dim")
            text.append(window.name, "bold cyan")
            if window.clamped:
                text.append(
                    " ends at newest record — data older than the window", "yellow"
                )
    if snapshot.workflow is not None:
        text.append(*_SEP)
        text.append("workflow ", "dim")
        name = "(none)" if snapshot.workflow == "" else plain(snapshot.workflow)
        text.append(name, "bold magenta")
        text.append(" (esc clears)", "dim")
    if context.paused:
        text.append(*_SEP)
        text.append("PAUSED (p resumes)", "bold reverse yellow")
    if context.readonly_reason:
        text.append(*_SEP)
        reason = context.readonly_reason.removeprefix("read-only: ")
        text.append("read-only: ", "bold yellow")
        text.append(plain(reason), "yellow")
    return text


def _following(snapshot: Snapshot, status: Any, db_name: str) -> Text:
    """What feeds the database: the in-process agent's view, else the sources table."""
    text = Text(end="")
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
    following = list(getattr(status, "following", None) or [])
    if len(following) == 1:
        text.append("following ", "dim")
        text.append(tail(following[0], 40))
    else:
        text.append(f"following {len(following)} files")
    listening = getattr(status, "listening", None)
    if listening:
        listened = listening if isinstance(listening, list | tuple) else [listening]
        text.append(" + ", "dim")
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
