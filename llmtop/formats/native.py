"""llmtop's own record: one flat JSON object in the field names of DESIGN.md."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.event import canonical_key
from llmtop.formats.base import AdapterState, NotUsageRecord

_SIGNS = frozenset(
    {
        "timestamp",
        "workflow",
        "model",
        "input_tokens",
        "output_tokens",
        "latency_ms",
        "estimated_cost_usd",
        "status",
        "request_id",
        "task_id",
    }
)


class NativeAdapter:
    name = "native"
    description = "llmtop's own JSONL: one flat object per request (see README)"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        keys = {canonical_key(str(key)) for key in obj}
        return len(keys & _SIGNS) >= 2

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        if not isinstance(obj, Mapping):
            raise NotUsageRecord("expected a JSON object")
        return [dict(obj)]
