"""POST /v1/traces and /v1/logs: protobuf and JSON, gzip, answers OTLP expects."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import (
    ResourceSpans,
    ScopeSpans,
    Span,
    Status,
)

from tests.network.helpers import post, query

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
# 2025-01-01T00:00:00Z in nanoseconds; spans last 1.25 s = 1250 ms.
START_NS = 1_735_689_600_000_000_000
END_NS = START_NS + 1_250_000_000
TRACE = bytes(range(1, 17))  # hex 0102…10
COLUMNS = (
    "request_id, model, input_tokens, output_tokens, workflow, app, status, "
    "error_type, latency_ms, ts"
)


def attribute(key: str, value: Any) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def genai_span(span_id: int, *, start: int = START_NS, error: bool = False) -> Span:
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.workflow.name": "rag_answer",
    }
    if error:
        attributes["error.type"] = "rate_limit"
    return Span(
        trace_id=TRACE,
        span_id=span_id.to_bytes(8, "big"),
        name="chat gpt-4o-mini",
        start_time_unix_nano=start,
        end_time_unix_nano=start + (END_NS - START_NS),
        attributes=[attribute(key, value) for key, value in attributes.items()],
        status=Status(code=Status.STATUS_CODE_ERROR if error else 0),
    )


def export(*spans: Span) -> bytes:
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(
                    attributes=[attribute("service.name", "support-bot")]
                ),
                scope_spans=[ScopeSpans(spans=list(spans))],
            )
        ]
    )
    return request.SerializeToString()


def plain_span() -> Span:
    return Span(
        trace_id=TRACE,
        span_id=(99).to_bytes(8, "big"),
        name="GET /health",
        start_time_unix_nano=START_NS,
        end_time_unix_nano=END_NS,
    )


def test_protobuf_spans_become_requests(listen, db_path: Path) -> None:
    listener = listen()
    body = export(genai_span(1), genai_span(2, error=True), plain_span())

    answer = post(listener.address, "/v1/traces", body, PROTOBUF)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/x-protobuf"
    response = ExportTraceServiceResponse.FromString(answer.body)
    assert not response.HasField("partial_success")
    trace_hex = TRACE.hex()
    # The health-check span has no GenAI usage: accepted, not a request.
    assert query(db_path, f"SELECT {COLUMNS} FROM events ORDER BY request_id") == [
        (
            f"otel:{trace_hex}:0000000000000001",
            "gpt-4o-mini",
            120,
            30,
            "rag_answer",
            "support-bot",
            "success",
            None,
            1250.0,
            1_735_689_600_000,
        ),
        (
            f"otel:{trace_hex}:0000000000000002",
            "gpt-4o-mini",
            120,
            30,
            "rag_answer",
            "support-bot",
            "error",
            "rate_limit",
            1250.0,
            1_735_689_600_000,
        ),
    ]


def test_gzip_protobuf_and_a_replay_adds_nothing(listen, db_path: Path) -> None:
    listener = listen()
    body = gzip.compress(export(genai_span(7)))
    headers = {**PROTOBUF, "Content-Encoding": "gzip"}

    first = post(listener.address, "/v1/traces", body, headers)
    replay = post(listener.address, "/v1/traces", body, headers)

    assert (first.status, replay.status) == (200, 200)
    assert query(db_path, "SELECT count(*), sum(input_tokens) FROM events") == [
        (1, 120)
    ]


def test_otlp_json_with_hex_ids_and_string_numbers(listen, db_path: Path) -> None:
    listener = listen()
    body = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "notes"}}
                    ]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "name": "chat claude-sonnet-4",
                                "startTimeUnixNano": str(START_NS),
                                "endTimeUnixNano": str(START_NS + 800_000_000),
                                "attributes": [
                                    {
                                        "key": "gen_ai.request.model",
                                        "value": {"stringValue": "claude-sonnet-4"},
                                    },
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "2048"},
                                    },
                                    {
                                        "key": "gen_ai.usage.output_tokens",
                                        "value": {"intValue": 64},
                                    },
                                ],
                                "status": {"code": 1},
                            }
                        ]
                    }
                ],
            }
        ]
    }

    answer = post(listener.address, "/v1/traces", json.dumps(body).encode(), JSON)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.body) == {}
    # 800,000,000 ns is 800 ms.
    assert query(
        db_path,
        "SELECT request_id, app, input_tokens, output_tokens, latency_ms FROM events",
    ) == [
        (
            "otel:5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174",
            "notes",
            2048,
            64,
            800.0,
        )
    ]


def test_rejected_spans_are_reported_as_partial_success(listen, db_path: Path) -> None:
    listener = listen()
    # Started 5 ms after the epoch: outside 1990..2100, so it cannot be placed.
    body = export(genai_span(1), genai_span(2, start=5_000_000))

    proto = post(listener.address, "/v1/traces", body, PROTOBUF)

    response = ExportTraceServiceResponse.FromString(proto.body)
    assert proto.status == 200
    assert response.partial_success.rejected_spans == 1
    assert "timestamp" in response.partial_success.error_message
    assert query(db_path, "SELECT count(*) FROM events") == [(1,)]
    assert query(db_path, "SELECT count(*) FROM rejects") == [(1,)]


def test_undecodable_bodies_are_400_with_a_status_message(listen) -> None:
    listener = listen()

    proto = post(listener.address, "/v1/traces", b"\xff\xff\xff\xff", PROTOBUF)
    text = post(listener.address, "/v1/logs", b"{not json", JSON)
    array = post(listener.address, "/v1/traces", b"[]", JSON)

    assert proto.status == 400
    status = status_pb2.Status.FromString(proto.body)
    assert status.code == 3  # INVALID_ARGUMENT
    assert "protobuf" in status.message
    assert text.status == 400
    assert json.loads(text.body)["code"] == 3
    assert array.status == 400


def test_other_content_types_are_415(listen) -> None:
    listener = listen()

    answer = post(listener.address, "/v1/traces", b"x", {"Content-Type": "text/plain"})

    assert answer.status == 415


def test_log_records_with_genai_usage_are_stored(listen, db_path: Path) -> None:
    listener = listen()
    body = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "cli"}}
                    ]
                },
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": str(START_NS),
                                "traceId": TRACE.hex(),
                                "spanId": "00000000000000aa",
                                "attributes": [
                                    {
                                        "key": "gen_ai.request.model",
                                        "value": {"stringValue": "gpt-4o"},
                                    },
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "11"},
                                    },
                                    {
                                        "key": "gen_ai.usage.output_tokens",
                                        "value": {"intValue": "22"},
                                    },
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }

    answer = post(listener.address, "/v1/logs", json.dumps(body).encode(), JSON)
    proto_answer = post(
        listener.address,
        "/v1/logs",
        b"",  # an empty protobuf message is a valid, empty export
        PROTOBUF,
    )

    assert answer.status == 200
    assert proto_answer.status == 200
    assert not ExportLogsServiceResponse.FromString(proto_answer.body).HasField(
        "partial_success"
    )
    assert query(
        db_path, "SELECT app, model, input_tokens, output_tokens FROM events"
    ) == [("cli", "gpt-4o", 11, 22)]


def test_the_readme_sample_span_is_stored(
    listen, db_path: Path, fixtures: Path
) -> None:
    listener = listen()
    body = (fixtures / "network" / "genai-span.otlp.json").read_bytes()

    answer = post(listener.address, "/v1/traces", body, JSON)

    assert answer.status == 200
    # 1735689601.84 s - 1735689600 s = 1.84 s = 1840 ms.
    assert query(
        db_path,
        "SELECT request_id, app, workflow, model, input_tokens, output_tokens,"
        " latency_ms, status FROM events",
    ) == [
        (
            "otel:4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7",
            "support-bot",
            "rag_answer",
            "gpt-4o-mini",
            1200,
            300,
            1840.0,
            "success",
        )
    ]
