"""OpenTelemetry GenAI spans and log records, as OTLP/JSON exports.

Reads both spellings of an export: OTLP/JSON as the spec writes it (camelCase,
hex ids, int64 as strings or bare numbers) and protobuf's own JSON mapping
(`MessageToDict`: base64 ids, enum names, and snake_case keys when field names
are preserved). Each span or log record that carries GenAI usage becomes one
request; spans without usage (tool calls, HTTP spans, plain app spans) add
nothing, unless they are model calls that failed before any usage came back
(those are requests, with status error). Agent spans (`invoke_agent`,
`create_agent`) are skipped even when they carry usage, because
instrumentations put the sum of their child model calls there, and counting
both would double the spend.

The attribute names read are the semantic conventions' current ones, the older
`gen_ai.usage.prompt_tokens`/`completion_tokens` and `gen_ai.system`,
OpenInference's `llm.*`, OpenLLMetry's `llm.usage.*`, and the cost attributes
that OpenLIT and others add (kept as a reported cost).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from llmtop.formats.base import AdapterState
from llmtop.formats.common import (
    as_float,
    as_int,
    id_hex,
    model_fields,
    ns_to_ms,
    prune,
)

_INPUT = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "llm.usage.prompt_tokens",
)
_OUTPUT = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "llm.usage.completion_tokens",
)
_CACHE_READ = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
    "llm.usage.cache_read_input_tokens",
)
_CACHE_WRITE = (
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "llm.token_count.prompt_details.cache_write",
    "llm.usage.cache_creation_input_tokens",
)
_REASONING = (
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.completion_details.reasoning",
    "llm.usage.reasoning_tokens",
)
_TOTAL = (
    "llm.token_count.total",
    "llm.usage.total_tokens",
    "gen_ai.usage.total_tokens",
)
_COST = (
    "gen_ai.usage.cost",
    "gen_ai.usage.total_cost",
    "gen_ai.cost.total",
    "llm.cost.total",
    "llm.usage.total_cost",
    "llm.usage.cost",
)
_REQUEST_MODEL = ("gen_ai.request.model", "llm.request.model")
_RESPONSE_MODEL = ("gen_ai.response.model", "llm.response.model", "llm.model_name")
_PROVIDER = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
_WORKFLOW = ("gen_ai.workflow.name", "traceloop.workflow.name")
_TASK = ("gen_ai.conversation.id", "session.id")
_AGENT_OPERATIONS = frozenset({"invoke_agent", "create_agent"})
_MODEL_OPERATIONS = frozenset(
    {"chat", "text_completion", "generate_content", "embeddings", "responses"}
)
_PROVIDER_NAMES = {
    "gcp.gemini": "google",
    "gcp.gen_ai": "google",
    "gcp.vertex_ai": "google",
    "vertex_ai": "google",
    "gemini": "google",
    "az.ai.openai": "azure",
    "azure.ai.openai": "azure",
    "az.ai.inference": "azure",
    "azure.ai.inference": "azure",
    "aws.bedrock": "aws",
}
_ERROR_CODES = frozenset({2, "2", "STATUS_CODE_ERROR", "ERROR"})


class OtlpAdapter:
    """OTLP/JSON trace and log exports (`resourceSpans` / `resourceLogs`)."""

    name = "otlp"
    description = (
        "OpenTelemetry GenAI spans and logs as OTLP/JSON (gen_ai.*, OpenInference "
        "llm.*); also what the OTLP receiver gets"
    )

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return any(
            key in obj
            for key in (
                "resourceSpans",
                "resourceLogs",
                "resource_spans",
                "resource_logs",
            )
        )

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        return parse_otlp_export(obj)


def parse_otlp_export(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Native event mappings for the GenAI usage in one OTLP trace or logs export.

    Accepts OTLP/JSON bodies and `google.protobuf.json_format.MessageToDict`
    output of an ExportTraceServiceRequest or ExportLogsServiceRequest. Never
    raises for odd values: what cannot be read is left out of the mapping.
    """
    if not isinstance(obj, Mapping):
        return []
    mappings: list[dict[str, Any]] = []
    for resource, item, is_span in _items(obj):
        attrs = _attributes(_get(item, "attributes"))
        if not is_span:
            body = _get(item, "body")
            body_map = _get(body, "kvlistValue", "kvlist_value") if body else None
            if body_map:
                attrs = {**_attributes(_get(body_map, "values")), **attrs}
        mapping = _request(resource, item, attrs, is_span)
        if mapping is not None:
            mappings.append(mapping)
    return mappings


def _items(
    obj: Mapping[str, Any],
) -> Iterator[tuple[dict[str, Any], Mapping[str, Any], bool]]:
    for groups, scopes, leaves, is_span in (
        (
            ("resourceSpans", "resource_spans"),
            ("scopeSpans", "scope_spans"),
            "spans",
            1,
        ),
        (
            ("resourceLogs", "resource_logs"),
            ("scopeLogs", "scope_logs"),
            "logRecords",
            0,
        ),
    ):
        for group in _list(_get(obj, *groups)):
            resource = _attributes(_get(_get(group, "resource"), "attributes"))
            scope_lists = _list(_get(group, *scopes))
            # Exports older than OTLP 1.0 call the scope "instrumentationLibrary…".
            scope_lists += _list(
                _get(group, "instrumentationLibrarySpans", "instrumentationLibraryLogs")
            )
            for scope in scope_lists:
                keys = (leaves, "log_records", "logs") if not is_span else (leaves,)
                for item in _list(_get(scope, *keys)):
                    if isinstance(item, Mapping):
                        yield resource, item, bool(is_span)


