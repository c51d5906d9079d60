"""The traps other trackers fell into, on the project's own small fixtures."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from llmtop.formats.common import model_fields

FORMATS = "formats"


def _stored_text(rows: list[dict]) -> str:
    return json.dumps(rows, default=str)


def test_streaming_snapshots_keep_the_final_one(fixtures: Path, decode, store) -> None:
    decoded = decode(fixtures / FORMATS / "claude-code-snapshots.jsonl")
    rows = store(decoded.rows)
    by_id = {row["request_id"]: row for row in rows}
    # msg_A is written three times (requestId empty, missing, empty): one row, the
    # final snapshot with 120 output tokens, not 1 + 120 + 120.
    final = by_id["cc:s-1:msg_A"]
    assert final["output_tokens"] == 120
    # 10 uncached + 1000 cache read + 200 cache write = 1210.
    assert final["input_tokens"] == 1210
    assert final["cache_read_tokens"] == 1000
    assert final["cache_write_tokens"] == 200
    assert final["cache_write_1h_tokens"] == 50
    assert final["app"] == "shop"
    assert final["task_id"] == "s-1"
    # The sub-agent call counts, and msg_A of another session is another call.
    assert by_id["cc:s-1:msg_B"]["output_tokens"] == 7
    assert by_id["cc:s-2:msg_A"]["output_tokens"] == 4
    assert len(rows) == 3
    assert "SECRET" not in _stored_text(rows)


def test_codex_repeats_heartbeats_and_fork(fixtures: Path, decode, store) -> None:
    parent = decode(fixtures / FORMATS / "codex-parent.jsonl")
    # Heartbeat (info null) and the repeated total add nothing: 1000, then
    # 2500 - 1000 = 1500.
    assert [row["input_tokens"] for row in parent.rows] == [1000, 1500]
    assert [row["cache_read_tokens"] for row in parent.rows] == [200, 900]
    assert [row["reasoning_tokens"] for row in parent.rows] == [40, 10]
    assert parent.rows[0]["model"] == "gpt-5-codex"
    assert parent.rows[0]["app"] == "api"
    assert parent.rows[0]["task_id"] == "11111111-1111-4111-8111-111111111111"

    fork = decode(fixtures / FORMATS / "codex-fork.jsonl")
    rows = store(fork.rows + parent.rows)
    # The fork replays both parent events, then adds 4000 - 2500 = 1500 of its own:
    # stored input 1000 + 1500 + 1500 = 4000, output 100 + 60 + 100 = 260.
    assert len(rows) == 3
    assert sum(row["input_tokens"] for row in rows) == 4000
    assert sum(row["output_tokens"] for row in rows) == 260
    assert sum(row["cache_read_tokens"] for row in rows) == 2000
    assert "SECRET" not in _stored_text(rows)


def test_codex_state_survives_a_restart(fixtures: Path) -> None:
    from llmtop.pricing import Pricer
    from llmtop.records import RecordDecoder

    lines = (fixtures / FORMATS / "codex-parent.jsonl").read_bytes().splitlines()
    first = RecordDecoder("f", pricer=Pricer())
    for number, line in enumerate(lines[:5], start=1):
        first.decode_line(line, line_no=number, offset=None)
    saved = json.loads(json.dumps(first.state.data))  # as committed with the offset
    resumed = RecordDecoder("f", pricer=Pricer(), state=saved)
    decoded = resumed.decode_line(lines[6], line_no=7, offset=None)
    # 2500 - 1000 = 1500, not the whole total 2500.
    assert [row["input_tokens"] for row in decoded.rows] == [1500]


def test_gemini_thinking_tokens_are_output(fixtures: Path, decode, store) -> None:
    rows = store(decode(fixtures / FORMATS / "gemini-thinking.jsonl").rows)
    first, second = rows
    # candidates 50 + thoughts 30 = 80; prompt 100 (cached 40 inside); total 180
    # is not added again.
    assert (first["input_tokens"], first["output_tokens"]) == (100, 80)
    assert (first["cache_read_tokens"], first["reasoning_tokens"]) == (40, 30)
    assert first["provider"] == "google"
    # r-2 streamed twice: the final chunk kept; input 10 + 5 tool-use = 15,
    # output 20 + 8 = 28.
    assert (second["input_tokens"], second["output_tokens"]) == (15, 28)
    assert "SECRET" not in _stored_text(rows)


def test_batch_lines_of_both_shapes(fixtures: Path, decode) -> None:
    decoded = decode(fixtures / FORMATS / "batch-mixed.jsonl")
    rows = {row["request_id"]: row for row in decoded.rows}
    chat, responses = rows["batch_req_1"], rows["batch_req_2"]
    assert (chat["input_tokens"], chat["cache_read_tokens"], chat["output_tokens"]) == (
        300,
        128,
        40,
    )
    # Responses-shaped usage: never read as 0 tokens.
    assert (responses["input_tokens"], responses["output_tokens"]) == (500, 900)
    assert (responses["cache_read_tokens"], responses["reasoning_tokens"]) == (256, 700)
    assert chat["batch"] == 1 and responses["batch"] == 1
    failed = rows["batch_req_3"]
    assert (failed["status"], failed["error_type"]) == ("error", "rate_limit_exceeded")
    # Anthropic Message Batches: 20 + 80 cache read = 100 input.
    assert rows["batch:claude-1"]["input_tokens"] == 100
    # The line whose usage has no known count is rejected, not stored as 0.
    (reject,) = decoded.rejects
    assert "neither prompt_tokens nor input_tokens" in reject["reason"]
    assert len(decoded.rows) == 4


def test_same_instant_in_every_spelling(fixtures: Path, decode) -> None:
    rows = decode(fixtures / FORMATS / "timestamps.jsonl").rows
    instant = datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc).timestamp()
    # naive (UTC), Z, +01:30 at 11:30, and epoch s, ms, µs, ns of 1740823200.
    assert instant == 1_740_823_200
    assert [row["ts"] for row in rows] == [1_740_823_200_000] * 7
    assert all(row["ts_inferred"] == 0 for row in rows)


def test_anthropic_stream_counts_once_with_both_halves(fixtures: Path, decode) -> None:
    decoded = decode(fixtures / FORMATS / "anthropic-stream.sse.txt")
    (row,) = decoded.rows
    # message_start: 12 + 3000 + 500 = 3512 input; message_delta: 345 output.
    assert (row["input_tokens"], row["output_tokens"]) == (3512, 345)
    assert row["cache_write_1h_tokens"] == 500
    assert row["request_id"] == "msg_S1"
    assert decoded.rejects == []


def test_litellm_json_in_strings_tags_and_fallbacks(fixtures: Path, decode) -> None:
    (row,) = decode(fixtures / FORMATS / "litellm-spend-row.json").rows
    assert row["workflow"] == "rag_answer"
    assert row["app"] == "helpdesk"
    assert row["user_tier"] == "enterprise"
    assert row["retry_count"] == 2
    assert row["fallback_used"] == 1
    assert row["fallback_from"] == "claude-sonnet-4-5"
    assert row["cache_read_tokens"] == 600
    assert row["cost_usd"] == 0.0041 and row["cost_source"] == "reported"
    # 08:00:01.25 - 08:00:00.00 = 1250 ms.
    assert row["latency_ms"] == pytest.approx(1250.0)
    assert row["task_id"] == "conv-7"
    assert "SECRET" not in _stored_text([row])


def test_langfuse_generations_only(fixtures: Path, decode) -> None:
    rows = decode(fixtures / FORMATS / "langfuse-batch.json").rows
    first, second = rows
    # 11:28:54.500-08:00 = 19:28:54.500Z; end 19:28:55.000Z: 500 ms.
    start = datetime(2025, 1, 16, 19, 28, 54, 500000, tzinfo=timezone.utc)
    assert first["ts"] == round(start.timestamp() * 1000)
    assert first["latency_ms"] == 500.0
    assert first["workflow"] == "chatbot_reply"
    assert first["cost_usd"] == 0.002
    # usageDetails parts are disjoint: 100 + 400 cached = 500 in, 20 + 80 = 100 out.
    assert (second["input_tokens"], second["cache_read_tokens"]) == (500, 400)
    assert (second["output_tokens"], second["reasoning_tokens"]) == (100, 80)
    assert len(rows) == 2
    assert "SECRET" not in _stored_text(rows)


@pytest.mark.parametrize(
    ("requested", "answered", "fallback"),
    [
        ("gpt-4o", "gpt-4o-2024-08-06", False),
        ("gpt-4", "gpt-4-0613", False),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022", False),
        ("gemini-2.5-flash", "gemini-2.5-flash-preview-05-20", False),
        ("openai/gpt-4o", "gpt-4o-2024-08-06", False),
        ("gpt-4o", "gpt-4o-mini-2024-07-18", True),
        ("gpt-4.1", "gpt-4", True),
        ("claude-sonnet-4-5", "claude-haiku-4-5-20251001", True),
    ],
)
def test_silent_fallback(requested: str, answered: str, fallback: bool) -> None:
    fields = model_fields(requested, answered)
    assert fields["model"] == answered
    assert fields["requested_model"] == requested
    assert fields.get("fallback_used", False) is fallback
    assert fields.get("fallback_from") == (requested if fallback else None)


def test_claude_code_project_from_the_folder_when_no_cwd() -> None:
    from llmtop.pricing import Pricer
    from llmtop.records import RecordDecoder

    decoder = RecordDecoder(
        "/home/dev/.claude/projects/-home-dev-shop/0b1c.jsonl", pricer=Pricer()
    )
    line = {
        "type": "assistant",
        "sessionId": "s-9",
        "timestamp": "2025-05-01T10:00:00Z",
        "message": {
            "id": "m1",
            "model": "claude-haiku-4-5",
            "usage": {"input_tokens": 2},
        },
    }
    (row,) = decoder.decode_value(line, raw=b"x", line_no=1, offset=0).rows
    assert row["app"] == "-home-dev-shop"
    assert row["request_id"] == "cc:s-9:m1"
