"""OpenAI Codex CLI session logs (`~/.codex/sessions/**/rollout-*.jsonl`).

Codex writes `token_count` events whose `total_token_usage` is cumulative over
the session, so a request is the difference between one total and the last
one seen in the same file. A repeated total (Codex re-emits it after each tool
call) and a heartbeat with `info: null` add nothing. `cached_input_tokens` is
inside `input_tokens` and `reasoning_output_tokens` inside `output_tokens`, as
llmtop counts them.

The request id is built from the event's timestamp and the cumulative totals,
not from the session: a forked (branched) session starts by replaying its
parent's history, token_count events and their timestamps included, so the
replayed events get the same ids as the parent's originals and are stored
once, whichever file is read first. Two distinct requests would collide only
if they ended at the same millisecond with the same running totals.

The last total, the model of the current turn and the session's project live
in the source's state, which is committed with the file offset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from llmtop.formats.base import AdapterState
from llmtop.formats.common import as_int, prune

_LINE_TYPES = frozenset(
    {"session_meta", "turn_context", "event_msg", "response_item", "compacted"}
)
_KEYS = (
    ("input_tokens", "input_tokens"),
    ("cached_input_tokens", "cache_read_tokens"),
    ("output_tokens", "output_tokens"),
    ("reasoning_output_tokens", "reasoning_tokens"),
)
_STATE = "codex"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class CodexAdapter:
    """Lines of a Codex CLI rollout; token_count deltas become requests."""

    name = "codex"
    description = "OpenAI Codex CLI session logs (~/.codex/sessions/**/*.jsonl)"

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("type") in _LINE_TYPES and "payload" in obj

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        memory: dict[str, Any] = state.data.setdefault(_STATE, {})
        payload = obj.get("payload")
        if not isinstance(payload, Mapping):
            return []
        kind = obj.get("type")
        if kind == "session_meta":
            memory["session"] = payload.get("id")
            memory["cwd"] = payload.get("cwd")
            memory["provider"] = payload.get("model_provider")
            return []
        if kind == "turn_context":
            if isinstance(payload.get("model"), str):
                memory["model"] = payload["model"]
            if isinstance(payload.get("cwd"), str):
                memory.setdefault("cwd", payload["cwd"])
            return []
        if kind != "event_msg" or payload.get("type") != "token_count":
            return []
        info = payload.get("info")
        if not isinstance(info, Mapping):
            return []  # a rate-limit heartbeat
        total = _counts(info.get("total_token_usage"))
        if total is None:
            return []
        delta = _delta(
            total, memory.get("total"), _counts(info.get("last_token_usage"))
        )
        memory["total"] = total
        if isinstance(info.get("model"), str):
            memory["model"] = info["model"]
        if not any(delta.values()):
            return []
        stamp = obj.get("timestamp")
        totals = "/".join(str(total[key]) for key, _ in _KEYS)
        fields = {
            "request_id": f"codex:{stamp}:{totals}",
            "timestamp": stamp,
            "app": _basename(memory.get("cwd")),
            "task_id": memory.get("session") or _session_from(state.source),
            "workflow": "coding_assist",
            "model": memory.get("model"),
            "provider": memory.get("provider"),
            **{native: delta[key] for key, native in _KEYS},
        }
        return [prune(fields)]


def _counts(usage: Any) -> dict[str, int] | None:
    if not isinstance(usage, Mapping):
        return None
    return {key: as_int(usage.get(key)) or 0 for key, _ in _KEYS}


def _delta(
    total: dict[str, int],
    previous: dict[str, int] | None,
    last: dict[str, int] | None,
) -> dict[str, int]:
    """What this event added; a total that went down restarts the count."""
    if previous is None:
        return dict(total)
    delta = {key: total[key] - previous.get(key, 0) for key in total}
    if any(value < 0 for value in delta.values()):
        return dict(last) if last is not None else dict(total)
    return delta


def _basename(path: Any) -> str | None:
    if not isinstance(path, str) or not path.strip():
        return None
    return re.split(r"[\\/]", path.strip().rstrip("\\/"))[-1] or None


def _session_from(source: str) -> str | None:
    found = _UUID.findall(PurePath(source).name)
    return found[-1] if found else None
