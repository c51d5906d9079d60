"""OpenTelemetry GenAI spans and logs: the real samples and the traps."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from llmtop.formats import detect
from llmtop.formats.otlp import parse_otlp_export

OTEL = "otel-genai-otlp-json"


def test_semconv_example_spans(real_inputs: Path, decode, sums) -> None:
    decoded = decode(real_inputs / OTEL / "semconv-examples-llm-calls-as-otlp.json")
    # Four spans; the execute_tool span carries no usage and adds nothing.
    # input 52 + 47 + 97 = 196, output 47 + 17 + 52 = 116.
    assert sums(decoded.rows) == {
        "requests": 3,
        "input": 196,
        "cached": 0,
        "output": 116,
        "reasoning": 0,
    }
    assert decoded.rejects == []
    first = decoded.rows[0]
    # 1735689601.84 s - 1735689600.0 s = 1840 ms.
    assert first["latency_ms"] == 1840.0
    assert first["ts"] == 1_735_689_600_000
    assert first["app"] == "semconv-example"
    assert first["task_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert (
        first["request_id"] == "otel:4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7"
    )
    # gpt-4 answered as its snapshot gpt-4-0613 is not a fallback.
    assert first["model"] == "gpt-4-0613"
    assert first["requested_model"] == "gpt-4"
    assert first["fallback_used"] == 0
    assert first["provider"] == "openai"
    assert {row["cost_source"] for row in decoded.rows} != {"reported"}


def test_langsmith_base64_ids_and_bare_number_times(
    real_inputs: Path, decode, sums
) -> None:
    decoded = decode(
        real_inputs / OTEL / "langsmith-collector-proxy-docs-test-trace.json"
    )
    assert sums(decoded.rows) == {
        "requests": 1,
        "input": 5,
        "cached": 0,
        "output": 3,
        "reasoning": 0,
    }
    row = decoded.rows[0]
    # base64 "0tEqJwCpvU0=" is bytes d2 d1 2a 27 00 a9 bd 4d.
    assert row["request_id"].endswith(":d2d12a2700a9bd4d")
    assert row["task_id"] == base64.b64decode("T6nh/mMkIONaoHewS9UWIw==").hex()
    # 1747675156185223936 - 1747675155185223936 ns = 1e9 ns = 1000 ms.
    assert row["latency_ms"] == 1000.0
    # The prompt and completion attributes are content: never stored.
    assert "Hello, world" not in json.dumps(row)
    assert "Hi there" not in json.dumps(row)


def test_proto_examples_without_genai_add_nothing(real_inputs: Path, decode) -> None:
    for name in (
        "opentelemetry-proto-examples-trace.json",
        "opentelemetry-proto-examples-logs.json",
    ):
        decoded = decode(real_inputs / OTEL / name)
        assert decoded.rows == []
        assert decoded.rejects == []
        assert decoded.skipped == 1


def _span(**attrs: object) -> dict:
    values = []
    for key, value in attrs.items():
        name = key.replace("__", ".")
        if isinstance(value, bool):
            typed = {"boolValue": value}
        elif isinstance(value, int):
            typed = {"intValue": str(value)}
        elif isinstance(value, float):
            typed = {"doubleValue": value}
        else:
            typed = {"stringValue": value}
        values.append({"key": name, "value": typed})
    return {
        "traceId": "0AF7651916CD43DD8448EB211C80319C",
        "spanId": "B7AD6B7169203331",
        "name": "chat",
        "startTimeUnixNano": "1735689600000000000",
        "endTimeUnixNano": "1735689600250000000",
        "attributes": values,
    }


def _export(*spans: dict, service: str = "shop") -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": service}}
                    ]
                },
                "scopeSpans": [{"scope": {"name": "x"}, "spans": list(spans)}],
            }
        ]
    }


def test_every_attribute_family() -> None:
    semconv = _span(
        gen_ai__operation__name="chat",
        gen_ai__provider__name="anthropic",
        gen_ai__request__model="claude-sonnet-4-5",
        gen_ai__response__model="claude-haiku-4-5",
        gen_ai__usage__input_tokens=1200,
        gen_ai__usage__output_tokens=300,
        gen_ai__usage__cache_read__input_tokens=1000,
        gen_ai__usage__cache_creation__input_tokens=100,
        gen_ai__usage__reasoning__output_tokens=120,
        gen_ai__workflow__name="rag_answer",
        gen_ai__usage__cost=0.0123,
    )
    older = _span(
        gen_ai__system="openai",
        gen_ai__request__model="gpt-4o",
        gen_ai__usage__prompt_tokens=40,
        gen_ai__usage__completion_tokens=9,
    )
    older["spanId"] = "B7AD6B7169203332"
    openinference = _span(
        llm__model_name="gpt-4o-mini",
        llm__token_count__prompt=11,
        llm__token_count__completion=4,
        llm__token_count__total=15,
        llm__cost__total=0.5,
    )
    openinference["spanId"] = "B7AD6B7169203333"
    failed = _span(
        gen_ai__request__model="gpt-4o",
        gen_ai__usage__input_tokens=7,
        error__type="rate_limit",
    )
    failed["spanId"] = "B7AD6B7169203334"
    failed["status"] = {"code": 2, "message": "429"}
    rows = parse_otlp_export(_export(semconv, older, openinference, failed))

    assert len(rows) == 4
    first = rows[0]
    assert first["input_tokens"] == 1200
    assert first["cache_read_tokens"] == 1000
    assert first["cache_write_tokens"] == 100
    assert first["reasoning_tokens"] == 120
    assert first["estimated_cost_usd"] == 0.0123
    assert first["workflow"] == "rag_answer"
    assert first["app"] == "shop"
    # sonnet asked, haiku answered: another model, a silent fallback.
    assert first["fallback_used"] is True
    assert first["fallback_from"] == "claude-sonnet-4-5"
    assert first["model"] == "claude-haiku-4-5"
    # 1735689600.25 s - 1735689600.0 s = 250 ms.
    assert first["latency_ms"] == 250.0
    assert (
        first["request_id"] == "otel:0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331"
    )

    assert (rows[1]["input_tokens"], rows[1]["output_tokens"]) == (40, 9)
    assert rows[1]["provider"] == "openai"
    assert (rows[2]["input_tokens"], rows[2]["output_tokens"]) == (11, 4)
    assert rows[2]["model"] == "gpt-4o-mini"
    assert rows[2]["estimated_cost_usd"] == 0.5
    assert rows[3]["status"] == "error"
    assert rows[3]["error_type"] == "rate_limit"


def test_agent_spans_do_not_double_count_their_children() -> None:
    agent = _span(
        gen_ai__operation__name="invoke_agent",
        gen_ai__usage__input_tokens=500,
        gen_ai__usage__output_tokens=50,
    )
    child = _span(gen_ai__usage__input_tokens=500, gen_ai__usage__output_tokens=50)
    child["spanId"] = "00000000000000aa"
    rows = parse_otlp_export(_export(agent, child))
    assert [row["request_id"][-16:] for row in rows] == ["00000000000000aa"]


def test_message_to_dict_of_a_protobuf_request() -> None:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    attr = resource_spans.resource.attributes.add()
    attr.key, attr.value.string_value = "service.name", "billing"
    span = resource_spans.scope_spans.add().spans.add()
    span.trace_id = bytes(range(16))
    span.span_id = bytes(range(8, 16))
    span.start_time_unix_nano = 1_735_689_600_000_000_000
    span.end_time_unix_nano = 1_735_689_600_400_000_000
    span.status.code = 2
    for key, count in (
        ("gen_ai.usage.input_tokens", 21),
        ("gen_ai.usage.output_tokens", 8),
    ):
        item = span.attributes.add()
        item.key, item.value.int_value = key, count
    model = span.attributes.add()
    model.key, model.value.string_value = "gen_ai.request.model", "gpt-4o"

    for body in (
        MessageToDict(request),
        MessageToDict(request, preserving_proto_field_name=True),
    ):
        assert detect(body) is not None and detect(body).name == "otlp"
        (row,) = parse_otlp_export(body)
        # int64 came as strings, ids as base64: bytes 0..15 and 8..15 in hex.
        assert row["input_tokens"] == 21 and row["output_tokens"] == 8
        assert row["task_id"] == "000102030405060708090a0b0c0d0e0f"
        assert (
            row["request_id"]
            == "otel:000102030405060708090a0b0c0d0e0f:08090a0b0c0d0e0f"
        )
        assert row["status"] == "error"  # STATUS_CODE_ERROR as an enum name
        assert row["latency_ms"] == 400.0
        assert row["app"] == "billing"


def test_log_records_with_genai_attributes() -> None:
    export = {
        "resourceLogs": [
            {
                "resource": {"attributes": []},
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": 1735689600123000000,
                                "spanId": "b7ad6b7169203331",
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "body": {"stringValue": "secret prompt"},
                                "attributes": [
                                    {
                                        "key": "gen_ai.request.model",
                                        "value": {"stringValue": "gpt-4o"},
                                    },
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": 3},
                                    },
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    (row,) = parse_otlp_export(export)
    assert row["timestamp"] == 1_735_689_600_123
    assert row["input_tokens"] == 3
    assert "secret prompt" not in json.dumps(row)


def test_failed_model_call_without_usage_is_an_error_request() -> None:
    failed = _span(gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o")
    failed["status"] = {"code": "STATUS_CODE_ERROR"}
    tool = _span(gen_ai__operation__name="execute_tool", error__type="ValueError")
    tool["spanId"] = "00000000000000bb"
    plain = _span(http__method="GET")
    plain["spanId"] = "00000000000000cc"
    plain["status"] = {"code": 2}
    (row,) = parse_otlp_export(_export(failed, tool, plain))
    assert row["status"] == "error"
    assert row["model"] == "gpt-4o"
    assert "input_tokens" not in row


def test_timeout_error_type_counts_as_a_timeout() -> None:
    timed_out = _span(
        gen_ai__operation__name="chat",
        gen_ai__request__model="gpt-4o",
        error__type="timeout",
    )
    timed_out["status"] = {"code": 2}
    (row,) = parse_otlp_export(_export(timed_out))
    assert (row["status"], row["error_type"]) == ("timeout", "timeout")
