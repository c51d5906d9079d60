"""Daily budgets over the fixture database, with a fixed "now"."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmtop.config import load_config
from llmtop.limits import Limit, budgets
from llmtop.store import open_database
from tests.limits.helpers import END, PRICES_TOML, build_database

#: 15:30:00 UTC, one minute after the newest record: 8.5 hours left today.
NOW = END + 60_000


@pytest.fixture
def conn(db_path: Path, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    prices = tmp_path / "prices.toml"
    prices.write_text(PRICES_TOML)
    build_database(db_path, load_config(prices))
    connection = open_database(db_path, readonly=True)
    yield connection
    connection.close()


def test_global_row_comes_first_even_without_a_budget(
    conn: sqlite3.Connection,
) -> None:
    rag = Limit("workflow", "rag_answer", "spend_per_day", 8.0)
    statuses = budgets(conn, [rag], NOW)
    assert [(s.scope, s.key, s.budget) for s in statuses] == [
        ("global", "", None),
        ("workflow", "rag_answer", 8.0),
    ]
    total = statuses[0]
    # today: 50 × 0.13 + 20 × 0.0003 = 6.506; last hour: 1.30 + 0.006 = 1.306
    assert total.spent_today == pytest.approx(6.506)
    assert total.unpriced_today == 1
    assert total.rate_per_hour == pytest.approx(1.306)
    assert total.runs_out_ms is None  # no budget to run out of


def test_budget_projection_and_run_out_time(conn: sqlite3.Connection) -> None:
    rag = Limit("workflow", "rag_answer", "spend_per_day", 8.0)
    status = budgets(conn, [rag], NOW)[1]
    assert status.spent_today == pytest.approx(6.5)
    assert status.rate_per_hour == pytest.approx(1.3)
    # 6.50 + 1.30 × 8.5 h = 6.50 + 11.05 = 17.55
    assert status.projected_today == pytest.approx(17.55)
    # (8 − 6.5) / 1.3 h = 1.153846… h = 4,153,846 ms after now (16:39:13.846)
    assert status.runs_out_ms == NOW + 4_153_846
    assert not status.exhausted
    assert status.used_fraction == pytest.approx(6.5 / 8.0)


def test_budget_that_lasts_past_midnight_does_not_run_out(
    conn: sqlite3.Connection,
) -> None:
    total = Limit("global", "", "spend_per_day", 20.0)
    status = budgets(conn, [total], NOW)[0]
    # (20 − 6.506) / 1.306 = 10.33 h > 8.5 h left today
    assert status.budget == 20.0
    assert status.runs_out_ms is None
    assert not status.exhausted


def test_spent_budget_is_exhausted(conn: sqlite3.Connection) -> None:
    small = Limit("workflow", "rag_answer", "spend_per_day", 6.0)
    status = budgets(conn, [small], NOW)[1]
    assert status.exhausted  # 6.50 ≥ 6.00
    assert status.runs_out_ms is None


def test_wildcard_budget_gives_one_row_per_group_with_spend_today(
    conn: sqlite3.Connection,
) -> None:
    every = Limit("workflow", "*", "spend_per_day", 1.0)
    own = Limit("workflow", "rag_answer", "spend_per_day", 10.0)
    statuses = budgets(conn, [every, own], NOW)
    assert [(s.key, s.budget) for s in statuses[1:]] == [
        ("batch_job", 1.0),
        ("chatbot_reply", 1.0),
        ("rag_answer", 10.0),
    ]
    batch = statuses[1]
    assert (batch.spent_today, batch.unpriced_today) == (0.0, 1)
