"""OpenAI Responses API: response objects and the events of a streamed response.

`usage.input_tokens` counts cached tokens and `output_tokens` counts reasoning
tokens, as llmtop does. Of a stream, only `response.completed` (or `.failed`,
`.incomplete`) carries the final usage; the other events add nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.base import AdapterState, NotUsageRecord
from llmtop.formats.common import as_int, dig, prune

_FINAL_EVENTS = frozenset(
    {"response.completed", "response.failed", "response.incomplete"}
)
_ERROR_STATUSES = {"failed": "error", "incomplete": "incomplete", "cancelled": "error"}


def responses_usage_fields(usage: Mapping[str, Any]) -> dict[str, Any]:
    """Native token fields from a Responses-shaped `usage` object."""
    return prune(
        {
            "input_tokens": as_int(usage.get("input_tokens")),
            "output_tokens": as_int(usage.get("output_tokens")),
            "cache_read_tokens": as_int(
                dig(usage, "input_tokens_details", "cached_tokens")
            ),
            "cache_write_tokens": as_int(
                dig(usage, "input_tokens_details", "cache_write_tokens")
            ),
            "reasoning_tokens": as_int(
                dig(usage, "output_tokens_details", "reasoning_tokens")
            ),
        }
    )


def response_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The request described by a Responses API `response` object."""
    status = obj.get("status")
    error = obj.get("error") if isinstance(obj.get("error"), Mapping) else None
    fields: dict[str, Any] = {
        "request_id": obj.get("id") if isinstance(obj.get("id"), str) else None,
        "timestamp": obj.get("created_at"),
        "model": obj.get("model"),
        "service_tier": obj.get("service_tier"),
    }
    if status in _ERROR_STATUSES:
        fields["status"] = "error"
        reason = dig(obj, "incomplete_details", "reason")
        fields["error_type"] = (
            (error or {}).get("code") or reason or _ERROR_STATUSES[status]
        )
    usage = obj.get("usage")
    if isinstance(usage, Mapping):
        fields.update(responses_usage_fields(usage))
    return prune(fields)


class OpenAIResponsesAdapter:
    """`object: response` objects and `response.*` stream events."""

    name = "openai-responses"
    description = "OpenAI Responses API objects and streamed events"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        if obj.get("object") == "response":
            return True
        kind = obj.get("type")
        return isinstance(kind, str) and kind.startswith("response.")

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        if obj.get("object") == "response":
            if obj.get("status") in ("queued", "in_progress"):
                return []
            return [response_fields(obj)]
        if obj.get("type") in _FINAL_EVENTS and isinstance(
            obj.get("response"), Mapping
        ):
            return [response_fields(obj["response"])]
        if obj.get("type") == "response.error" or obj.get("type") == "error":
            raise NotUsageRecord("a Responses stream error event, not a usage record")
        return []
