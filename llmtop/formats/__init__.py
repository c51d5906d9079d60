"""Format adapters and the registry that detects which one a record is in.

Detection runs on every line, so each adapter's `detect` is a few key lookups.
The order matters: specific shapes first, the permissive ones (a bare usage
object, then llmtop's native record) last. A `[mapping]` table in the config
adds the user's own format in front of all of them (see `configure`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.anthropic import AnthropicAdapter
from llmtop.formats.base import Adapter, AdapterState, NotUsageRecord
from llmtop.formats.batch import BatchOutputAdapter
from llmtop.formats.claude_code import ClaudeCodeAdapter
from llmtop.formats.codex import CodexAdapter
from llmtop.formats.gemini import GeminiAdapter
from llmtop.formats.langfuse import LangfuseAdapter
from llmtop.formats.litellm import LiteLLMAdapter
from llmtop.formats.mapping import mapping_adapter
from llmtop.formats.native import NativeAdapter
from llmtop.formats.non_usage import ApiErrorAdapter, UsageBucketAdapter
from llmtop.formats.openai_chat import OpenAIChatAdapter
from llmtop.formats.openai_responses import OpenAIResponsesAdapter
from llmtop.formats.otlp import OtlpAdapter
from llmtop.formats.usage_object import UsageObjectAdapter

#: The built-in adapters in detection order.
ADAPTERS: tuple[Adapter, ...] = (
    OtlpAdapter(),
    LangfuseAdapter(),
    LiteLLMAdapter(),
    ClaudeCodeAdapter(),
    CodexAdapter(),
    BatchOutputAdapter(),
    OpenAIChatAdapter(),
    OpenAIResponsesAdapter(),
    AnthropicAdapter(),
    GeminiAdapter(),
    UsageBucketAdapter(),
    ApiErrorAdapter(),
    UsageObjectAdapter(),
    NativeAdapter(),
)

_configured: tuple[Adapter, ...] = ()

__all__ = [
    "ADAPTERS",
    "Adapter",
    "AdapterState",
    "NotUsageRecord",
    "adapter_named",
    "adapters",
    "configure",
    "detect",
]


def configure(config: Mapping[str, Any]) -> None:
    """Register the user's `[mapping]` adapter (first in detection order).

    Called by the commands with the whole config dict; calling it again replaces
    what an earlier call registered, and a config without `[mapping]` clears it.

    Raises:
        ConfigError: the `[mapping]` table is not valid (the message names the key).
    """
    global _configured
    table = config.get("mapping") if isinstance(config, Mapping) else None
    _configured = (mapping_adapter(table),) if table is not None else ()


def adapters() -> tuple[Adapter, ...]:
    """Every adapter in detection order, the configured mapping first."""
    return (*_configured, *ADAPTERS)


def adapter_named(name: str) -> Adapter:
    """The adapter called `name`, or a ValueError listing the known names."""
    for adapter in adapters():
        if adapter.name == name:
            return adapter
    known = ", ".join(adapter.name for adapter in adapters())
    raise ValueError(f"unknown format {name!r}; known formats: {known}")


def detect(obj: Any) -> Adapter | None:
    """The first adapter that recognises `obj`, or None."""
    if not isinstance(obj, Mapping):
        return None
    for adapter in _configured:
        if adapter.detect(obj):
            return adapter
    for adapter in ADAPTERS:
        if adapter.detect(obj):
            return adapter
    return None
