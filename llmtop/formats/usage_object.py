"""A bare `{model, usage}` object, or one wrapped in `{"body": {...}}`.

Proxies, recorders and test datasets (genai-prices' usage dataset, HTTP
cassettes) keep a response's model and usage without its `object`/`type`
marker. The usage block itself tells the provider's shape: `prompt_tokens`
is OpenAI Chat, `usageMetadata` is Gemini, cache-creation keys or a Claude
model are Anthropic, and `input_tokens` otherwise is OpenAI Responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.anthropic import anthropic_usage_fields
from llmtop.formats.base import AdapterState, NotUsageRecord
from llmtop.formats.common import model_fields, prune
from llmtop.formats.gemini import gemini_fields
from llmtop.formats.openai_chat import chat_usage_fields
from llmtop.formats.openai_responses import responses_usage_fields

_ANTHROPIC_KEYS = (
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cache_creation",
)


class UsageObjectAdapter:
    """Model plus usage without a format marker, possibly under `body`."""

    name = "usage-object"
    description = (
        "a bare {model, usage} or {model, usageMetadata} object, or one wrapped in "
        '{"body": …} (recorders, proxies, genai-prices datasets)'
    )

    def detect(self, obj: Mapping[str, Any]) -> bool:
        body = obj.get("body")
        target = body if isinstance(body, Mapping) else obj
        return isinstance(target.get("usage"), Mapping) or isinstance(
            target.get("usageMetadata"), Mapping
        )

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        body = obj.get("body")
        target = body if isinstance(body, Mapping) else obj
        outer_model = obj.get("model") if target is not obj else None
        if isinstance(target.get("usageMetadata"), Mapping):
            return [gemini_fields(target, model=outer_model)]
        usage = target["usage"]
        model = target.get("model") or outer_model
        if "prompt_tokens" in usage or "completion_tokens" in usage:
            tokens = chat_usage_fields(usage)
        elif any(key in usage for key in _ANTHROPIC_KEYS) or str(model).startswith(
            "claude"
        ):
            tokens = anthropic_usage_fields(usage)
        elif "input_tokens" in usage or "output_tokens" in usage:
            tokens = responses_usage_fields(usage)
        else:
            raise NotUsageRecord("a usage object without token counts")
        fields: dict[str, Any] = {
            "request_id": target.get("id")
            if isinstance(target.get("id"), str)
            else None,
            "timestamp": target.get("created") or target.get("created_at"),
            **model_fields(None, model),
            **tokens,
        }
        return [prune(fields)]
