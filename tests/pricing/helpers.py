"""Events for pricing tests, built the way the decoder builds them."""

from __future__ import annotations

from typing import Any

from llmtop.event import UsageEvent, build_event, parse_timestamp

#: A weekday noon (UTC) inside every price's validity; DeepSeek's peak hours.
NOON = "2026-03-02T12:00:00Z"


def make_event(**fields: Any) -> UsageEvent:
    """A native record with a fixed timestamp, through the real event builder."""
    fields.setdefault("timestamp", NOON)
    return build_event(fields, now_ms=parse_timestamp(NOON))
