"""The event model: aliases, timestamps, per-field problems, content dropped."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from llmtop.event import RecordRejected, build_event, infer_provider, parse_timestamp

NOW = 1_800_000_000_000
# 2026-12-04T10:00:00Z, worked out with datetime in the test, not by llmtop.
INSTANT_MS = int(datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc).timestamp() * 1000)


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-04T10:00:00Z",
        "2026-12-04T10:00:00+00:00",
        "2026-12-04T11:00:00+01:00",
        "2026-12-04T02:00:00-08:00",
        "2026-12-04T10:00:00",  # no zone: UTC by rule
        "2026-12-04 10:00:00.000000",
        INSTANT_MS // 1000,  # seconds
        INSTANT_MS,  # milliseconds
        INSTANT_MS * 1000,  # microseconds
        INSTANT_MS * 1_000_000,  # nanoseconds
        str(INSTANT_MS // 1000),
    ],
)
def test_timestamps_in_every_spelling_mean_the_same_instant(value: object) -> None:
    assert parse_timestamp(value) == INSTANT_MS


def test_nanosecond_fraction_is_cut_not_rejected() -> None:
    assert parse_timestamp("2026-12-04T10:00:00.123456789Z") == INSTANT_MS + 123


@pytest.mark.parametrize(
    "value", ["yesterday", "", 12, -5, float("nan"), "1850-01-01T00:00:00Z", True, []]
)
def test_unusable_timestamps_reject_the_record(value: object) -> None:
    with pytest.raises(RecordRejected, match="timestamp"):
        build_event({"timestamp": value, "model": "gpt-4o"}, now_ms=NOW)


def test_missing_timestamp_uses_ingest_time_and_says_so() -> None:
    event = build_event({"model": "gpt-4o"}, now_ms=NOW)
    assert event.ts_ms == NOW
    assert event.ts_inferred is True


def test_aliases_map_onto_native_fields() -> None:
    event = build_event(
        {
            "ts": "2026-12-04T10:00:00Z",
            "prompt_tokens": 120,
            "completion_tokens": 30,
            "duration_ms": 812.5,
            "cost": 0.0042,
            "conversation_id": "conv-1",
            "Model": "claude-sonnet-4-5",
        },
        now_ms=NOW,
    )
    assert (event.input_tokens, event.output_tokens) == (120, 30)
    assert event.latency_ms == 812.5
    assert event.estimated_cost_usd == 0.0042
    assert event.task_id == "conv-1"
    assert event.provider == "anthropic"


def test_bad_optional_field_is_emptied_and_flagged_not_fatal() -> None:
    event = build_event(
        {
            "timestamp": INSTANT_MS,
            "model": "gpt-4o",
            "latency_ms": -3,
            "input_tokens": "many",
            "output_tokens": 1.5,
            "retry_count": float("inf"),
            "fallback_used": "perhaps",
        },
        now_ms=NOW,
    )
    assert event.latency_ms is None and event.input_tokens is None
    assert event.output_tokens is None
    assert event.retry_count == 0
    assert event.fallback_used is False
    problems = {flag.split(":")[0] for flag in event.flags}
    assert problems == {
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "retry_count",
        "fallback_used",
    }
    assert any("negative" in flag for flag in event.flags)


def test_negative_reported_cost_is_dropped_with_a_reason() -> None:
    event = build_event({"timestamp": INSTANT_MS, "cost_usd": -0.5}, now_ms=NOW)
    assert event.estimated_cost_usd is None
    assert event.flags == ["estimated_cost_usd: -0.5 is negative"]


def test_content_fields_are_never_kept() -> None:
    event = build_event(
        {
            "timestamp": INSTANT_MS,
            "prompt": "my secret prompt",
            "messages": [{"role": "user", "content": "hi"}],
            "completion": "an answer",
            "customer": "acme",
        },
        now_ms=NOW,
    )
    dumped = event.model_dump_json()
    assert "secret" not in dumped and "an answer" not in dumped
    assert event.extra == {"customer": "acme"}


@pytest.mark.parametrize(
    ("status", "error_type", "expected"),
    [
        ("OK", None, "success"),
        ("Error", None, "error"),
        ("TIMEOUT", None, "timeout"),
        ("200", None, "success"),
        ("503", None, "error"),
        (None, "timeout", "timeout"),
        (None, "rate_limit", "error"),
        (None, None, "success"),
    ],
)
def test_status_is_normalised(
    status: str | None, error_type: str | None, expected: str
) -> None:
    record = {"timestamp": INSTANT_MS, "status": status, "error_type": error_type}
    assert build_event(record, now_ms=NOW).status == expected


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("gpt-4o-mini", "openai"),
        ("claude-haiku-4-5", "anthropic"),
        ("gemini-2.5-pro", "google"),
        ("deepseek-chat", "deepseek"),
        ("qwen3-max", "alibaba"),
        ("kimi-k2", "moonshotai"),
        ("glm-4.6", "zhipuai"),
        ("openrouter/some-model", "openrouter"),
        ("mystery", None),
    ],
)
def test_provider_is_inferred_from_the_model(model: str, provider: str | None) -> None:
    assert infer_provider(model) == provider


def test_validation_words_fold_to_pass_or_fail() -> None:
    passed = build_event({"timestamp": INSTANT_MS, "validation": "valid"}, now_ms=NOW)
    failed = build_event({"timestamp": INSTANT_MS, "validation": "FAILED"}, now_ms=NOW)
    odd = build_event({"timestamp": INSTANT_MS, "validation": "maybe"}, now_ms=NOW)
    assert (passed.validation, failed.validation, odd.validation) == (
        "pass",
        "fail",
        None,
    )
    assert odd.flags


def test_a_non_object_is_rejected() -> None:
    with pytest.raises(RecordRejected, match="expected a JSON object"):
        build_event([1, 2], now_ms=NOW)  # type: ignore[arg-type]


def test_unknown_text_is_kept_only_under_a_metadata_name() -> None:
    event = build_event(
        {
            "timestamp": INSTANT_MS,
            "question": "SECRET-A",
            "answer": "SECRET-B",
            "query": "SECRET-C",
            "user_message": "SECRET-D",
            "tool_args": "SECRET-E",
            "free_text_note": "SECRET-F",
            "customer_id": "c-42",
            "deployment": "eu-1",
            "attempt": 2,
        },
        now_ms=NOW,
    )
    assert "SECRET" not in event.model_dump_json()
    assert event.extra == {"customer_id": "c-42", "deployment": "eu-1", "attempt": 2}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("input_tokens", 2**63),  # past SQLite's 64-bit integers
        ("output_tokens", 9_007_199_254_740_993),
        ("latency_ms", 1e300),
        ("cost_usd", 1e308),
        ("retry_count", 10**9),
    ],
)
def test_implausible_numbers_are_dropped_and_flagged(field: str, value: float) -> None:
    event = build_event({"timestamp": INSTANT_MS, field: value}, now_ms=NOW)
    (flag,) = event.flags
    assert "implausibly large" in flag
    dumped = event.model_dump()
    assert all(
        dumped[name] in (None, 0)
        for name in (
            "input_tokens",
            "output_tokens",
            "latency_ms",
            "estimated_cost_usd",
            "retry_count",
        )
    )


def test_a_timestamp_far_in_the_future_is_kept_and_flagged() -> None:
    # NOW + 3 days: 72 hours ahead of the time it was read
    event = build_event({"timestamp": NOW + 3 * 86_400_000}, now_ms=NOW)
    assert event.ts_ms == NOW + 3 * 86_400_000
    assert event.flags == ["timestamp: 72 h after it was read"]
