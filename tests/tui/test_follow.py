"""The real path: an in-process agent follows a file, the view shows its lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
            db_path,
            clock=lambda: NOW,
            status=agent.status,
            sources=[str(log_file)],
            refresh_seconds=0.2,
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


async def test_a_named_file_not_there_yet_is_waited_for_by_name(
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "live.jsonl"
    db_path = tmp_path / "llmtop.db"
    agent = agent_module.Agent(db_path, [str(log_file)], poll=True)
    agent.start()
    try:
        app = LlmtopApp(
            db_path,
            clock=lambda: NOW,
            status=agent.status,
            sources=[str(log_file)],
            refresh_seconds=0.2,
        )
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.refresh_count > 0)
            header = static_text(pilot, "#totals")
            # The path is longer than the 40 cells the header gives it.
            assert "waiting for …" + str(log_file)[-39:] in header
            assert "0 files" not in header

            log_file.write_text(line("a", 1, 0.25))
            table = app.query_one(WorkflowTable)
            await wait_until(pilot, lambda: "json_extraction" in table.keys)
            await wait_until(
                pilot, lambda: "waiting" not in static_text(pilot, "#totals")
            )
            assert "following …" + str(log_file)[-39:] in static_text(pilot, "#totals")
    finally:
        agent.stop()


@dataclass
class Status:
    """The agent status as the header reads it, with nothing followed yet."""

    following: list[str] = field(default_factory=list)
    listening: list[str] = field(default_factory=lambda: ["http://127.0.0.1:8765"])


async def test_the_header_names_sources_given_to_the_view(tmp_path: Path) -> None:
    db_path = tmp_path / "llmtop.db"
    app = LlmtopApp(
        db_path,
        clock=lambda: NOW,
        status=Status,
        sources=["logs/*.jsonl", "-"],
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        header = static_text(pilot, "#totals")
    # stdin is followed as soon as it is open; the glob matches nothing yet.
    assert "waiting for logs/*.jsonl + http://127.0.0.1:8765" in header
