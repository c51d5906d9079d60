"""The live view: a `top` for LLM traffic over one llmtop database.

The app never queries on the UI thread for its panels: about once a second a
worker thread with its own read connection checks `PRAGMA data_version` and, when
the data, the window or the filter changed (or the window slid far enough to
matter), gathers a `Snapshot`. The panels then change only the cells that differ.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.widgets import Footer, Static

from llmtop.tui import limits_bridge
from llmtop.tui.keymap import WINDOW_NAMES, app_bindings
from llmtop.tui.lookups import Lookups
from llmtop.tui.screens.budgets import BudgetsScreen
from llmtop.tui.screens.detail import RequestDetail
from llmtop.tui.screens.help import HelpScreen
from llmtop.tui.screens.picker import ALL, WorkflowPicker
from llmtop.tui.screens.rejects import RejectsScreen
from llmtop.tui.snapshot import Reader, Snapshot
from llmtop.tui.text import plain
from llmtop.tui.widgets.header import Context, HeaderBand
from llmtop.tui.widgets.recent import RecentTable
from llmtop.tui.widgets.routes import RoutesTable
from llmtop.tui.widgets.workflows import WorkflowTable

log = logging.getLogger(__name__)

#: A sliding window is re-queried at least this often even without new data.
SLIDE_SECONDS = 5.0
#: How often the cheap `PRAGMA data_version` check runs: a change after a quiet
#: spell is on screen within this, while a steady stream still redraws only
#: once per `refresh_seconds`.
POLL_SECONDS = 0.2


class LlmtopApp(App[None]):
    """Requests, spend, latency and failures of one database, live.

    | Key | Action |
    | :- | :- |
    | `q`, `ctrl+c` | Quit. |
    | `?` | Show the keys. |
    | `p` | Pause or resume the automatic refresh. |
    | `/`, `w` | Filter every panel by workflow (type to narrow). |
    | `esc` | Clear the workflow filter. |
    | `t` | Next window (5m, 1h, 24h, 7d, all). |
    | `1`–`5` | Window 5m, 1h, 24h, 7d, all. |
    | `x` | The rejected lines and why. |
    | `b` | Budgets. |
    | `r` | Refresh now. |
    | `tab` | Next panel. |
    | `enter` | Open a request (newest requests) or filter to a workflow. |
    """

    CSS_PATH = "llmtop.tcss"
    BINDINGS = app_bindings()

    window_name: reactive[str] = reactive("1h")
    """The window every panel shows (a key of `llmtop.query.WINDOWS`)."""
    workflow: reactive[str | None] = reactive(None)
    """The workflow every panel is narrowed to; None for all."""
    paused: reactive[bool] = reactive(False)
    """True while the automatic refresh is paused; what the user asks for
    (r, esc, a window, a workflow) still refreshes once."""

    class DataLoaded(Message):
        """A refresh finished in the worker thread."""

        def __init__(self, snapshot: Snapshot | None, asked: bool = False) -> None:
            #: None when nothing changed and nothing needs redrawing.
            self.snapshot = snapshot
            #: True when the user asked for it, so it shows even while paused.
            self.asked = asked
            super().__init__()

    class LoadFailed(Message):
        """A refresh raised; the user is told, the view keeps its last numbers."""

        def __init__(self, error: str) -> None:
            self.error = error
            super().__init__()

    def __init__(
        self,
        db_path: Path,
        *,
        readonly_reason: str | None = None,
        status: Callable[[], object] | None = None,
        sources: Sequence[str] | None = None,
        config: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
        title: str = "llmtop",
        window: str = "1h",
        refresh_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.readonly_reason = readonly_reason
        self.status_source = status
        self.sources = _sources(sources)
        self.config = config or {}
        self.clock = clock
        self.title = title
        self.refresh_seconds = refresh_seconds
        self.snapshot: Snapshot | None = None
        #: What the user was told in notifications, oldest first.
        self.notices: list[str] = []
        self.refresh_count = 0
        self._reader = Reader(self.db_path)
        self.lookups = Lookups(self.db_path)
        self._loading = False
        self._wanted = True
        self._last_loaded = -SLIDE_SECONDS
        self._last_aged = 0.0
        self._last_version: int | None = None
        self._known_breaches: set[tuple[str, str, str]] | None = None
        self._errors_told: set[str] = set()
        self.limits, self._limits_note = limits_bridge.load(self.config)
        self.bell_on_breach, self.notify_on_breach = limits_bridge.alerts(self.config)
        self.set_reactive(LlmtopApp.window_name, window)

    def compose(self) -> ComposeResult:
        yield HeaderBand(id="header")
        with Vertical(id="panels"):
            yield Static("workflows", classes="panel-title", id="workflows-title")
            yield WorkflowTable(id="workflows")
            yield Static("failing routes", classes="panel-title", id="routes-title")
            yield RoutesTable(id="routes")
            yield Static("newest requests", classes="panel-title", id="recent-title")
            yield RecentTable(id="recent")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(WorkflowTable).focus()
        if self.readonly_reason:
            self.say(self.readonly_reason, "Read-only", "warning")
        if self._limits_note:
            self.say(self._limits_note, "Limits", "warning")
        self.set_interval(min(POLL_SECONDS, self.refresh_seconds), self._tick)
        self._tick()

    def on_resize(self) -> None:
        self.query_one(HeaderBand).set_class(self.size.width < 100, "narrow")

    def on_unmount(self) -> None:
        self.lookups.close()

    # The refresh loop.

    def _tick(self) -> None:
        """Start a refresh when one is due; otherwise just age the header.

        Paused stops only the automatic refresh: a refresh the user asked for
        (`_wanted`) still runs, once.
        """
        # Read `paused` first: its first read runs the reactives' init watchers,
        # which come back here, and `_loading` must be read after that.
        paused = self.paused
        if self._loading or (paused and not self._wanted):
            return
        self._loading = True
        params = (self.window_name, self.workflow, self._wanted)
        self._wanted = False
        self.run_worker(
            lambda: self._load(*params),
            thread=True,
            group="refresh",
            exit_on_error=False,
        )

    def _load(self, window_name: str, workflow: str | None, wanted: bool) -> None:
        """Runs in the worker thread: never touches a widget, only posts."""
        try:
            now = self.clock()
            # Pace by the machine's clock; `clock` is what the screen shows.
            tick = time.monotonic()
            version = self._reader.version()
            since = tick - self._last_loaded
            changed = version is None or version != self._last_version
            due = (
                wanted
                or (changed and since >= self.refresh_seconds)
                or since >= SLIDE_SECONDS
            )
            if not due:
                if tick - self._last_aged >= 1.0:
                    self._last_aged = tick
                    self.post_message(
                        self.DataLoaded(_aged(self.snapshot, now), wanted)
                    )
                else:
                    self.post_message(self.DataLoaded(None, wanted))
                return
            snapshot = self._reader.collect(
                window_name=window_name,
                workflow=workflow,
                now_ms=int(now * 1000),
                limits=self.limits,
            )
            self._last_version = version
            self._last_loaded = tick
            self.post_message(self.DataLoaded(snapshot, wanted))
        except Exception as exc:  # bad data must never end the live view
            log.exception("refresh failed")
            self._reader.close()
            self.post_message(self.LoadFailed(f"{type(exc).__name__}: {exc}"))

    def on_llmtop_app_data_loaded(self, message: DataLoaded) -> None:
        self._loading = False
        snapshot = message.snapshot
        if snapshot is None:
            if self._wanted:
                self._tick()
            return
        stale_window = (
            snapshot.window is not None and snapshot.window.name != self.window_name
        )
        if snapshot.workflow != self.workflow or stale_window:
            self.refresh_now()
            return
        if self._wanted:
            # Asked for while this one ran: go now, not at the next tick.
            self._tick()
        if self.paused and not message.asked:
            return
        try:
            self._show(snapshot)
        except Exception as exc:
            log.exception("showing a refresh failed")
            self._tell(f"could not show the data: {type(exc).__name__}: {exc}")

    def on_llmtop_app_load_failed(self, message: LoadFailed) -> None:
        self._loading = False
        self._tell(f"refresh failed: {message.error}")

    def _show(self, snapshot: Snapshot) -> None:
        fresh = snapshot is not self.snapshot
        self.snapshot = snapshot
        status = self._status()
        context = Context(
            now_ms=int(self.clock() * 1000),
            db_name=self.db_path.name,
            paused=self.paused,
            readonly_reason=self.readonly_reason,
            status=status,
            breaches=len(snapshot.breaches),
            sources=self.sources,
        )
        for error in getattr(status, "errors", None) or []:
            self._tell(f"agent: {error}")
        self.query_one(HeaderBand).show(snapshot, context)
        if not fresh:
            return
        self.refresh_count += 1
        self.query_one(WorkflowTable).show_snapshot(snapshot)
        self.query_one(RoutesTable).show_snapshot(snapshot)
        self.query_one(RecentTable).show_snapshot(snapshot)
        self._alert(snapshot)
        if isinstance(self.screen, BudgetsScreen):
            self._show_budgets(self.screen)

    def _status(self) -> object | None:
        if self.status_source is None:
            return None
        try:
            return self.status_source()
        except Exception:
            log.exception("agent status failed")
            return None

    def _alert(self, snapshot: Snapshot) -> None:
        """Ring or notify on a breach that was not there before (if asked to)."""
        keys = {limits_bridge.breach_key(b) for b in snapshot.breaches}
        known, self._known_breaches = self._known_breaches, keys
        if known is None:
            return
        new = [b for b in snapshot.breaches if limits_bridge.breach_key(b) not in known]
        if new and self.bell_on_breach:
            self.bell()
        if self.notify_on_breach:
            for breach in new:
                message = str(getattr(breach, "message", "a limit is breached"))
                self.say(message, "Limit breached", "error")

    def _tell(self, message: str) -> None:
        """Notify once per distinct problem, so a recurring one does not flood."""
        if message not in self._errors_told:
            self._errors_told.add(message)
            self.say(message, "llmtop", "error")

    def say(self, message: str, title: str, severity: SeverityLevel) -> None:
        """Notify with the message as literal text: it may quote record values."""
        self.notices.append(message)
        self.notify(
            plain(message, limit=400), title=title, severity=severity, markup=False
        )

    # Reactives.

    def watch_window_name(self) -> None:
        self.refresh_now()

    def watch_workflow(self) -> None:
        self.refresh_now()

    def watch_paused(self, paused: bool) -> None:
        if self.snapshot is not None:
            self._show(self.snapshot)
        if not paused:
            self.refresh_now()

    def refresh_now(self) -> None:
        """Ask for a full refresh at the next opportunity (now, if idle)."""
        self._wanted = True
        if self.is_mounted:
            self._tick()

    # Actions.

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_pause(self) -> None:
        self.paused = not self.paused

    def action_refresh(self) -> None:
        self.refresh_now()

    def action_cycle_window(self) -> None:
        index = WINDOW_NAMES.index(self.window_name)
        self.window_name = WINDOW_NAMES[(index + 1) % len(WINDOW_NAMES)]

    def action_window(self, name: str) -> None:
        self.window_name = name

    def action_clear_filter(self) -> None:
        self.workflow = None

    def action_pick_workflow(self) -> None:
        known = (
            [] if self.snapshot is None else [m.key for m in self.snapshot.workflows]
        )
        self.push_screen(
            WorkflowPicker(sorted(known), self.workflow), self._picked_workflow
        )

    def _picked_workflow(self, choice: str | None) -> None:
        if choice is not None:
            self.workflow = None if choice == ALL else choice

    def action_rejects(self) -> None:
        try:
            rejects, total = self.lookups.rejects()
        except Exception as exc:
            self._tell(f"could not read the rejects: {exc}")
            return
        self.push_screen(RejectsScreen(rejects, total, int(self.clock() * 1000)))

    def action_budgets(self) -> None:
        note = None
        if not limits_bridge.available():
            note = "Budgets need the limits module, which this llmtop lacks."
        screen = BudgetsScreen(note)
        self.push_screen(screen, lambda _: None)
        self.call_after_refresh(self._show_budgets, screen)

    def _show_budgets(self, screen: BudgetsScreen) -> None:
        now_ms = int(self.clock() * 1000)
        try:
            budgets = self.lookups.budgets(self.limits, now_ms)
        except Exception as exc:
            log.exception("budgets failed")
            self._tell(f"could not work out the budgets: {exc}")
            budgets = []
        breaches = [] if self.snapshot is None else self.snapshot.breaches
        screen.show(budgets, breaches, now_ms)

    # Events from the panels.

    def on_recent_table_opened(self, message: RecentTable.Opened) -> None:
        try:
            detail = self.lookups.request(message.row_id)
        except Exception as exc:
            self._tell(f"could not read request {message.row_id}: {exc}")
            return
        if detail is None:
            self._tell(f"request {message.row_id} is no longer stored")
            return
        self.push_screen(RequestDetail(detail))

    def on_data_table_row_selected(self, event: WorkflowTable.RowSelected) -> None:
        if isinstance(event.data_table, WorkflowTable):
            key = event.row_key.value
            if key is not None:
                self.workflow = None if self.workflow == key else key


def _sources(sources: Sequence[str] | None) -> tuple[str, ...]:
    """What the agent was asked to follow, so the header can name what it waits for."""
    return tuple(str(spec) for spec in sources or ())


def _aged(snapshot: Snapshot | None, now: float) -> Snapshot:
    """The last snapshot, unchanged, so only the header's ages move on."""
    if snapshot is None:
        return Snapshot(int(now * 1000), waiting="waiting for data")
    return snapshot


def run_app(db_path: Path, **options: Any) -> None:
    """Run the live view until the user quits (same options as `LlmtopApp`)."""
    LlmtopApp(db_path, **options).run()
