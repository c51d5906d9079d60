"""Anthropic Messages: responses, server-sent streams and error bodies.

Anthropic's `input_tokens` leaves out cache reads and cache writes, so the
adapter adds both to get llmtop's input count. A streamed message splits its
usage: `message_start` carries the input side and `message_delta` the final
output count, so the start is held in the source's state until the delta
closes the request, and the request is counted once, at the delta.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.base import AdapterState, NotUsageRecord
from llmtop.formats.common import add_counts, as_int, dig, prune

_STREAM_EVENTS = frozenset(
    {
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    }
)
_PENDING = "anthropic_stream"


def anthropic_usage_fields(usage: Mapping[str, Any]) -> dict[str, Any]:
    """Native token fields from an Anthropic `usage` object (input made whole)."""
    uncached = as_int(usage.get("input_tokens"))
    cache_read = as_int(usage.get("cache_read_input_tokens"))
    cache_write = as_int(usage.get("cache_creation_input_tokens"))
    write_5m = as_int(dig(usage, "cache_creation", "ephemeral_5m_input_tokens"))
    write_1h = as_int(dig(usage, "cache_creation", "ephemeral_1h_input_tokens"))
    if cache_write is None:
        cache_write = add_counts(write_5m, write_1h)
    fields = {
        "input_tokens": add_counts(uncached, cache_read, cache_write),
        "output_tokens": as_int(usage.get("output_tokens")),
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "cache_write_1h_tokens": write_1h,
        "reasoning_tokens": as_int(
            dig(usage, "output_tokens_details", "thinking_tokens")
        ),
        "service_tier": usage.get("service_tier"),
    }
    if usage.get("service_tier") == "batch":
        fields["batch"] = True
    return prune(fields)


def message_fields(message: Mapping[str, Any]) -> dict[str, Any]:
    """The request described by an Anthropic `message` object."""
    fields: dict[str, Any] = {
        "request_id": message.get("id") if isinstance(message.get("id"), str) else None,
        "model": message.get("model"),
    }
    usage = message.get("usage")
    if isinstance(usage, Mapping):
        fields.update(anthropic_usage_fields(usage))
    return prune(fields)


def reject_error_body(obj: Mapping[str, Any]) -> None:
    """Raise NotUsageRecord for an API error body, naming its error type."""
    error = obj.get("error")
    kind = (
        error.get("type") or error.get("code") if isinstance(error, Mapping) else None
    )
    detail = f" ({kind})" if kind else ""
    raise NotUsageRecord(f"an API error body{detail}, not a usage record")


class AnthropicAdapter:
    """`type: message` responses, Messages stream events and `type: error`."""

    name = "anthropic"
    description = "Anthropic Messages API responses, streamed events and errors"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        kind = obj.get("type")
        if kind == "message":
            return "usage" in obj or "role" in obj
        return kind in _STREAM_EVENTS or (kind == "error" and "error" in obj)

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        kind = obj.get("type")
        if kind == "error":
            reject_error_body(obj)
        if kind == "message":
            if not isinstance(obj.get("usage"), Mapping):
                raise NotUsageRecord("Anthropic message without a usage object")
            return [message_fields(obj)]
        if kind == "message_start" and isinstance(obj.get("message"), Mapping):
            message = obj["message"]
            state.data[_PENDING] = {
                "id": message.get("id"),
                "model": message.get("model"),
                "usage": message.get("usage") or {},
            }
            return []
        if kind == "message_delta":
            return [self._close_stream(obj, state)]
        return []

    def _close_stream(
        self, delta: Mapping[str, Any], state: AdapterState
    ) -> dict[str, Any]:
        """Merge the held message_start usage with the delta's final counts."""
        started = state.data.pop(_PENDING, None) or {}
        usage = dict(started.get("usage") or {})
        update = delta.get("usage")
        if isinstance(update, Mapping):
            usage.update(
                {key: value for key, value in update.items() if value is not None}
            )
        return message_fields({**started, "usage": usage})
