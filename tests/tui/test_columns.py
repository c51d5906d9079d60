"""Table columns never run together, whatever a value's length or width in cells.

Rows are read back as the terminal shows them (`render_line`), so these tests
see what the user sees: the values of one row split apart on whitespace, and a
column starts at the same cell in every row even when a name is CJK or emoji.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable

from llmtop.tui.app import LlmtopApp
from llmtop.tui.widgets.recent import RecentTable
from llmtop.tui.widgets.workflows import WorkflowTable
from tests.tui.conftest import NOW, at, row_text, wait_until, write_records

WIDE = "中文工作流程分析报告"  # ten characters, twenty cells
EMOJI_MODEL = "模型🙂"


def long_values() -> list[dict[str, Any]]:
    """Values as long as the user test's: tiny costs, 13.5 s, 15,866 tokens."""
    cheap = [
        {
            "request_id": f"cheap-{i}",
            "timestamp": at(10 + i),
            "workflow": "cheap_flow",
            "model": "gpt-4.1-mini",
            "task_id": f"task-{i}",
            "latency_ms": 13_500,
            "input_tokens": 15_866,
            "output_tokens": 1_299,
            "estimated_cost_usd": 0.000075,
        }
        for i in range(2)
    ]
    unpriced = {
        "request_id": "free-1",
        "timestamp": at(20),
        "workflow": "unpriced_flow",
        "model": "house-model-x",
        "task_id": "t",
        "latency_ms": 300,
    }
    return [*cheap, unpriced]


def screen_lines(table: DataTable[Any]) -> list[str]:
    """The table's rows as the terminal shows them, heading first."""
    return [table.render_line(y).text for y in range(table.size.height)]


def line_of(table: DataTable[Any], first_value: str) -> str:
    return next(
        line for line in screen_lines(table) if line.split()[:1] == [first_value]
    )


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_values_of_every_column_stay_apart(
    db_path: Path, size: tuple[int, int]
) -> None:
    write_records(db_path, long_values())
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        workflows = app.query_one(WorkflowTable)
        recent = app.query_one(RecentTable)
        cheap = line_of(workflows, "cheap_flow").split()
        free = row_text(workflows, "unpriced_flow")
        newest = screen_lines(recent)[1].split()

    # 2 × $0.000075 over 2 requests and 2 tasks, all of the priced spend,
    # both at 13.5 s, nothing failed, retried or validated.
    expected_cheap = [
        "cheap_flow",
        "2",
        "$0.00015",
        "$0.000075",
        "$0.000075",
        "100.0%",
        "13.5s",
        "13.5s",
        "0.0%",
        "0.0%",
        "0.00",
        "–",
    ]
    # 10 minutes before 14:30:00, 13.5 s, 15,866 in and 1,299 out.
    expected_newest = [
        "14:20:00",
        "cheap_flow",
        "gpt-4.1-mini",
        "–",
        "–",
        "success",
        "13.5s",
        "15,866/1,299",
        "$0.000075",
    ]
    if size[0] >= 120:
        assert cheap[:12] == expected_cheap
        assert newest == expected_newest
    else:
        # The table scrolls sideways; what shows is whole values, the last one
        # perhaps cut by the edge of the screen.
        assert cheap[:-1] == expected_cheap[: len(cheap) - 1]
        assert newest[:-1] == expected_newest[: len(newest) - 1]
        assert len(newest) >= 4
    # No request of unpriced_flow has a price: neither $/req nor $/task is known.
    assert free[3:5] == ["–", "–"]


async def test_wide_characters_keep_the_columns_in_line(db_path: Path) -> None:
    records = [
        {
            "request_id": "wide",
            "timestamp": at(1),
            "workflow": WIDE * 3,
            "model": EMOJI_MODEL,
            "latency_ms": 500,
            "estimated_cost_usd": 0.001,
        },
        {
            "request_id": "narrow",
            "timestamp": at(2),
            "workflow": "plain_flow",
            "model": "gpt-4.1-mini",
            "latency_ms": 500,
            "estimated_cost_usd": 0.001,
        },
    ]
    write_records(db_path, records)
    app = LlmtopApp(db_path, clock=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        recent = screen_lines(app.query_one(RecentTable))
        workflows = screen_lines(app.query_one(WorkflowTable))

    heading, wide_row, narrow_row = recent[:3]

    # Where a word starts, counted in terminal cells (CJK and emoji take two).
    def start(line: str, word: str) -> int:
        return cell_len(line[: line.index(word)])

    assert start(wide_row, "success") == start(narrow_row, "success")
    assert start(wide_row, "success") == start(heading, "status")
    assert start(wide_row, EMOJI_MODEL) == start(heading, "model")
    # The workflow column keeps 18 cells for text: eight wide characters (16)
    # and the one-cell ellipsis fit, a ninth would take 19.
    assert wide_row.split()[1] == WIDE[:8] + "…"
    # The workflows table keeps 22 cells for the name: ten wide and the
    # ellipsis, and the counts still line up under their heading.
    wide_line = next(line for line in workflows if line.startswith(WIDE[:3]))
    assert wide_line.split()[0] == WIDE[:10] + "…"
    assert cell_len(wide_line[: wide_line.index(" 1 ") + 2]) == cell_len(
        workflows[0][: workflows[0].index("reqs") + 4]
    )
