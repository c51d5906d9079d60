"""The screens the keys open, and what the view says about its own state."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import DataTable, Static

from llmtop.tui.app import LlmtopApp
from llmtop.tui.screens.detail import RequestDetail, detail_rows
from llmtop.tui.screens.help import HelpScreen
from llmtop.tui.screens.rejects import RejectsScreen
from llmtop.tui.text import exact_usd
from llmtop.tui.widgets.recent import RecentTable
from llmtop.tui.widgets.workflows import WorkflowTable
from tests.tui.conftest import (
    NOW,
    SIZE,
    at,
    render_plain,
    row_text,
    static_text,
    wait_until,
    write_records,
)

DETAILED = {
    "request_id": "req-42",
    "timestamp": "2025-03-11T14:20:05.250Z",
    "app": "support-bot",
    "task_id": "conv-9",
    "workflow": "rag_answer",
    "user_tier": "pro",
    "model": "claude-sonnet-4",
    "route": "rag/fallback",
    "status": "error",
    "error_type": "server_error",
    "latency_ms": 2345,
    "input_tokens": 1200,
    "output_tokens": 340,
    "cache_read_tokens": 800,
    "reasoning_tokens": 120,
    "estimated_cost_usd": 0.5,
    "fallback_used": True,
    "fallback_from": "gpt-4.1",
    "retry_count": 2,
    "validation": "fail",
    "customer": "acme",
    "retry_count_extra": "n/a",
}


def detail_text(app: LlmtopApp) -> str:
    """The detail table as it reads, one field per line, spaces squeezed."""
    table = app.screen.query_one("#detail-fields", Static).content
    return "\n".join(
        " ".join(line.split()) for line in render_plain(table).splitlines()
    )


async def test_enter_opens_every_stored_field_of_a_request(db_path: Path) -> None:
    record = dict(DETAILED, latency_ms="slow")  # a bad optional field is flagged
    write_records(db_path, [record])
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.query_one(RecentTable).keys) == 1)
        app.query_one(RecentTable).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestDetail))
        shown = detail_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, RequestDetail)

    expected = [
        "request_id req-42",
        "ts 2025-03-11 14:20:05.250 UTC",
        "task_id conv-9",
        "user_tier pro",
        "route rag/fallback",
        "status error",
        "error_type server_error",
        "fallback_used yes",
        "fallback_from gpt-4.1",
        "retry_count 2",
        "validation fail",
        "input_tokens 1,200",
        "output_tokens 340",
        "cache_read_tokens 800",
        "reasoning_tokens 120",
        "cost_usd $0.50",
        "cost_source reported",
        "source app/usage.jsonl",
        "source_line 1",
        "source_offset 0",
        "customer acme",
        "latency_ms –",
    ]
    for item in expected:
        assert item in shown, item
    assert "latency_ms:" in shown  # the flag naming the bad field


async def test_detail_shows_the_stored_cost_exactly_and_no_internals(
    db_path: Path,
) -> None:
    write_records(db_path, [dict(DETAILED, estimated_cost_usd=0.024325)])
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.query_one(RecentTable).keys) == 1)
        app.query_one(RecentTable).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestDetail))
        shown = detail_text(app)
        fields = {name for _, name, _ in detail_rows(app.screen.detail)}
        stored = set(app.screen.detail)

    # The panels round to $0.02; the detail is where the stored value shows.
    assert "Cost cost_usd $0.024325\n" in shown
    assert "replaceable" not in shown and "lat_bucket" not in shown
    # Every other stored column is still there; flags and extra have sections.
    assert stored - fields == {"replaceable", "lat_bucket", "flags", "extra"}


def test_exact_amounts_keep_every_stored_digit() -> None:
    assert exact_usd(0.024325) == "$0.024325"
    assert exact_usd(0.5) == "$0.50"
    assert exact_usd(1234.5678) == "$1,234.5678"
    assert exact_usd(1.5e-07) == "$0.00000015"
    assert exact_usd(0.000223425 * 1.0000000000000002) == "$0.000223425"
    assert exact_usd(0.1 + 0.2) == "$0.30"
    assert exact_usd(123456.789012345) == "$123,456.789012345"


def test_a_reported_cost_far_from_the_estimate_is_flagged() -> None:
    base = {"cost_usd": 0.5, "cost_source": "reported", "estimate_usd": 0.05}
    flagged = [r for r in detail_rows(base) if r[1] == "disagreement"]
    assert flagged and "10.0×" in flagged[0][2].plain
    close = dict(base, estimate_usd=0.3)  # 0.5 / 0.3 ≈ 1.7×: within 2×
    assert not [r for r in detail_rows(close) if r[1] == "disagreement"]


async def test_a_markup_workflow_name_is_shown_as_those_characters(
    db_path: Path,
) -> None:
    name = "[red]x[/red]"
    write_records(
        db_path,
        [
            {
                "request_id": "m-1",
                "timestamp": at(5),
                "workflow": name,
                "model": "[bold]m\x1b[31m",
                "latency_ms": 10,
                "estimated_cost_usd": 0.01,
            }
        ],
    )
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        workflow_cell = app.query_one(WorkflowTable).get_row(name)[0]
        recent = app.query_one(RecentTable)
        recent_cells = recent.get_row(recent.keys[0])
        screen_text = app.export_screenshot()

    assert workflow_cell.plain.strip() == name
    assert workflow_cell.spans == []
    assert recent_cells[1].plain.strip() == name
    assert recent_cells[2].plain.strip() == "[bold]m\\x1b[31m"
    assert "[red]x[/red]" in screen_text.replace("&#160;", " ")
    assert "\x1b" not in screen_text


async def test_rejects_are_counted_and_listed(db_path: Path) -> None:
    good = {"request_id": "g", "timestamp": at(1), "workflow": "w", "latency_ms": 1}
    write_records(
        db_path,
        [good],
        raw_lines=[b"this is not json\n", b'{"timestamp": "soon", "model": "m"}\n'],
    )
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        assert "rejects 2" in static_text(pilot, "#totals")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, RejectsScreen))
        table = app.screen.query_one(DataTable)
        lines = [row_text(table, key)[2] for key in map(str, (1, 2))]
        reasons = [row_text(table, key)[4] for key in map(str, (1, 2))]
        full = static_text(pilot, "#reject-full")
        await pilot.press("escape")
        assert not isinstance(app.screen, RejectsScreen)

    assert sorted(lines) == ["2", "3"]  # the good record was line 1
    assert any(reason.startswith("not valid JSON") for reason in reasons)
    assert any(reason.startswith("timestamp:") for reason in reasons)
    assert "app/usage.jsonl" in full


async def test_read_only_is_said_in_the_header_and_a_notification(
    db_path: Path,
) -> None:
    write_records(db_path, [{"request_id": "r", "timestamp": at(1), "model": "m"}])
    reason = "another llmtop (pid 4242) writes this database"
    app = LlmtopApp(db_path, clock=lambda: NOW, readonly_reason=reason)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        header = static_text(pilot, "#totals")
        notes = list(app.notices)
    assert f"read-only: {reason}" in header
    assert reason in notes


async def test_a_missing_database_waits_and_then_shows_the_data(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "later.db"
    app = LlmtopApp(db_path, clock=lambda: NOW, refresh_seconds=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot, lambda: "waiting for data" in static_text(pilot, "#totals")
        )
        write_records(
            db_path, [{"request_id": "a", "timestamp": at(1), "workflow": "late"}]
        )
        await wait_until(pilot, lambda: "late" in app.query_one(WorkflowTable).keys)
        assert "1 req" in static_text(pilot, "#totals")


async def test_help_lists_the_keys(db_path: Path) -> None:
    write_records(db_path, [{"request_id": "r", "timestamp": at(1), "model": "m"}])
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table", Static).content
        keys = [
            line.strip().split("  ")[0] for line in render_plain(table).splitlines()
        ]
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
    assert keys[:4] == ["q ctrl+c", "?", "p", "/ w"], keys
    assert "1–5" in keys and "x" in keys and "b" in keys


async def test_bad_data_in_a_refresh_is_told_not_raised(db_path: Path) -> None:
    write_records(db_path, [{"request_id": "r", "timestamp": at(1), "model": "m"}])
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        # Another tool writes text where llmtop keeps numbers.
        conn = sqlite3.connect(db_path)
        conn.execute("UPDATE events SET latency_ms = 'slow', cost_usd = 'lots'")
        conn.commit()
        conn.close()
        app.refresh_now()
        await wait_until(pilot, lambda: bool(app.notices))
        messages = list(app.notices)
        assert app.is_running
    assert any("could not show the data" in message for message in messages)
