"""Limits over a real database: exactly the breached ones are reported.

The traffic is described in tests/limits/helpers.py, with each cost worked out.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmtop import query
from llmtop.config import load_config
from llmtop.limits import Limit, evaluate, load_limits
from llmtop.store import open_database
from tests.limits.helpers import END, PRICES_TOML, build_database

LIMITS_TOML = """\
[limits.global]
spend_per_day = 5.0

[limits.workflow."*"]
p95_latency_ms = 400
error_rate = 0.05

[limits.workflow.rag_answer]
cost_per_request = 0.2
max_request_cost = 0.13
spend_per_hour = 1.0
p95_latency_ms = 9000
error_rate = 0.2
validation_failure_rate = 0.1

[limits.user_tier.free]
cost_per_request = 0.001
fallback_rate = 0.2

[limits.model.test-small]
p95_latency_ms = 1000
"""

#: (scope, key, measure, actual) of every breach, worked out by hand:
EXPECTED = [
    # today: 50 rag × $0.13 + 20 chat × $0.0003 = 6.50 + 0.006 = $6.506 > $5
    ("global", "", "spend_per_day", 6.506),
    # chatbot p95 is 500 ms (all equal) > 400 from the "*" default
    ("workflow", "chatbot_reply", "p95_latency_ms", 500.0),
    # last hour: 10 rag × $0.13 = $1.30 > $1
    ("workflow", "rag_answer", "spend_per_hour", 1.3),
    # latencies 1,000…10,000: rank 0.95 × 9 = 8.55 → 9,000 + 0.55 × 1,000 = 9,550
    ("workflow", "rag_answer", "p95_latency_ms", 9550.0),
    # 2 fails / (8 passes + 2 fails) = 0.2 > 0.1
    ("workflow", "rag_answer", "validation_failure_rate", 0.2),
    # 5 fallbacks / 20 requests = 0.25 > 0.2
    ("user_tier", "free", "fallback_rate", 0.25),
]
# Kept: rag error rate 1/10 = 0.1 ≤ 0.2 (its own limit hides the "*" 0.05);
# rag cost per request $0.13 ≤ $0.2; its most expensive request $0.13 is not
# strictly above $0.13; free tier $0.0003 ≤ $0.001; test-small p95 500 ≤ 1,000.


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(PRICES_TOML + "\n" + LIMITS_TOML)
    return path


@pytest.fixture
def conn(db_path: Path, config_path: Path) -> Iterator[sqlite3.Connection]:
    build_database(db_path, load_config(config_path))
    connection = open_database(db_path, readonly=True)
    yield connection
    connection.close()


def _window() -> query.Window:
    return query.Window("1h", END + 1 - 3_600_000, END + 1)


def test_exactly_the_breached_limits_are_listed(
    conn: sqlite3.Connection, config_path: Path
) -> None:
    limits = load_limits(load_config(config_path))
    breaches = evaluate(conn, _window(), limits)
    found = [(b.scope, b.key, b.measure, b.actual) for b in breaches]
    assert [f[:3] for f in found] == [e[:3] for e in EXPECTED]
    for (*_, actual), (*_, expected) in zip(found, EXPECTED):
        assert actual == pytest.approx(expected, rel=1e-9)


def test_breach_carries_its_limit_and_a_readable_message(
    conn: sqlite3.Connection, config_path: Path
) -> None:
    limits = load_limits(load_config(config_path))
    breaches = {(b.key, b.measure): b for b in evaluate(conn, _window(), limits)}

    p95 = breaches[("rag_answer", "p95_latency_ms")]
    assert p95.limit == 9000
    assert p95.requests == 10
    assert p95.message == (
        "workflow rag_answer: p95 latency 9,550 ms is over the 9,000 ms limit "
        "(1h, 10 requests)"
    )
    wildcard = breaches[("chatbot_reply", "p95_latency_ms")]
    assert wildcard.rule == "every workflow"
    assert wildcard.message.endswith("[limit for every workflow]")

    day = breaches[("", "spend_per_day")]
    # one unpriced request (batch_job) today, so the spend is a lower bound
    assert day.unpriced == 1
    assert day.message == (
        "global: spend today (UTC) ≥ $6.51 (1 unpriced) is over the $5.00 limit"
    )


def test_nothing_breached_when_limits_are_loose(conn: sqlite3.Connection) -> None:
    limits = [
        Limit("global", "", "spend_per_day", 7.0),
        Limit("workflow", "rag_answer", "p95_latency_ms", 9550.0),
        Limit("workflow", "*", "error_rate", 0.1),
        Limit("user_tier", "free", "fallback_rate", 0.25),
        Limit("model", "test-big", "max_request_cost", 0.13),
    ]
    assert evaluate(conn, _window(), limits) == []


def test_min_requests_keeps_small_samples_from_breaching(
    conn: sqlite3.Connection,
) -> None:
    # rag has 10 requests in the window and an error rate of 0.1 > 0.05
    strict = Limit("workflow", "rag_answer", "error_rate", 0.05, min_requests=10)
    patient = Limit("workflow", "rag_answer", "error_rate", 0.05, min_requests=11)
    assert len(evaluate(conn, _window(), [strict])) == 1
    assert evaluate(conn, _window(), [patient]) == []


def test_group_without_traffic_is_not_breached(conn: sqlite3.Connection) -> None:
    quiet = Limit("workflow", "batch_job", "p95_latency_ms", 1.0)
    # batch_job's only request is at 03:00, outside the last hour
    assert evaluate(conn, _window(), [quiet]) == []
    day = query.Window("24h", END + 1 - 86_400_000, END + 1)
    assert [b.actual for b in evaluate(conn, day, [quiet])] == [2000.0]
