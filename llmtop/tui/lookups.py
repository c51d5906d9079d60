"""Small reads the UI makes on demand: one request, the rejects, the budgets.

Each is a primary-key lookup or a short indexed scan, quick enough to run on
the UI thread when a key is pressed. They use their own connection so they never
share one with the refresh worker's thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmtop import query
from llmtop.tui import limits_bridge
from llmtop.tui.snapshot import Reader

REJECTS_SHOWN = 200


class Lookups:
    """On-demand reads for the screens the user opens."""

    def __init__(self, db_path: Path) -> None:
        self._reader = Reader(db_path)

    def close(self) -> None:
        self._reader.close()

    def request(self, row_id: int) -> dict[str, Any] | None:
        """Every stored field of one request, or None when it is gone."""
        return query.request_detail(self._reader.connection(), row_id)

    def rejects(self) -> tuple[list[dict[str, Any]], int]:
        """The newest rejects and how many there are in all."""
        conn = self._reader.connection()
        return query.latest_rejects(conn, REJECTS_SHOWN), query.reject_count(conn)

    def budgets(self, limits: list[Any], now_ms: int) -> list[Any]:
        """All traffic's standing today, then each configured budget's."""
        return limits_bridge.budgets(self._reader.connection(), limits, now_ms)
