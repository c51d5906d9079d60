"""The live view over a fixture database: the numbers, the filter, the windows."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from llmtop.query import SEP
from llmtop.tui.app import LlmtopApp
from llmtop.tui.widgets.recent import RecentTable
from llmtop.tui.widgets.routes import RoutesTable
from llmtop.tui.widgets.workflows import WorkflowTable
from tests.tui.conftest import (
    NOW,
    SIZE,
    at,
    column_values,
    row_text,
    static_text,
    wait_until,
    write_records,
)

RAG_LATENCY = [1000.0, 2000.0, 3000.0, 4000.0, 10000.0]
RAG_COST = [0.01, 0.02, 0.03, 0.04, 0.05]
CHAT_LATENCY = [100.0, 200.0, 300.0, 400.0]


def fixture_records() -> list[dict[str, Any]]:
    """Two workflows with known numbers, all inside the last hour before NOW."""
    records = []
    tasks = ["t1", "t1", "t2", "t3", "t3"]
    for i, (latency, cost) in enumerate(zip(RAG_LATENCY, RAG_COST)):
        record = {
            "request_id": f"rag-{i}",
            "timestamp": at(50 - i),
            "workflow": "rag_answer",
            "model": "claude-sonnet-4",
            "route": "rag/primary",
            "task_id": tasks[i],
            "latency_ms": latency,
            "input_tokens": 1000,
            "output_tokens": 100,
            "estimated_cost_usd": cost,
            "retry_count": [0, 1, 0, 2, 0][i],
        }
        if i == 1:
            record.update(status="error", error_type="rate_limit")
        if i == 3:
            record.update(fallback_used=True, fallback_from="gpt-4.1")
        records.append(record)
    validations = ["pass", "pass", "fail", "pass"]
    for i, latency in enumerate(CHAT_LATENCY):
        record = {
            "request_id": f"chat-{i}",
            "timestamp": at(40 - i),
            "workflow": "chatbot_reply",
            "model": "gpt-4.1-mini",
            "route": "chat/primary",
            "latency_ms": latency,
            "input_tokens": 200,
            "output_tokens": 50,
            "estimated_cost_usd": 0.001,
            "validation": validations[i],
        }
        if i == 2:
            record.update(status="timeout", error_type="timeout")
        records.append(record)
    return records


def make_app(db_path: Path, **options: Any) -> LlmtopApp:
    return LlmtopApp(db_path, clock=lambda: NOW, **options)


async def test_header_carries_the_window_totals(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        header = static_text(pilot, "#totals")

    latencies = RAG_LATENCY + CHAT_LATENCY
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    p50, p95 = cuts[49], cuts[94]
    assert p50 == 1000.0  # the middle of nine sorted values
    assert "9 req" in header
    assert f"p50 {p50:,.0f} ms" in header
    assert f"p95 {p95:,.0f} ms" in header
    # 0.15 + 4 × 0.001, all reported: no "unpriced" qualifier.
    assert "spend $0.15 " in header
    # 2 of 9 failed (one error, one timeout), 1 timeout, 1 fallback.
    assert "errors 22.2%" in header
    assert "timeouts 11.1%" in header
    assert "fallbacks 11.1%" in header
    # 3 retries over 9 requests; 1 validation fail of 4 judged.
    assert "retries 0.33/req" in header
    assert "validation fail 25.0%" in header
    assert "window 1h" in header


async def test_workflow_table_carries_each_workflows_numbers(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        table = app.query_one(WorkflowTable)
        rag = row_text(table, "rag_answer")
        chat = row_text(table, "chatbot_reply")
        order = table.keys

    rag_cuts = statistics.quantiles(RAG_LATENCY, n=100, method="inclusive")
    # rag: 5 requests, $0.15, $0.03 each, 3 tasks → $0.05 per task,
    # 0.15 / 0.154 of all spend, 1 error of 5, 1 fallback, 3 retries / 5.
    assert rag[0] == "rag_answer"
    assert rag[1:6] == ["5", "$0.15", "$0.03", "$0.05", "97.4%"]
    assert rag[6] == f"{rag_cuts[49]:.0f}ms"
    assert rag[7] == f"{rag_cuts[94]:.0f}ms"
    assert rag[8:12] == ["20.0%", "20.0%", "0.60", "–"]
    chat_cuts = statistics.quantiles(CHAT_LATENCY, n=100, method="inclusive")
    # chat: 4 requests at $0.001, no task ids so each request is its own task.
    assert chat[1:6] == ["4", "$0.0040", "$0.0010", "$0.0010", "2.6%"]
    assert chat[6:8] == [f"{chat_cuts[49]:.0f}ms", f"{chat_cuts[94]:.0f}ms"]
    assert chat[8:12] == ["25.0%", "0.0%", "0.00", "25.0%"]
    assert order == ["rag_answer", "chatbot_reply"]  # the most spend first


async def test_new_rows_appear_and_the_cursor_stays_on_its_workflow(
    db_path: Path,
) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        table = app.query_one(WorkflowTable)
        table.focus()
        await pilot.press("down")
        assert table.selected_key == "chatbot_reply"

        # A new workflow with more spend than any other sorts to the top,
        # which moves chatbot_reply from the second row to the third.
        write_records(
            db_path,
            [
                {
                    "request_id": "big-1",
                    "timestamp": at(1),
                    "workflow": "agent_planning",
                    "model": "gpt-4.1",
                    "latency_ms": 5000,
                    "estimated_cost_usd": 2.5,
                }
            ],
            source="app/more.jsonl",
        )
        await wait_until(pilot, lambda: "agent_planning" in table.keys)
        assert table.keys == ["agent_planning", "rag_answer", "chatbot_reply"]
        assert table.selected_key == "chatbot_reply"
        assert table.cursor_row == 2
        assert row_text(table, "agent_planning")[1:3] == ["1", "$2.50"]


async def test_refresh_changes_cells_in_place_without_refilling(
    db_path: Path,
) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        table = app.query_one(WorkflowTable)
        first_cells = table.get_row("chatbot_reply")
        write_records(
            db_path,
            [
                {
                    "request_id": "rag-extra",
                    "timestamp": at(2),
                    "workflow": "rag_answer",
                    "latency_ms": 1500,
                    "estimated_cost_usd": 0.05,
                }
            ],
            source="app/more.jsonl",
        )
        await wait_until(pilot, lambda: row_text(table, "rag_answer")[1] == "6")
        # The untouched row still holds the very same cell objects.
        assert all(
            a is b
            for a, b in zip(table.get_row("chatbot_reply")[1:], first_cells[1:])
            if a.plain == b.plain
        )
        assert row_text(table, "rag_answer")[2] == "$0.20"


async def test_workflow_filter_narrows_every_panel(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        recent = app.query_one(RecentTable)
        routes = app.query_one(RoutesTable)
        assert len(recent.keys) == 9
        # chat's timeout, rag's error, and rag's fallback counted against the
        # model that failed (gpt-4.1), not the one that served.
        assert sorted(routes.keys) == [
            "chat/primary" + SEP + "gpt-4.1-mini",
            "rag/primary" + SEP + "claude-sonnet-4",
            "rag/primary" + SEP + "gpt-4.1",
        ]

        await pilot.press("slash")
        await pilot.press(*"chat")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(recent.keys) == 4)

        assert app.workflow == "chatbot_reply"
        assert app.query_one(WorkflowTable).keys == ["chatbot_reply"]
        assert set(column_values(recent, "workflow")) == {"chatbot_reply"}
        assert routes.keys == ["chat/primary" + SEP + "gpt-4.1-mini"]
        header = static_text(pilot, "#totals")
        assert "workflow chatbot_reply" in header
        assert "4 req" in header
        assert "timeouts 25.0%" in header

        await pilot.press("escape")
        await wait_until(pilot, lambda: len(recent.keys) == 9)
        assert app.workflow is None
        assert len(app.query_one(WorkflowTable).keys) == 2


async def test_picker_narrows_as_you_type(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        await pilot.press("w")
        options = app.screen.query_one("#picker-options")
        assert options.option_count == 3  # all, chatbot_reply, rag_answer
        await pilot.press("r", "a")
        assert options.option_count == 1
        assert options.get_option_at_index(0).id == "wrag_answer"
        await pilot.press("escape")
        assert app.workflow is None


async def test_window_keys_cycle_and_the_old_data_clamps(db_path: Path) -> None:
    old = [
        {
            "request_id": "old-1",
            "timestamp": NOW - 3 * 86_400,
            "workflow": "rag_answer",
            "latency_ms": 100,
            "estimated_cost_usd": 0.1,
        }
    ]
    write_records(db_path, old)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        header = static_text(pilot, "#totals")
        assert "window 1h ends at newest record — data older than the window" in (
            header
        )
        assert "1 req" in header
        assert "newest 3d00h ago" in header
        await pilot.press("t")
        await wait_until(pilot, lambda: "window 24h" in static_text(pilot, "#totals"))
        await pilot.press("5")
        await wait_until(pilot, lambda: "window all" in static_text(pilot, "#totals"))
        assert app.window_name == "all"


async def test_pause_says_so_and_holds_the_numbers(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path, refresh_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" in static_text(pilot, "#totals")
        before = app.refresh_count
        write_records(
            db_path,
            [{"request_id": "late", "timestamp": at(1), "workflow": "late_one"}],
            source="app/more.jsonl",
        )
        # Six automatic ticks go by, and the new data changes nothing.
        await pilot.pause(0.3)
        assert app.refresh_count == before
        assert "late_one" not in app.query_one(WorkflowTable).keys
        await pilot.press("p")
        await wait_until(pilot, lambda: "late_one" in app.query_one(WorkflowTable).keys)
        assert "PAUSED" not in static_text(pilot, "#totals")


async def test_enter_on_a_workflow_row_filters_to_it_and_again_clears(
    db_path: Path,
) -> None:
    write_records(db_path, fixture_records())
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        table = app.query_one(WorkflowTable)
        table.focus()
        await pilot.press("down", "enter")
        recent = app.query_one(RecentTable)
        await wait_until(pilot, lambda: len(recent.keys) == len(CHAT_LATENCY))
        assert app.workflow == "chatbot_reply"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(recent.keys) == 9)
        assert app.workflow is None
