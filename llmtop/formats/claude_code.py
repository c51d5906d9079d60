"""Claude Code session transcripts (`~/.claude/projects/<project>/<session>.jsonl`).

Only `assistant` lines carry usage, one API call each; user turns, summaries
and snapshots add nothing. While a reply streams, Claude Code writes the same
call several times (one line per content block) with the same message id and
growing or equal usage, and its `requestId` is sometimes empty or missing. The
request id is therefore `cc:<sessionId>:<message.id>`, and every line is marked
as a snapshot (`_replace`), so the writer keeps one row per call: the one with
the most tokens. Sub-agent (sidechain) calls are real calls and count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from llmtop.formats.anthropic import anthropic_usage_fields
from llmtop.formats.base import AdapterState
from llmtop.formats.common import as_float, prune

_LINE_TYPES = frozenset(
    {
        "user",
        "assistant",
        "system",
        "summary",
        "file-history-snapshot",
        "queue-operation",
    }
)
_SYNTHETIC_MODEL = "<synthetic>"


class ClaudeCodeAdapter:
    """Lines of a Claude Code transcript; assistant lines become requests."""

    name = "claude-code"
    description = "Claude Code session transcripts (~/.claude/projects/**/*.jsonl)"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        kind = obj.get("type")
        if kind in _LINE_TYPES:
            return True
        # ccusage-style lines leave out `type` but keep the transcript's keys.
        message = obj.get("message")
        return isinstance(message, Mapping) and ("sessionId" in obj or "costUSD" in obj)

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        message = obj.get("message")
        if not isinstance(message, Mapping) or obj.get("type") not in (
            "assistant",
            None,
        ):
            return []
        usage = message.get("usage")
        if not isinstance(usage, Mapping) or message.get("model") == _SYNTHETIC_MODEL:
            return []
        session = _text(obj.get("sessionId"))
        call = _text(message.get("id")) or _text(obj.get("requestId"))
        fields: dict[str, Any] = {
            "request_id": f"cc:{session or '-'}:{call}" if call else None,
            "timestamp": obj.get("timestamp"),
            "app": _project(obj.get("cwd"), state.source),
            "task_id": session,
            "workflow": "coding_assist",
            "model": message.get("model"),
            "estimated_cost_usd": as_float(obj.get("costUSD")),
            "sidechain": True if obj.get("isSidechain") is True else None,
            "agent_id": _text(obj.get("agentId")),
            **anthropic_usage_fields(usage),
            "_replace": True,
        }
        return [prune(fields)]


def _project(cwd: Any, source: str) -> str | None:
    """The project's folder name, from the working directory or the file path."""
    if isinstance(cwd, str) and cwd.strip():
        name = re.split(r"[\\/]", cwd.strip().rstrip("\\/"))[-1]
        if name:
            return name
    parts = PurePath(source).parts
    if "projects" in parts:
        index = len(parts) - 1 - parts[::-1].index("projects")
        if index + 2 < len(parts):
            return parts[index + 1]
    return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
