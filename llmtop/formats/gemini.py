"""Gemini API `generateContent` responses, read from their `usageMetadata`.

Gemini counts thinking tokens apart: `thoughtsTokenCount` is outside
`candidatesTokenCount`, so output = candidates + thoughts. Tool-use prompt
tokens are outside `promptTokenCount`, so input = prompt + tool-use prompt.
`cachedContentTokenCount` is inside the prompt count and is kept as the cached
part. `totalTokenCount` is the sum of those and is never added again. Streamed
chunks repeat one `responseId` with growing counts, so a chunk is marked as a
snapshot and the writer keeps the largest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.base import AdapterState
from llmtop.formats.common import add_counts, as_int, model_fields, prune


def gemini_usage_fields(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Native token fields from a Gemini `usageMetadata` object."""
    thoughts = as_int(meta.get("thoughtsTokenCount"))
    return prune(
        {
            "input_tokens": add_counts(
                as_int(meta.get("promptTokenCount")),
                as_int(meta.get("toolUsePromptTokenCount")),
            ),
            "output_tokens": add_counts(
                as_int(meta.get("candidatesTokenCount")), thoughts
            ),
            "cache_read_tokens": as_int(meta.get("cachedContentTokenCount")),
            "reasoning_tokens": thoughts,
            "service_tier": meta.get("serviceTier"),
        }
    )


def gemini_fields(obj: Mapping[str, Any], model: Any = None) -> dict[str, Any]:
    """The request described by a Gemini response (or one streamed chunk)."""
    response_id = obj.get("responseId")
    fields: dict[str, Any] = {
        "request_id": f"gemini:{response_id}" if isinstance(response_id, str) else None,
        "timestamp": obj.get("createTime"),
        "provider": "google",
        **model_fields(model, obj.get("modelVersion") or obj.get("model")),
    }
    meta = obj.get("usageMetadata")
    if isinstance(meta, Mapping):
        fields.update(gemini_usage_fields(meta))
    if fields["request_id"]:
        fields["_replace"] = True
    return prune(fields)


class GeminiAdapter:
    """Objects with a `usageMetadata` block (Gemini API and Vertex AI)."""

    name = "gemini"
    description = "Gemini API / Vertex AI generateContent responses (usageMetadata)"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return isinstance(obj.get("usageMetadata"), Mapping)

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        return [gemini_fields(obj)]
