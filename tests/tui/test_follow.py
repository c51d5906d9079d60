"""The real path: an in-process agent follows a file, the view shows its lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmtop.tui.app import LlmtopApp
from llmtop.tui.widgets.recent import RecentTable
from llmtop.tui.widgets.workflows import WorkflowTable
from tests.tui.conftest import NOW, SIZE, at, row_text, static_text, wait_until

agent_module = pytest.importorskip("llmtop.ingest.agent")


def line(request_id: str, minutes_ago: float, cost: float) -> str:
    record = {
        "request_id": request_id,
        "timestamp": at(minutes_ago),
        "workflow": "json_extraction",
        "model": "gpt-4.1-mini",
        "latency_ms": 400,
        "estimated_cost_usd": cost,
    }
    return json.dumps(record) + "\n"


async def test_lines_appended_to_a_followed_file_appear(tmp_path: Path) -> None:
    log_file = tmp_path / "usage.jsonl"
    log_file.write_text(line("a", 3, 0.25))
    db_path = tmp_path / "llmtop.db"
    agent = agent_module.Agent(db_path, [str(log_file)], poll=True)
    agent.start()
    try:
        app = LlmtopApp(
            db_path, clock=lambda: NOW, status=agent.status, refresh_seconds=0.2
        )
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(WorkflowTable)
            await wait_until(pilot, lambda: "json_extraction" in table.keys)
            assert row_text(table, "json_extraction")[1:3] == ["1", "$0.25"]
            assert "following " in static_text(pilot, "#totals")
            assert "/usage.jsonl (polling" in static_text(pilot, "#totals")

            with log_file.open("a") as handle:
                handle.write(line("b", 2, 0.5) + line("c", 1, 0.75))
            await wait_until(
                pilot, lambda: row_text(table, "json_extraction")[1] == "3"
            )
            assert row_text(table, "json_extraction")[2] == "$1.50"
            assert len(app.query_one(RecentTable).keys) == 3
    finally:
        agent.stop()
