"""One refresh worth of numbers, gathered off the UI thread.

The app asks for a `Snapshot` about once a second from a worker thread that owns
its own read connection; the widgets then compare it with what they show and
change only what differs. Everything here goes through `llmtop.query` (and
`llmtop.limits` when it is installed), and nothing holds a transaction between
refreshes: the connection is in autocommit mode and every query is one read.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmtop import query
from llmtop.errors import LlmtopError
from llmtop.query import Measures, RouteFailure, Series, Window
from llmtop.store import open_database
from llmtop.tui import limits_bridge

log = logging.getLogger(__name__)

RECENT_ROWS = 60
SERIES_POINTS = 30
ROW_SPARK_POINTS = 10


@dataclass
class Snapshot:
    """What every panel shows at one instant. `waiting` means no data yet."""

    now_ms: int
    window: Window | None = None
    workflow: str | None = None
    version: int | None = None
    waiting: str | None = None
    totals: Measures = field(default_factory=Measures)
    series: Series | None = None
    workflows: list[Measures] = field(default_factory=list)
    all_spend: float = 0.0
    latency_spark: dict[str, list[float | None]] = field(default_factory=dict)
    routes: list[RouteFailure] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)
    rejects: int = 0
    sources: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[Any] = field(default_factory=list)

    @property
    def shown(self) -> list[Measures]:
        """The workflow rows the filter lets through."""
        if self.workflow is None:
            return self.workflows
        return [m for m in self.workflows if m.key == self.workflow]

    @property
    def requests_per_second(self) -> float | None:
        if self.window is None:
            return None
        return self.totals.requests / self.window.seconds

    @property
    def spend_per_hour(self) -> float | None:
        if self.window is None:
            return None
        return self.totals.spend / self.window.seconds * 3600


class Reader:
    """The refresh worker's own connection, opened lazily and reopened on error.

    A TUI may start before the agent has created the database, so a missing
    file or schema is a state ("waiting for data"), not an error.
    """

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._conn: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_database(self.db_path, readonly=True)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def version(self) -> int | None:
        """The database's data_version, or None while there is no database."""
        try:
            return query.data_version(self.connection())
        except (LlmtopError, sqlite3.Error):
            self.close()
            return None

    def collect(
        self,
        *,
        window_name: str,
        workflow: str | None,
        now_ms: int,
        limits: list[Any],
    ) -> Snapshot:
        """Gather every panel's numbers; a database not there yet is `waiting`."""
        try:
            conn = self.connection()
            version = query.data_version(conn)
            return _collect(conn, version, window_name, workflow, now_ms, limits)
        except LlmtopError:
            self.close()
            return Snapshot(
                now_ms, workflow=workflow, waiting=f"waiting for data: {self.db_path}"
            )
        except sqlite3.OperationalError as exc:
            self.close()
            if str(exc) == "no such table: events":
                return Snapshot(
                    now_ms,
                    workflow=workflow,
                    waiting=f"waiting for data: {self.db_path} has no tables yet",
                )
            raise


def _collect(
    conn: sqlite3.Connection,
    version: int,
    window_name: str,
    workflow: str | None,
    now_ms: int,
    limits: list[Any],
) -> Snapshot:
    window = query.resolve_window(conn, window_name, now=now_ms)
    every = query.breakdown(conn, window, "workflow")
    totals = (
        query.summary(conn, window)
        if workflow is None
        else query.summary(conn, window, workflow)
    )
    snapshot = Snapshot(
        now_ms,
        window=window,
        workflow=workflow,
        version=version,
        totals=totals,
        series=query.series(conn, window, workflow, points=SERIES_POINTS),
        workflows=every,
        all_spend=sum(m.spend for m in every),
        latency_spark=query.workflow_latency_series(
            conn, window, points=ROW_SPARK_POINTS
        ),
        routes=query.failing_routes(conn, window, workflow, limit=12),
        recent=query.recent(conn, workflow, limit=RECENT_ROWS, window=window),
        rejects=query.reject_count(conn),
        sources=query.sources(conn),
    )
    if limits:
        snapshot.breaches = limits_bridge.evaluate(conn, window, limits)
    return snapshot
