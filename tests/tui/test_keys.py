"""Keys a `top` user reaches for: ctrl+c quits, and a paused view still obeys.

Paused stops only the automatic refresh. What the user asks for — clearing the
filter, refreshing, another window, another workflow — refreshes once and
shows, and the view stays paused.
"""

from __future__ import annotations

from pathlib import Path

from llmtop.tui.app import LlmtopApp
from llmtop.tui.screens.picker import WorkflowPicker
from llmtop.tui.widgets.recent import RecentTable
from llmtop.tui.widgets.workflows import WorkflowTable
from tests.tui.conftest import (
    NOW,
    SIZE,
    at,
    row_text,
    static_text,
    wait_until,
    write_records,
)
from tests.tui.test_main_screen import fixture_records


async def test_ctrl_c_quits_from_the_main_view(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


async def test_ctrl_c_quits_while_typing_in_the_picker(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        await pilot.press("w", "r")
        assert isinstance(app.screen, WorkflowPicker)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


async def test_paused_esc_clears_the_filter_and_shows_it(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = LlmtopApp(db_path, clock=lambda: NOW, refresh_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        recent = app.query_one(RecentTable)
        await pilot.press("w", *"rag", "enter")
        await wait_until(pilot, lambda: len(recent.keys) == 5)
        await pilot.press("p")
        await pilot.pause()
        assert "workflow rag_answer (esc clears)" in static_text(pilot, "#totals")

        await pilot.press("escape")
        # All nine requests of the fixture come back, the filter leaves the
        # header, and the view is still paused.
        await wait_until(pilot, lambda: len(recent.keys) == 9)
        header = static_text(pilot, "#totals")
        assert "workflow rag_answer" not in header
        assert "9 req" in header
        assert "PAUSED" in header
        assert app.paused

        # Picking a workflow while paused shows it too.
        await pilot.press("w", *"chat", "enter")
        await wait_until(pilot, lambda: len(recent.keys) == 4)
        assert "workflow chatbot_reply" in static_text(pilot, "#totals")
        assert app.paused


async def test_paused_r_refreshes_once_and_stays_paused(db_path: Path) -> None:
    write_records(db_path, fixture_records())
    app = LlmtopApp(db_path, clock=lambda: NOW, refresh_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        table = app.query_one(WorkflowTable)
        await pilot.press("p")
        await pilot.pause()
        late = {
            "request_id": "late",
            "timestamp": at(1),
            "workflow": "late_one",
            "estimated_cost_usd": 1.0,
        }
        write_records(db_path, [late], source="app/more.jsonl")
        await pilot.pause(0.3)
        assert "late_one" not in table.keys

        await pilot.press("r")
        await wait_until(pilot, lambda: "late_one" in table.keys)
        # $1.00 is the most spend, so the new workflow sorts first.
        assert table.keys[0] == "late_one"
        assert row_text(table, "late_one")[1:3] == ["1", "$1.00"]
        assert "PAUSED" in static_text(pilot, "#totals")
        shown = app.refresh_count

        # Only that one refresh: more data waits for the next request.
        write_records(
            db_path,
            [dict(late, request_id="later", workflow="later_one")],
            source="app/even-more.jsonl",
        )
        await pilot.pause(0.3)
        assert "later_one" not in table.keys
        assert app.refresh_count == shown


async def test_paused_window_keys_show_the_chosen_window(db_path: Path) -> None:
    old = {
        "request_id": "old",
        "timestamp": NOW - 3 * 3600,
        "workflow": "old_flow",
        "estimated_cost_usd": 0.5,
    }
    write_records(db_path, [*fixture_records(), old])
    app = LlmtopApp(db_path, clock=lambda: NOW, refresh_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        table = app.query_one(WorkflowTable)
        assert "old_flow" not in table.keys  # three hours ago: outside 1h
        await pilot.press("p")
        await pilot.press("3")
        await wait_until(pilot, lambda: "old_flow" in table.keys)
        header = static_text(pilot, "#totals")
        assert "window 24h" in header
        assert "10 req" in header  # the fixture's nine and the old one
        assert "PAUSED" in header
        await pilot.press("t")
        await wait_until(pilot, lambda: "window 7d" in static_text(pilot, "#totals"))
        assert app.paused
