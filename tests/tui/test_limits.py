"""Limits in the live view: breached rows marked, the Budgets view, alerts."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from llmtop.tui.app import LlmtopApp
from llmtop.tui.screens.budgets import BudgetsScreen
from llmtop.tui.widgets.workflows import BREACH_MARK, WorkflowTable
from tests.tui.conftest import NOW, SIZE, render_plain, static_text, wait_until
from tests.tui.conftest import write_records as store
from tests.tui.test_main_screen import fixture_records

pytest.importorskip("llmtop.limits")

#: rag_answer fails 1 of 5 (20%), chatbot_reply 1 of 4 (25%).
LIMITS: dict[str, Any] = {
    "limits": {
        "workflow": {
            "rag_answer": {"error_rate": 0.10},
            "chatbot_reply": {"error_rate": 0.50},
        },
        "global": {"spend_per_day": 0.5},
    }
}


async def test_a_breached_limit_marks_its_row_and_the_header(db_path: Path) -> None:
    store(db_path, fixture_records())
    app = LlmtopApp(db_path, clock=lambda: NOW, config=LIMITS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        table = app.query_one(WorkflowTable)
        rag_name = table.get_row("rag_answer")[0]
        chat_name = table.get_row("chatbot_reply")[0]
        header = static_text(pilot, "#totals")

    assert rag_name.plain.strip() == f"{BREACH_MARK} rag_answer"
    assert chat_name.plain.strip() == "chatbot_reply"
    # Only rag_answer's 20% > 10% is breached; 25% < 50% and $0.154 < $0.50.
    assert "! 1 limit breached" in header


async def test_budgets_view_shows_today_rate_projection_and_run_out(
    db_path: Path,
) -> None:
    store(db_path, fixture_records())
    app = LlmtopApp(db_path, clock=lambda: NOW, config=LIMITS)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetsScreen))
        await pilot.pause()
        body = app.screen.query_one("#budgets-body").content
        text = " ".join(render_plain(body, width=118).split())
        await pilot.press("escape")
        assert not isinstance(app.screen, BudgetsScreen)

    # All $0.154 of spend fell in the last hour, at 14:30 UTC with 9.5 h left.
    spent, rate, budget, hours_left = 0.154, 0.154, 0.5, 9.5
    projected = spent + rate * hours_left
    runs_out = NOW + (budget - spent) / rate * 3600
    runs_out_text = datetime.fromtimestamp(runs_out, tz=timezone.utc).strftime(
        "%H:%M:%S"
    )
    expected_row = (
        f"all traffic $0.50 $0.15 {spent / budget:.1%} $0.15/h "
        f"${projected:.2f} {runs_out_text}"
    )
    assert expected_row in text
    assert "rag_answer" in text and "Breached now" in text


async def test_a_new_breach_rings_only_when_asked(db_path: Path) -> None:
    calm = [r for r in fixture_records() if r["request_id"] != "rag-1"]
    store(db_path, calm)
    config = {"limits": dict(LIMITS["limits"], notify=True)}
    app = LlmtopApp(db_path, clock=lambda: NOW, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        assert not [n for n in app.notices if "rag_answer" in n]
        failing = next(r for r in fixture_records() if r["request_id"] == "rag-1")
        store(db_path, [failing], source="app/more.jsonl")
        await wait_until(pilot, lambda: any("rag_answer" in n for n in app.notices))

    quiet = LlmtopApp(db_path, clock=lambda: NOW, config=LIMITS)
    assert (quiet.bell_on_breach, quiet.notify_on_breach) == (False, False)


async def test_budgets_view_without_budgets_shows_the_day_and_how_to_set_one(
    db_path: Path,
) -> None:
    store(db_path, fixture_records())
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetsScreen))
        await pilot.pause()
        body = app.screen.query_one("#budgets-body").content
        text = " ".join(render_plain(body, width=118).split())

    # $0.154 spent today, all of it in the last hour; at 14:30 UTC 9.5 hours
    # are left, so the day ends at 0.154 + 0.154 × 9.5. No budget: no share,
    # no run-out time.
    spent, rate, hours_left = 0.154, 0.154, 9.5
    projected = spent + rate * hours_left
    assert f"all traffic – $0.15 – $0.15/h ${projected:.2f} –" in text
    assert "No daily budget is configured" in text
    assert "spend_per_day" in text
