"""The real OpenTelemetry SDK exports to a listening llmtop, configured the way a
user would: only OTEL_EXPORTER_OTLP_ENDPOINT (and, here, the compression)."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.network.helpers import query, wait_for

# 2025-01-01T00:00:00Z in nanoseconds.
START_NS = 1_735_689_600_000_000_000


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_sdk_spans_arrive_as_requests(
    listen, db_path: Path, monkeypatch: pytest.MonkeyPatch, compression: str
) -> None:
    listener = listen()
    host, port = listener.address
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{host}:{port}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", compression)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)

    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(timeout=20)))
    tracer = provider.get_tracer("llmtop-test")

    ok = tracer.start_span(
        "chat gpt-4o-mini",
        kind=SpanKind.CLIENT,
        start_time=START_NS,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 1200,
            "gen_ai.usage.output_tokens": 300,
            "gen_ai.workflow.name": "rag_answer",
        },
    )
    ok.end(end_time=START_NS + 1_250_000_000)
    failed = tracer.start_span(
        "chat claude-sonnet-4",
        kind=SpanKind.CLIENT,
        start_time=START_NS + 2_000_000_000,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "claude-sonnet-4",
            "gen_ai.usage.input_tokens": 80,
            "gen_ai.usage.output_tokens": 0,
            "gen_ai.workflow.name": "agent_step",
            "error.type": "rate_limit",
        },
    )
    failed.set_status(Status(StatusCode.ERROR, "429 Too Many Requests"))
    failed.end(end_time=START_NS + 32_000_000_000)
    with tracer.start_as_current_span("GET /healthz"):
        pass  # an ordinary span: exported too, but not a GenAI request
    assert provider.force_flush(20_000)
    provider.shutdown()

    def request_id(span: object) -> str:
        context = span.get_span_context()  # type: ignore[attr-defined]
        return f"otel:{context.trace_id:032x}:{context.span_id:016x}"

    wait_for(
        lambda: query(db_path, "SELECT count(*) FROM events")[0][0] == 2, "two spans"
    )
    assert query(
        db_path,
        "SELECT request_id, model, provider, input_tokens, output_tokens, workflow,"
        " app, status, error_type, latency_ms, ts FROM events ORDER BY ts",
    ) == [
        # 1.25 s = 1250 ms, starting at 2025-01-01T00:00:00Z.
        (
            request_id(ok),
            "gpt-4o-mini",
            "openai",
            1200,
            300,
            "rag_answer",
            "support-bot",
            "success",
            None,
            1250.0,
            1_735_689_600_000,
        ),
        # 32 s - 2 s = 30 s = 30,000 ms, starting 2 s later.
        (
            request_id(failed),
            "claude-sonnet-4",
            "anthropic",
            80,
            0,
            "agent_step",
            "support-bot",
            "error",
            "rate_limit",
            30_000.0,
            1_735_689_602_000,
        ),
    ]
    # gpt-4o-mini has a list price, so the first request has an estimated cost.
    assert query(db_path, "SELECT cost_source FROM events ORDER BY ts LIMIT 1") == [
        ("estimated",)
    ]