def _request(
    resource: dict[str, Any],
    item: Mapping[str, Any],
    attrs: dict[str, Any],
    is_span: bool,
) -> dict[str, Any] | None:
    tokens_in = _first_int(attrs, _INPUT)
    tokens_out = _first_int(attrs, _OUTPUT)
    total = _first_int(attrs, _TOTAL)
    cost = _first(attrs, _COST, as_float)
    error_type = attrs.get("error.type")
    code = _get(_get(item, "status"), "code")
    failed = code in _ERROR_CODES or bool(error_type)
    operation = attrs.get("gen_ai.operation.name")
    if operation in _AGENT_OPERATIONS:
        return None
    if tokens_in is None and tokens_out is None and total is None and cost is None:
        # A model call that failed before any usage is still a request (an error).
        asked = _first(attrs, _REQUEST_MODEL, _text)
        if not (failed and (asked or operation in _MODEL_OPERATIONS)):
            return None

    trace = id_hex(_get(item, "traceId", "trace_id"), 16)
    span = id_hex(_get(item, "spanId", "span_id"), 8)
    if is_span:
        start = ns_to_ms(_get(item, "startTimeUnixNano", "start_time_unix_nano"))
        end = ns_to_ms(_get(item, "endTimeUnixNano", "end_time_unix_nano"))
    else:
        start = ns_to_ms(_get(item, "timeUnixNano", "time_unix_nano")) or ns_to_ms(
            _get(item, "observedTimeUnixNano", "observed_time_unix_nano")
        )
        end = None
    nanos = _duration_ns(item) if is_span else None

    status = "error" if failed else "success"
    if failed and "timeout" in str(error_type or "").lower():
        status = "timeout"  # error.type names the kind; the timeout rate needs it
    provider = _first(attrs, _PROVIDER, _text)
    if provider:
        provider = _PROVIDER_NAMES.get(provider.lower(), provider)

    mapping: dict[str, Any] = {
        "request_id": f"otel:{trace or '-'}:{span}" if span else None,
        "timestamp": start,
        "app": _text(resource.get("service.name")),
        "task_id": _first(attrs, _TASK, _text) or trace,
        "workflow": _first(attrs, _WORKFLOW, _text),
        "provider": provider,
        "status": status,
        "error_type": _text(error_type),
        "latency_ms": nanos / 1_000_000 if nanos is not None else None,
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cache_read_tokens": _first_int(attrs, _CACHE_READ),
        "cache_write_tokens": _first_int(attrs, _CACHE_WRITE),
        "reasoning_tokens": _first_int(attrs, _REASONING),
        "estimated_cost_usd": cost,
        "operation": _text(attrs.get("gen_ai.operation.name")),
        "total_tokens": total,
    }
    if mapping["latency_ms"] is None and start is not None and end is not None:
        mapping["latency_ms"] = max(end - start, 0)
    mapping.update(
        model_fields(
            _first(attrs, _REQUEST_MODEL, _text), _first(attrs, _RESPONSE_MODEL, _text)
        )
    )
    return prune(mapping)


def _duration_ns(item: Mapping[str, Any]) -> int | None:
    start = as_int(_get(item, "startTimeUnixNano", "start_time_unix_nano"))
    end = as_int(_get(item, "endTimeUnixNano", "end_time_unix_nano"))
    if start is None or end is None or start <= 0 or end < start:
        return None
    return end - start


def _attributes(values: Any) -> dict[str, Any]:
    """OTLP's list of {key, value: {stringValue|intValue|…}} as a plain dict."""
    found: dict[str, Any] = {}
    for entry in _list(values):
        if isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
            found[entry["key"]] = _any_value(entry.get("value"))
    return found


def _any_value(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    for camel, snake in (
        ("stringValue", "string_value"),
        ("intValue", "int_value"),
        ("doubleValue", "double_value"),
        ("boolValue", "bool_value"),
    ):
        if camel in value:
            return value[camel]
        if snake in value:
            return value[snake]
    array = _get(value, "arrayValue", "array_value")
    if array is not None:
        return [_any_value(item) for item in _list(_get(array, "values"))]
    kvlist = _get(value, "kvlistValue", "kvlist_value")
    if kvlist is not None:
        return _attributes(_get(kvlist, "values"))
    return None


def _get(obj: Any, *keys: str) -> Any:
    if not isinstance(obj, Mapping):
        return None
    for key in keys:
        if key in obj:
            return obj[key]
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _first(attrs: dict[str, Any], names: tuple[str, ...], convert: Any) -> Any:
    for name in names:
        value = convert(attrs.get(name))
        if value is not None:
            return value
    return None


def _first_int(attrs: dict[str, Any], names: tuple[str, ...]) -> int | None:
    found: int | None = _first(attrs, names, as_int)
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None
