# ruff: noqa: E501
"""Every sample in ../shared/real-inputs, decoded as the follower reads it, against
values worked out by hand from the file (the arithmetic is in the comments)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

# (file, requests, input, cached, output, reasoning, reported cost, rejects)
# fmt: off
CASES = [
    # Anthropic input = input + cache_read + cache_write: 3 + 9511 + 1956 = 11470.
    ("anthropic-messages/pydantic-ai-test_anthropic_cache_bedrock_real_api-1-http200.json",
     1, 11470, 9511, 44, 0, 0.0, 0),
    # 3 + 1111 + 0 = 1114.
    ("anthropic-messages/pydantic-ai-test_anthropic_cache_real_api-0-http200.json",
     1, 1114, 1111, 406, 0, 0.0, 0),
    # 3 + 1111 + 418 = 1532.
    ("anthropic-messages/pydantic-ai-test_anthropic_cache_real_api-1-http200.json",
     1, 1532, 1111, 33, 0, 0.0, 0),
    ("anthropic-messages/pydantic-ai-test_anthropic_count_tokens_error-0-http404.json",
     0, 0, 0, 0, 0, 0.0, 1),
    ("anthropic-messages/pydantic-ai-test_anthropic_explicit_effort_xhigh_unsupported_model_errors-0-http400.json",
     0, 0, 0, 0, 0, 0.0, 1),
    # message_start: input 92, caches 0; message_delta: output 189 (final).
    ("anthropic-messages/pydantic-ai-test_anthropic_model_thinking_part_redacted_stream-0-http200.sse.txt",
     1, 92, 0, 189, 0, 0.0, 0),
    # (100+25+10) + (200+50+20) + (300+0+40) = 135 + 270 + 340 = 745;
    # cached 10+20+40 = 70; output 50+75+125 = 250; cost .12+.34+.56 = 1.02.
    ("claude-code-transcript/ccusage-project-alpha-chat.jsonl",
     3, 745, 70, 250, 0, 1.02, 0),
    # (50+5+15) + (80+10+25) = 185; cached 15+25 = 40; output 25+35 = 60; .03+.04.
    ("claude-code-transcript/ccusage-project-beta-chat.jsonl",
     2, 185, 40, 60, 0, 0.07, 0),
    # (1000+100+500) + (2000+200+800) = 4600; cached 500+800; output 50+100.
    ("claude-code-transcript/ccusage-test-transcript.jsonl",
     2, 4600, 1300, 150, 0, 0.0, 0),
    # inputs 25+45+78+25+45 = 218, outputs 120+85+95+35+110 = 445.
    ("claude-code-transcript/claude-code-log-representative_messages.jsonl",
     5, 218, 0, 445, 0, 0.0, 0),
    # Codex: totals 1000/250/125/75 then 3500/750/425/275; the deltas sum to the last.
    ("codex-cli-session/ccusage-codex-session-alpha.jsonl",
     2, 3500, 750, 425, 275, 0.0, 0),
    ("codex-cli-session/ccusage-codex-branch-history-parent.jsonl",
     1, 1000, 100, 200, 20, 0.0, 0),
    ("codex-cli-session/ccusage-codex-branch-history-branch.jsonl",
     2, 1600, 300, 450, 40, 0.0, 0),
    # One heartbeat (info null), one total: 34469/3456/431/264.
    ("codex-cli-session/localpush-rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl",
     1, 34469, 3456, 431, 264, 0.0, 0),
    # Eleven token_counts, five of them repeats of the total before: six requests;
    # their deltas add up to the last total 298373/238848/1123/483.
    ("codex-cli-session/localpush-rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl",
     6, 298373, 238848, 1123, 483, 0.0, 0),
    ("langfuse-ingestion/litellm-langfuse_expected_request_body-completion.json",
     1, 10, 0, 20, 0, 5.4999999999999995e-05, 0),
    ("litellm-spend-logs/litellm-gcs_pub_sub-spend_logs_payload.json",
     1, 10, 0, 20, 0, 0.00022500000000000002, 0),
    ("litellm-standard-logging-payload/litellm-gcs_pub_sub-standard_logging_payload.json",
     1, 10, 0, 20, 0, 0.00022500000000000002, 0),
    # 20 + 22 = 42 input, 10 + 10 = 20 output.
    ("openai-batch-output/litellm-test_batch_utils-output.jsonl",
     2, 42, 0, 20, 0, 0.0, 0),
    ("openai-batch-output/openapi-Batch-object-example.json",
     0, 0, 0, 0, 0, 0.0, 1),
    ("openai-chat-completion/openapi-CreateChatCompletionResponse-example.json",
     1, 1117, 0, 46, 0, 0.0, 0),
    ("openai-chat-completion/openapi-chat-completions-example-0.json",
     1, 19, 0, 10, 0, 0.0, 0),
    ("openai-chat-completion/openapi-chat-completions-example-1.json",
     1, 1117, 0, 46, 0, 0.0, 0),
    ("openai-chat-completion/openapi-chat-completions-example-3.json",
     1, 82, 0, 17, 0, 0.0, 0),
    ("openai-chat-completion/openapi-chat-completions-example-4.json",
     1, 9, 0, 9, 0, 0.0, 0),
    ("openai-chat-completion/pydantic-ai-test_max_completion_tokens_o3-mini_-0-http200.json",
     1, 7, 0, 87, 64, 0.0, 0),
    ("openai-chat-completion/pydantic-ai-test_openai_model_thinking_part-1-http200.json",
     1, 577, 0, 2320, 1792, 0.0, 0),
    # Only the last chunk has usage: prompt 53, completion 15.
    ("openai-chat-completion/pydantic-ai-test_openai_o1_mini_system_role_system_-0-http400.json",
     0, 0, 0, 0, 0, 0.0, 1),
    ("openai-chat-completion/pydantic-ai-test_run_stream_sync_streams_real_model-0-http200.sse.txt",
     1, 53, 0, 15, 0, 0.0, 0),
    ("openai-org-usage-api/openapi-UsageCompletionsResult-example.json",
     0, 0, 0, 0, 0, 0.0, 1),
    # The upstream example reports all-zero usage; it is stored as it says.
    ("openai-org-usage-api/openapi-organization-usage-completions-example.json",
     0, 0, 0, 0, 0, 0.0, 1),
    # The docs stream elides events with a literal "..." line: one not-JSON reject.
    ("openai-responses/openapi-ResponseCompletedEvent-example.json",
     1, 0, 0, 0, 0, 0.0, 0),
    ("openai-responses/openapi-responses-example-0.json",
     1, 36, 0, 87, 0, 0.0, 0),
    ("openai-responses/openapi-responses-example-1.json",
     1, 328, 0, 52, 0, 0.0, 0),
    ("openai-responses/openapi-responses-example-2.json",
     1, 8438, 0, 398, 0, 0.0, 0),
    ("openai-responses/openapi-responses-example-3.json",
     1, 328, 0, 356, 0, 0.0, 0),
    # Only response.completed carries usage: 53 in, 469 out of which 448 reasoning.
    ("openai-responses/openapi-responses-example-4.json",
     1, 18307, 0, 348, 0, 0.0, 0),
    ("openai-responses/openapi-responses-example-5-stream.sse.txt",
     1, 37, 0, 11, 0, 0.0, 1),
    ("openai-responses/openapi-responses-example-6.json",
     1, 291, 0, 23, 0, 0.0, 0),
    ("openai-responses/openapi-responses-example-7.json",
     1, 81, 0, 1035, 832, 0.0, 0),
    # 52+47+97 = 196 input, 47+17+52 = 116 output; the tool span adds nothing.
    ("openai-responses/openapi-responses-get-example.json",
     1, 32, 0, 18, 0, 0.0, 0),
    ("openai-responses/pydantic-ai-test_openai_responses_model_http_error-0-http400.json",
     0, 0, 0, 0, 0, 0.0, 1),
    ("openai-responses/pydantic-ai-test_openai_responses_model_web_search_tool-0-http200.json",
     1, 9299, 8448, 577, 512, 0.0, 0),
    ("openai-responses/pydantic-ai-test_openai_responses_model_web_search_tool_without_external_access-0-http200.json",
     1, 8576, 0, 52, 32, 0.0, 0),
    ("openai-responses/pydantic-ai-test_openai_responses_reasoning_effort-0-http200.json",
     1, 88, 0, 547, 128, 0.0, 0),
    ("openai-responses/pydantic-ai-test_openai_responses_streaming_usage-0-http200.sse.txt",
     1, 53, 0, 469, 448, 0.0, 0),
    ("otel-genai-otlp-json/langsmith-collector-proxy-docs-test-trace.json",
     1, 5, 0, 3, 0, 0.0, 0),
    ("otel-genai-otlp-json/opentelemetry-proto-examples-logs.json",
     0, 0, 0, 0, 0, 0.0, 0),
    ("otel-genai-otlp-json/opentelemetry-proto-examples-trace.json",
     0, 0, 0, 0, 0, 0.0, 0),
    ("otel-genai-otlp-json/semconv-examples-llm-calls-as-otlp.json",
     3, 196, 0, 116, 0, 0.0, 0),
]
# fmt: on

# genai-prices' usage datasets carry their own normalised usage per line, an
# oracle computed by another project (e.g. 6 + 20443 + 574 = 21023 for Anthropic).
DATASETS = {
    "anthropic-messages/genai-prices-dataset-anthropic-usage.jsonl": "default",
    "gemini-api-usagemetadata/genai-prices-dataset-gemini-usageMetadata.jsonl": "default",
    "openai-chat-completion/genai-prices-dataset-openai-chat-usage.jsonl": "chat",
    "openai-responses/genai-prices-dataset-openai-responses-usage.jsonl": "responses",
}


#: Files whose check goes through the writer (their duplicates collapse there).
STORED = ("claude-code-transcript/claude-code-log-sidechain_integrated.jsonl",)


@pytest.mark.parametrize(
    (
        "name",
        "requests",
        "tokens_in",
        "cached",
        "tokens_out",
        "reasoning",
        "cost",
        "rejects",
    ),
    CASES,
    ids=[case[0].split("/")[-1][:60] for case in CASES],
)
def test_sample(
    real_inputs: Path,
    decode,
    sums,
    name,
    requests,
    tokens_in,
    cached,
    tokens_out,
    reasoning,
    cost,
    rejects,
) -> None:
    decoded = decode(real_inputs / name)
    assert sums(decoded.rows) == {
        "requests": requests,
        "input": tokens_in,
        "cached": cached,
        "output": tokens_out,
        "reasoning": reasoning,
    }
    reported = [
        row["cost_usd"] for row in decoded.rows if row["cost_source"] == "reported"
    ]
    assert sum(reported) == pytest.approx(cost)
    assert len(decoded.rejects) == rejects


def test_every_sample_file_is_covered(real_inputs: Path) -> None:
    files = {
        str(path.relative_to(real_inputs))
        for path in real_inputs.rglob("*")
        if path.is_file() and path.name != "SOURCE.md"
    }
    covered = {case[0] for case in CASES} | set(DATASETS) | set(STORED)
    assert files - covered == set()


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_genai_prices_datasets_match_their_oracle(
    real_inputs: Path, decode, name
) -> None:
    path = real_inputs / name
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    decoded = decode(path)
    assert len(decoded.rows) == len(lines)
    for row, line in zip(decoded.rows, lines, strict=True):
        (expected,) = [
            item["usage"]
            for item in line["extracted"]
            if item["extractors"][0]["api_flavor"] == DATASETS[name]
        ]
        got = (
            row["input_tokens"],
            row["cache_read_tokens"] or 0,
            row["cache_write_tokens"] or 0,
            row["output_tokens"] or 0,
            row["reasoning_tokens"] or 0,
        )
        assert got == (
            expected.get("input_tokens", 0),
            expected.get("cache_read_tokens", 0),
            expected.get("cache_write_tokens", 0),
            expected.get("output_tokens", 0),
            expected.get("output_reasoning_tokens", 0),
        ), line["body"]["file"]


def test_rejects_say_what_the_input_is(real_inputs: Path, decode) -> None:
    reasons = {
        "openai-batch-output/openapi-Batch-object-example.json": "batch summary",
        "openai-org-usage-api/openapi-organization-usage-completions-example.json": "aggregate usage bucket",
        "anthropic-messages/pydantic-ai-test_anthropic_count_tokens_error-0-http404.json": "API error body",
        "openai-responses/pydantic-ai-test_openai_responses_model_http_error-0-http400.json": "API error body",
    }
    for name, words in reasons.items():
        (reject,) = decode(real_inputs / name).rejects
        assert words in reject["reason"], name


def test_litellm_rows_naive_times_are_utc(real_inputs: Path, decode) -> None:
    for name, request_id in (
        (
            "litellm-spend-logs/litellm-gcs_pub_sub-spend_logs_payload.json",
            "chatcmpl-2283081b-dc89-41f6-93e6-d4f914774027",
        ),
        (
            "litellm-standard-logging-payload/litellm-gcs_pub_sub-standard_logging_payload.json",
            "chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f",
        ),
    ):
        (row,) = decode(real_inputs / name).rows
        start = datetime(2025, 1, 24, 9, 20, 46, 847371, tzinfo=timezone.utc)
        assert row["ts"] == round(start.timestamp() * 1000)
        # 46.851954 s - 46.847371 s = 4.583 ms.
        assert row["latency_ms"] == pytest.approx(4.583)
        assert row["request_id"] == request_id
        assert row["provider"] == "openai"
        assert "Hello, world" not in json.dumps(row)


def test_langfuse_mixed_zones(real_inputs: Path, decode) -> None:
    (row,) = decode(
        real_inputs
        / "langfuse-ingestion/litellm-langfuse_expected_request_body-completion.json"
    ).rows
    # 11:28:54.796360-08:00 is 19:28:54.796360Z.
    start = datetime(2025, 1, 16, 19, 28, 54, 796360, tzinfo=timezone.utc)
    assert row["ts"] == round(start.timestamp() * 1000)
    # 11:28:55.124353 - 11:28:54.796360 at the same offset: 55124 - 54796 = 328 ms.
    assert row["latency_ms"] == 328.0
    assert row["model"] == "gpt-3.5-turbo"


def test_claude_code_sidechain_call_stored_once(
    real_inputs: Path, decode, store
) -> None:
    decoded = decode(
        real_inputs
        / "claude-code-transcript/claude-code-log-sidechain_integrated.jsonl"
    )
    rows = store(decoded.rows)
    # Lines 3 and 4 are one call (same message id): three calls, one a sub-agent's.
    # input (3+141272+0) + (3+19830+0) + (3+2952+141272) = 141275 + 19833 + 144227.
    assert len(rows) == 3
    assert sum(row["input_tokens"] for row in rows) == 305335
    assert sum(row["cache_read_tokens"] for row in rows) == 141272
    assert sum(row["output_tokens"] for row in rows) == 365 + 183 + 190
    assert {row["app"] for row in rows} == {"claude-code-log"}
    assert {row["workflow"] for row in rows} == {"coding_assist"}
    assert {row["task_id"] for row in rows} == {"88a8d761-7b9a-4bf1-a8ca-c1febe6bf358"}
    assert sum('"sidechain": true' in (row["extra"] or "") for row in rows) == 1


def test_codex_branch_replay_adds_nothing(real_inputs: Path, decode, store) -> None:
    folder = real_inputs / "codex-cli-session"
    rows = store(
        decode(folder / "ccusage-codex-branch-history-parent.jsonl").rows
        + decode(folder / "ccusage-codex-branch-history-branch.jsonl").rows
    )
    # Parent 1000 in; the branch replays it, then adds 1600 - 1000 = 600: 1600 total,
    # not 1000 + 1600.
    assert len(rows) == 2
    assert sum(row["input_tokens"] for row in rows) == 1600
    assert sum(row["output_tokens"] for row in rows) == 450
