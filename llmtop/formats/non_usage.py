"""Input that parses but is not one request: API error bodies and usage buckets.

These get adapters only so that they are rejected with a reason that says what
they are, instead of "unknown format". OpenAI's organization Usage API returns
per-bucket aggregates (`num_model_requests` requests summed over a day or a
minute, with no latency, status or per-request time); storing a bucket as one
request would make every rate, percentile and cost per request wrong, so
buckets are rejected rather than stored as aggregates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.anthropic import reject_error_body
from llmtop.formats.base import AdapterState, NotUsageRecord

_USAGE_OBJECTS = ("organization.usage.", "organization.costs.")
#: The keys an error body may have beside `error` (OpenAI, Anthropic, Gemini).
_ERROR_BODY_KEYS = frozenset(
    {"error", "type", "request_id", "status", "code", "message"}
)


class ApiErrorAdapter:
    """`{"error": {...}}` bodies as OpenAI, Gemini and others return them."""

    name = "api-error"
    description = 'API error bodies ({"error": {...}}): rejected as not usage'

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return isinstance(obj.get("error"), Mapping) and obj.keys() <= _ERROR_BODY_KEYS

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        reject_error_body(obj)
        return []


class UsageBucketAdapter:
    """OpenAI organization Usage API pages, buckets and results."""

    name = "openai-usage-api"
    description = (
        "OpenAI organization Usage API buckets: rejected (aggregates, not "
        "per-request records)"
    )

    def detect(self, obj: Mapping[str, Any]) -> bool:
        kind = obj.get("object")
        if not isinstance(kind, str):
            return False
        if kind.startswith(_USAGE_OBJECTS) or kind == "bucket":
            return True
        return kind == "page" and _first_is_bucket(obj.get("data"))

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        raise NotUsageRecord(
            "an aggregate usage bucket (OpenAI Usage API), not a per-request record"
        )


def _first_is_bucket(data: Any) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], Mapping)
        and data[0].get("object") == "bucket"
    )
