"""OpenAI Chat Completions: response objects and the chunks of a streamed response.

`usage.prompt_tokens` already counts cached tokens and `completion_tokens`
already counts reasoning tokens, so both are taken as they are and the parts
are kept beside them. A stream repeats one id on every chunk; only the last
chunk carries usage (with `stream_options.include_usage`), so that chunk is the
request and every other chunk adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.base import AdapterState, NotUsageRecord
from llmtop.formats.common import as_int, dig, prune

_OBJECTS = frozenset({"chat.completion", "chat.completion.chunk", "text_completion"})


def chat_usage_fields(usage: Mapping[str, Any]) -> dict[str, Any]:
    """Native token fields from a Chat Completions `usage` object."""
    return prune(
        {
            "input_tokens": as_int(usage.get("prompt_tokens")),
            "output_tokens": as_int(usage.get("completion_tokens")),
            "cache_read_tokens": as_int(
                dig(usage, "prompt_tokens_details", "cached_tokens")
            ),
            "cache_write_tokens": as_int(
                dig(usage, "prompt_tokens_details", "cache_write_tokens")
            ),
            "reasoning_tokens": as_int(
                dig(usage, "completion_tokens_details", "reasoning_tokens")
            ),
        }
    )


def chat_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The request described by a chat completion object (its usage included)."""
    usage = obj.get("usage")
    fields: dict[str, Any] = {
        "request_id": obj.get("id") if isinstance(obj.get("id"), str) else None,
        "timestamp": obj.get("created"),
        "model": obj.get("model"),
        "service_tier": obj.get("service_tier"),
    }
    if isinstance(usage, Mapping):
        fields.update(chat_usage_fields(usage))
    return prune(fields)


class OpenAIChatAdapter:
    """`object: chat.completion` responses and `chat.completion.chunk` streams."""

    name = "openai-chat"
    description = (
        "OpenAI Chat Completions responses and streamed chunks (also the many "
        "OpenAI-compatible APIs)"
    )

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("object") in _OBJECTS

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        if not isinstance(obj.get("usage"), Mapping):
            if obj.get("object") == "chat.completion.chunk":
                return []
            raise NotUsageRecord("chat completion without a usage object")
        return [chat_fields(obj)]
