"""What the views read: windows, totals, breakdowns and failing routes."""

from __future__ import annotations

import random
import statistics
from pathlib import Path

import pytest

from llmtop import query
from tests.store.helpers import write_records

T0 = 1_796_378_400_000  # 2026-12-04T10:00:00Z
HOUR = 3_600_000


def _inclusive(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _fixture(path: Path) -> tuple[object, list[dict]]:
    rng = random.Random(3)
    records = []
    for i in range(300):
        workflow = ["chat", "rag", "extract"][i % 3]
        records.append(
            {
                "request_id": f"q{i}",
                "timestamp": T0 + i * 10_000,  # one every 10 s over 50 minutes
                "workflow": workflow,
                "model": ["gpt-4o", "claude-haiku-4-5"][i % 2],
                "route": f"{workflow}/primary",
                "task_id": f"{workflow}-{i // 6}",
                "status": "timeout"
                if i % 20 == 0
                else ("error" if i % 7 == 0 else "success"),
                "error_type": "rate_limit" if i % 7 == 0 and i % 20 else None,
                "latency_ms": round(rng.lognormvariate(6, 0.8), 3),
                "estimated_cost_usd": 0.002 * (1 + i % 4),
                "fallback_used": i % 11 == 0,
                "validation": ("fail" if i % 9 == 0 else "pass")
                if workflow == "extract"
                else None,
                "retry_count": i % 3,
            }
        )
    conn, _ = write_records(path, records)
    return conn, records


def test_window_clamps_to_newest_record_when_data_is_old(db_path: Path) -> None:
    conn, _records = _fixture(db_path)
    newest = T0 + 299 * 10_000
    window = query.resolve_window(conn, "5m", now=newest + 10 * HOUR)
    assert window.clamped is True
    assert (window.start_ms, window.end_ms) == (newest + 1 - 300_000, newest + 1)
    live = query.resolve_window(conn, "1h", now=newest + 60_000)
    assert live.clamped is False and live.end_ms == newest + 60_000


def test_exact_summary_matches_hand_computed_values(db_path: Path) -> None:
    conn, records = _fixture(db_path)
    window = query.resolve_window(conn, "all", now=T0 + 2 * HOUR)
    total = query.summary(conn, window)
    latencies = [r["latency_ms"] for r in records]
    assert total.requests == 300
    assert total.spend == pytest.approx(sum(r["estimated_cost_usd"] for r in records))
    assert total.p50 == pytest.approx(_inclusive(latencies, 50))
    assert total.p95 == pytest.approx(_inclusive(latencies, 95))
    failures = [r for r in records if r["status"] != "success"]
    assert total.error_rate == pytest.approx(len(failures) / 300)
    timeouts = [r for r in records if r["status"] == "timeout"]
    assert total.timeout_rate == pytest.approx(len(timeouts) / 300)  # 15 / 300
    assert total.fallback_rate == pytest.approx(
        sum(r["fallback_used"] for r in records) / 300
    )
    judged = [r for r in records if r["validation"]]
    fails = [r for r in judged if r["validation"] == "fail"]
    assert total.validation_failure_rate == pytest.approx(len(fails) / len(judged))
    assert total.tasks == len({r["task_id"] for r in records})


def test_breakdown_by_workflow_and_cost_per_task(db_path: Path) -> None:
    conn, records = _fixture(db_path)
    window = query.resolve_window(conn, "all", now=T0 + 2 * HOUR)
    groups = {g.key: g for g in query.breakdown(conn, window, "workflow")}
    assert set(groups) == {"chat", "rag", "extract"}
    for name, group in groups.items():
        mine = [r for r in records if r["workflow"] == name]
        spend = sum(r["estimated_cost_usd"] for r in mine)
        tasks = len({r["task_id"] for r in mine})
        assert group.requests == len(mine) == 100
        assert group.cost_per_task == pytest.approx(spend / tasks)
        assert group.p95 == pytest.approx(
            _inclusive([r["latency_ms"] for r in mine], 95)
        )


def test_rollup_path_agrees_with_exact_path(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn, _records = _fixture(db_path)
    window = query.resolve_window(conn, "all", now=T0 + 2 * HOUR)
    exact = {g.key: g for g in query.breakdown(conn, window, "workflow")}
    monkeypatch.setattr(query, "EXACT_LIMIT", 0)
    rolled = {g.key: g for g in query.breakdown(conn, window, "workflow")}
    for key, group in exact.items():
        other = rolled[key]
        assert other.exact is False
        assert (other.requests, other.errors, other.timeouts, other.fallbacks) == (
            group.requests,
            group.errors,
            group.timeouts,
            group.fallbacks,
        )
        assert other.spend == pytest.approx(group.spend)
        assert other.tasks == group.tasks
        assert other.p95 == pytest.approx(group.p95, rel=0.01)


def test_failing_routes_rank_route_model_pairs(db_path: Path) -> None:
    conn, records = _fixture(db_path)
    window = query.resolve_window(conn, "all", now=T0 + 2 * HOUR)
    found = query.failing_routes(conn, window, limit=20)
    expected: dict[tuple[str, str], int] = {}
    for r in records:
        bad = (r["status"] != "success") + bool(r["fallback_used"])
        key = (r["route"], r["model"])
        expected[key] = expected.get(key, 0) + bad
    assert {(f.route, f.model): f.failures for f in found} == {
        key: count for key, count in expected.items() if count
    }
    assert found[0].failures == max(expected.values())
    rate_limited = sum(1 for r in records if r["error_type"] == "rate_limit")
    assert sum(f.error_types.get("rate_limit", 0) for f in found) == rate_limited


def test_workflow_filter_narrows_everything(db_path: Path) -> None:
    conn, _records = _fixture(db_path)
    window = query.resolve_window(conn, "all", now=T0 + 2 * HOUR)
    assert query.summary(conn, window, "rag").requests == 100
    assert {r["workflow"] for r in query.recent(conn, "rag", limit=500)} == {"rag"}
    assert all(
        f.route.startswith("rag/")
        for f in query.failing_routes(conn, window, "rag", limit=20)
    )


def test_recent_and_detail(db_path: Path) -> None:
    conn, _records = _fixture(db_path)
    newest = query.recent(conn, limit=2)
    assert [row["ts"] for row in newest] == [T0 + 299 * 10_000, T0 + 298 * 10_000]
    detail = query.request_detail(conn, newest[0]["id"])
    assert detail is not None and detail["request_id"] == "q299"
    assert detail["source"] == "test.jsonl" and detail["source_line"] == 300


def test_a_fallback_counts_against_the_model_that_failed(db_path: Path) -> None:
    records = [
        {
            "request_id": "f1",
            "timestamp": T0,
            "route": "rag/primary",
            "model": "gpt-4.1",
            "fallback_used": True,
            "fallback_from": "deepseek-chat",
        },
        {
            "request_id": "f2",
            "timestamp": T0 + 1000,
            "route": "rag/primary",
            "model": "deepseek-chat",
            "status": "error",
            "error_type": "overloaded",
        },
        {
            "request_id": "f3",
            "timestamp": T0 + 2000,
            "route": "rag/primary",
            "model": "gpt-4.1",
        },
    ]
    conn, _ = write_records(db_path, records)
    window = query.resolve_window(conn, "all", now=T0 + HOUR)
    (only,) = query.failing_routes(conn, window)
    # f1 fell back from deepseek-chat and f2 failed on it: two failures there;
    # gpt-4.1 served f1 and f3 without failing, so it is not listed.
    assert (only.route, only.model) == ("rag/primary", "deepseek-chat")
    assert (only.requests, only.errors, only.fallbacks) == (2, 1, 1)
    assert only.error_types == {"overloaded": 1}
    by_route = {g.key for g in query.breakdown(conn, window, "route")}
    assert by_route == {"rag/primary\x1fdeepseek-chat", "rag/primary\x1fgpt-4.1"}


def test_rollups_count_only_the_part_of_the_first_minute_in_the_window(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn, records = _fixture(db_path)
    now = T0 + 30 * 60_000 + 25_000  # the 5m window starts 25 s into a minute
    window = query.resolve_window(conn, "5m", now=now)
    inside = [r for r in records if window.start_ms <= r["timestamp"] < now]
    exact_routes = {(f.route, f.model): f for f in query.failing_routes(conn, window)}
    monkeypatch.setattr(query, "EXACT_LIMIT", 0)
    rolled = query.summary(conn, window)
    assert rolled.exact is False
    # by hand: one record every 10 s over [T0+25m25s, T0+30m25s) is 30 records
    assert rolled.requests == len(inside) == 30
    assert rolled.spend == pytest.approx(sum(r["estimated_cost_usd"] for r in inside))
    assert rolled.errors == sum(r["status"] != "success" for r in inside)
    routes = {(f.route, f.model): f for f in query.failing_routes(conn, window)}
    assert {k: (f.requests, f.failures) for k, f in routes.items()} == {
        k: (f.requests, f.failures) for k, f in exact_routes.items()
    }


def test_a_group_with_nothing_priced_has_no_cost_per_task(db_path: Path) -> None:
    records = [
        {
            "request_id": f"u{i}",
            "timestamp": T0 + i,
            "workflow": "w",
            "model": "mystery-model",
            "task_id": "t1",
            "input_tokens": 10,
        }
        for i in range(3)
    ]
    conn, _ = write_records(db_path, records)
    (group,) = query.breakdown(conn, query.resolve_window(conn, "all", now=T0 + HOUR))
    assert (group.unpriced, group.cost_per_request, group.cost_per_task) == (
        3,
        None,
        None,
    )


def test_a_small_workflow_has_the_same_p95_in_the_table_and_its_header(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn, records = _fixture(db_path)
    window = query.resolve_window(conn, "all", now=T0 + 2 * HOUR)
    monkeypatch.setattr(query, "EXACT_LIMIT", 150)  # 300 in all, 100 per workflow
    rows = {g.key: g for g in query.breakdown(conn, window, "workflow")}
    header = query.summary(conn, window, "rag")
    assert rows["rag"].exact is False and header.exact is True
    expected = _inclusive(
        [r["latency_ms"] for r in records if r["workflow"] == "rag"], 95
    )
    assert rows["rag"].p95 == pytest.approx(expected) == header.p95
