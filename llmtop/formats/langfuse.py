"""Langfuse ingestion batches (`POST /api/public/ingestion`), as SDKs send them.

A batch mixes event types; generations carry model, usage and cost, traces and
plain spans do not and add nothing. A generation is often created first and
updated with its usage later (`generation-create`, then `generation-update`
with the same body id), so each is marked as a snapshot and the writer keeps
the one with the most tokens. Producers mix `Z` and offset timestamps in one
batch; each is read with its own zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.event import parse_timestamp
from llmtop.formats.base import AdapterState
from llmtop.formats.common import add_counts, as_float, as_int, dig, model_fields, prune

_GENERATION_EVENTS = frozenset({"generation-create", "generation-update"})
_OBSERVATION_EVENTS = frozenset({"observation-create", "observation-update"})


class LangfuseAdapter:
    """`{"batch": [...]}` ingestion payloads; generation events become requests."""

    name = "langfuse"
    description = "Langfuse ingestion batches (generation events with usage and cost)"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return isinstance(obj.get("batch"), list)

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        mappings = []
        for event in obj["batch"]:
            if not isinstance(event, Mapping) or not isinstance(
                event.get("body"), Mapping
            ):
                continue
            kind = event.get("type")
            body = event["body"]
            is_generation = kind in _GENERATION_EVENTS or (
                kind in _OBSERVATION_EVENTS and body.get("type") == "GENERATION"
            )
            if is_generation:
                mapping = _generation(event, body)
                if mapping is not None:
                    mappings.append(mapping)
        return mappings


def _generation(
    event: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, Any] | None:
    usage = body.get("usage") if isinstance(body.get("usage"), Mapping) else {}
    details = body.get("usageDetails")
    tokens = _detail_tokens(details) if isinstance(details, Mapping) else {}
    tokens_in = _first_int(usage, "input", "promptTokens", "prompt_tokens")
    tokens_out = _first_int(usage, "output", "completionTokens", "completion_tokens")
    if tokens_in is not None or tokens_out is not None:
        tokens.update(prune({"input_tokens": tokens_in, "output_tokens": tokens_out}))
    cost = as_float(usage.get("totalCost"))
    for fallback in (
        dig(body, "costDetails", "total"),
        dig(body, "metadata", "litellm_response_cost"),
    ):
        if cost is None:
            cost = as_float(fallback)
    if not tokens and cost is None:
        return None

    metadata = body.get("metadata") if isinstance(body.get("metadata"), Mapping) else {}
    level = body.get("level")
    body_id = body.get("id")
    fields: dict[str, Any] = {
        "request_id": f"langfuse:{body_id}" if isinstance(body_id, str) else None,
        "timestamp": body.get("startTime") or event.get("timestamp"),
        "task_id": body.get("traceId"),
        "status": "error" if level == "ERROR" else None,
        "error_type": _text(body.get("statusMessage")) if level == "ERROR" else None,
        "latency_ms": _latency_ms(body.get("startTime"), body.get("endTime")),
        "estimated_cost_usd": cost,
        "workflow": _text(metadata.get("workflow")),
        "user_tier": _text(metadata.get("user_tier")),
        "app": _text(metadata.get("app")),
        "_replace": True,
        **model_fields(None, body.get("model")),
        **tokens,
    }
    return prune(fields)


def _detail_tokens(details: Mapping[str, Any]) -> dict[str, Any]:
    """Tokens from `usageDetails`, whose entries are disjoint parts that sum to
    the total: `input` leaves out the cached `input_*` parts, `output` leaves
    out `output_reasoning*`, so llmtop's whole counts are the sums."""
    counts = {str(key): as_int(value) for key, value in details.items()}
    known = {key: value for key, value in counts.items() if value is not None}
    return prune(
        {
            "input_tokens": add_counts(
                *(
                    v
                    for k, v in known.items()
                    if k == "input" or k.startswith(("input_", "cache_"))
                )
            ),
            "output_tokens": add_counts(
                *(
                    v
                    for k, v in known.items()
                    if k == "output" or k.startswith("output_")
                )
            ),
            "cache_read_tokens": _first_int(
                known,
                "input_cached_tokens",
                "input_cache_read",
                "cache_read_input_tokens",
            ),
            "cache_write_tokens": _first_int(
                known, "input_cache_creation", "cache_creation_input_tokens"
            ),
            "reasoning_tokens": _first_int(
                known, "output_reasoning_tokens", "output_reasoning"
            ),
        }
    )


def _first_int(source: Mapping[str, Any], *names: str) -> int | None:
    for name in names:
        value = as_int(source.get(name))
        if value is not None:
            return value
    return None


def _latency_ms(start: Any, end: Any) -> float | None:
    try:
        begin, finish = parse_timestamp(start), parse_timestamp(end)
    except ValueError:
        return None
    return float(finish - begin) if finish >= begin else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
