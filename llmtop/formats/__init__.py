"""Format adapters and the registry that detects which one a record is in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.base import Adapter, AdapterState, NotUsageRecord
from llmtop.formats.native import NativeAdapter
from llmtop.formats.otlp import OtlpAdapter

#: Detection order matters: specific shapes first, the permissive native last.
ADAPTERS: tuple[Adapter, ...] = (OtlpAdapter(), NativeAdapter())

__all__ = [
    "ADAPTERS",
    "Adapter",
    "AdapterState",
    "NotUsageRecord",
    "adapter_named",
    "detect",
]


def adapter_named(name: str) -> Adapter:
    """The adapter called `name`, or a ValueError listing the known names."""
    for adapter in ADAPTERS:
        if adapter.name == name:
            return adapter
    known = ", ".join(adapter.name for adapter in ADAPTERS)
    raise ValueError(f"unknown format {name!r}; known formats: {known}")


def detect(obj: Any) -> Adapter | None:
    """The first adapter that recognises `obj`, or None."""
    if not isinstance(obj, Mapping):
        return None
    for adapter in ADAPTERS:
        if adapter.detect(obj):
            return adapter
    return None
