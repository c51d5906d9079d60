"""LiteLLM's StandardLoggingPayload and its LiteLLM_SpendLogs rows.

LiteLLM computes a cost for every call (`response_cost` in the payload, `spend`
in the spend-log row); it is kept as a reported cost. Its times have no zone
and are UTC. The spend-log row stores `metadata` and `request_tags` as JSON
inside strings, which are decoded. Workflow, user tier and app come from
metadata keys or from `key:value` request tags; attempted fallbacks and retries
from the metadata LiteLLM's router fills in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from llmtop.formats.base import AdapterState
from llmtop.formats.common import as_float, as_int, dig, json_in_string, prune

_TAG_KEYS = {
    "workflow": "workflow",
    "feature": "workflow",
    "task": "workflow",
    "user_tier": "user_tier",
    "tier": "user_tier",
    "plan": "user_tier",
    "app": "app",
    "application": "app",
    "service": "app",
    "route": "route",
}
_ERROR_WORDS = (
    ("ratelimit", "rate_limit"),
    ("timeout", "timeout"),
    ("contextwindow", "context_window_exceeded"),
    ("contentpolicy", "content_filter"),
    ("authentication", "auth"),
    ("permission", "auth"),
    ("notfound", "not_found"),
    ("badrequest", "bad_request"),
    ("unprocessable", "bad_request"),
    ("serviceunavailable", "server_error"),
    ("internalserver", "server_error"),
    ("apiconnection", "connection"),
)


class LiteLLMAdapter:
    """StandardLoggingPayload (`response_cost`) and SpendLogs rows (`spend`)."""

    name = "litellm"
    description = "LiteLLM StandardLoggingPayload and LiteLLM_SpendLogs rows"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return "startTime" in obj and ("response_cost" in obj or "spend" in obj)

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        metadata = json_in_string(obj.get("metadata"))
        metadata = metadata if isinstance(metadata, Mapping) else {}
        tags = _tags(obj.get("request_tags"), metadata.get("tags"))
        usage = metadata.get("usage_object") or dig(obj, "response", "usage") or {}
        cost = obj.get("response_cost", obj.get("spend"))
        status = obj.get("status")
        error_type = _error_type(obj, metadata)

        fields: dict[str, Any] = {
            "request_id": obj.get("request_id") or obj.get("id"),
            "timestamp": obj.get("startTime"),
            "task_id": obj.get("session_id")
            or obj.get("trace_id")
            or metadata.get("session_id"),
            "model": obj.get("model"),
            "provider": obj.get("custom_llm_provider") or None,
            "status": status if isinstance(status, str) and status else None,
            "error_type": error_type,
            "latency_ms": _latency_ms(obj),
            "input_tokens": as_int(obj.get("prompt_tokens")),
            "output_tokens": as_int(obj.get("completion_tokens")),
            "cache_read_tokens": as_int(
                dig(usage, "prompt_tokens_details", "cached_tokens")
            )
            or as_int(dig(usage, "cache_read_input_tokens")),
            "cache_write_tokens": as_int(dig(usage, "cache_creation_input_tokens")),
            "reasoning_tokens": as_int(
                dig(usage, "completion_tokens_details", "reasoning_tokens")
            ),
            "estimated_cost_usd": as_float(cost),
            "call_type": obj.get("call_type"),
            "end_user": obj.get("end_user") or None,
        }
        for source in (tags, metadata, _nested(metadata)):
            for key, native in _TAG_KEYS.items():
                value = source.get(key)
                if isinstance(value, str) and value and not fields.get(native):
                    fields[native] = value
        if not fields.get("app"):
            fields["app"] = metadata.get("user_api_key_team_alias") or None
        fields.update(_fallback_fields(obj, metadata))
        return [prune(fields)]


def _tags(*sources: Any) -> dict[str, str]:
    """`key:value` (or `key=value`) tags as a dict; plain tags are ignored."""
    found: dict[str, str] = {}
    for source in sources:
        decoded = json_in_string(source)
        if not isinstance(decoded, list):
            continue
        for tag in decoded:
            if isinstance(tag, str):
                match = re.match(r"\s*([\w.-]+)\s*[:=]\s*(.+?)\s*$", tag)
                if match:
                    found.setdefault(match.group(1).lower(), match.group(2))
    return found


def _nested(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Caller-supplied metadata that LiteLLM nests one level down."""
    merged: dict[str, Any] = {}
    for key in ("requester_metadata", "spend_logs_metadata", "user_api_key_metadata"):
        value = json_in_string(metadata.get(key))
        if isinstance(value, Mapping):
            for name, item in value.items():
                merged.setdefault(name, item)
    return merged


def _latency_ms(obj: Mapping[str, Any]) -> float | None:
    """End minus start to the microsecond; else LiteLLM's response_time (s)."""
    start, end = _moment(obj.get("startTime")), _moment(obj.get("endTime"))
    if start is not None and end is not None and end >= start:
        return (end - start).total_seconds() * 1000
    seconds = as_float(obj.get("response_time"))
    return seconds * 1000 if seconds is not None and seconds >= 0 else None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _error_type(obj: Mapping[str, Any], metadata: Mapping[str, Any]) -> str | None:
    info = obj.get("error_information") or metadata.get("error_information")
    info = json_in_string(info)
    if not isinstance(info, Mapping):
        return None
    label = str(info.get("error_class") or info.get("error_code") or "")
    if not label:
        return None
    squashed = label.lower().replace("_", "").replace(" ", "")
    for word, kind in _ERROR_WORDS:
        if word in squashed:
            return kind
    return label


def _fallback_fields(
    obj: Mapping[str, Any], metadata: Mapping[str, Any]
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    retries = as_int(metadata.get("attempted_retries"))
    if retries is not None:
        fields["retry_count"] = retries
    fallbacks = as_int(metadata.get("attempted_fallbacks"))
    original = metadata.get("original_model_group")
    if fallbacks:
        fields["fallback_used"] = True
        if isinstance(original, str) and original:
            fields["fallback_from"] = original
        fields["fallback_attempts"] = fallbacks
    elif isinstance(original, str) and original and original != obj.get("model_group"):
        fields["requested_model"] = original
    return fields
