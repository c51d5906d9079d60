"""What every format adapter provides, and the error it raises for non-usage input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from llmtop.event import RecordRejected


class NotUsageRecord(RecordRejected):
    """The input parsed, but it is not a usage record (an error body, a summary…)."""


@dataclass
class AdapterState:
    """Per-source memory for adapters that need history (cumulative totals…).

    `data` must stay JSON-serialisable: it is committed with the source's offset,
    so a restarted agent resumes with the state that matches the offset.
    """

    source: str
    data: dict[str, Any] = field(default_factory=dict)


class Adapter(Protocol):
    """Turns one decoded JSON value of a known format into native event mappings."""

    name: str
    description: str

    def detect(self, obj: Mapping[str, Any]) -> bool:
        """Return True when `obj` looks like this format (cheap, no side effects)."""
        ...

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        """Return native-shaped mappings (see llmtop.event); may return [] for
        lines of this format that carry no usage (heartbeats, user turns).

        Raises:
            NotUsageRecord: the value is of this format but is not a usage record.
        """
        ...
