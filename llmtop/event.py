"""The usage event: one LLM request as llmtop stores it.

Every source, whatever its format, ends up as a mapping of the native field names
below. `build_event` turns that mapping into a `UsageEvent`: it resolves aliases,
parses timestamps, normalises status and provider, and keeps going when an optional
field is bad (the field is left empty and the problem recorded in `flags`). Only a
record that cannot be placed in time is rejected outright.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict

#: Earliest and latest instants accepted, in epoch milliseconds (1990 to 2100).
MIN_TS_MS = 631_152_000_000
MAX_TS_MS = 4_102_444_800_000

#: Fields that carry content; they are dropped before anything is stored.
CONTENT_FIELDS = frozenset(
    {
        "prompt",
        "prompts",
        "messages",
        "message",
        "completion",
        "completions",
        "response",
        "response_text",
        "output_text",
        "input",
        "output",
        "content",
        "text",
        "system",
        "system_prompt",
        "choices",
        "instructions",
        "tools",
        "tool_calls",
        "tool_args",
        "tool_input",
        "tool_output",
        "arguments",
        "question",
        "answer",
        "query",
        "reply",
        "user_message",
        "assistant_message",
        "context",
        "document",
        "documents",
        "chunks",
        "history",
        "transcript",
        "generation",
        "body",
        "request_body",
        "response_body",
    }
)

#: Unknown text fields are kept as metadata only when their name says they are
#: metadata: any other text could be content (a question, an answer, a query).
METADATA_NAME_ENDINGS = (
    "id",
    "name",
    "version",
    "env",
    "environment",
    "region",
    "zone",
    "tier",
    "team",
    "tenant",
    "customer",
    "org",
    "project",
    "feature",
    "tag",
    "tags",
    "label",
    "kind",
    "type",
    "code",
    "deployment",
    "endpoint",
    "host",
    "service",
    "status",
    "method",
    "language",
    "locale",
    "country",
    "channel",
    "stage",
    "experiment",
    "variant",
    "cohort",
    "sdk",
    "library",
)

#: Values beyond these are not believable for one request; the field is dropped
#: and flagged (and SQLite's 64-bit integers can never overflow).
MAX_TOKENS = 100_000_000
MAX_RETRIES = 10_000
MAX_LATENCY_MS = 7 * 86_400_000.0
MAX_COST_USD = 10_000.0
_FUTURE_MS = 86_400_000  # a day ahead of the reader: a skewed or wrong clock

#: Alternative names accepted for native fields.
ALIASES: dict[str, str] = {
    "id": "request_id",
    "requestid": "request_id",
    "request-id": "request_id",
    "ts": "timestamp",
    "time": "timestamp",
    "created_at": "timestamp",
    "start_time": "timestamp",
    "application": "app",
    "service": "app",
    "conversation_id": "task_id",
    "session_id": "task_id",
    "trace_id": "task_id",
    "job_id": "task_id",
    "task": "workflow",
    "feature": "workflow",
    "tier": "user_tier",
    "plan": "user_tier",
    "model_name": "model",
    "path": "route",
    "endpoint": "route",
    "duration_ms": "latency_ms",
    "elapsed_ms": "latency_ms",
    "response_time_ms": "latency_ms",
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "cached_tokens": "cache_read_tokens",
    "cache_read_input_tokens": "cache_read_tokens",
    "cache_creation_input_tokens": "cache_write_tokens",
    "cache_creation_tokens": "cache_write_tokens",
    "cost": "estimated_cost_usd",
    "cost_usd": "estimated_cost_usd",
    "total_cost": "estimated_cost_usd",
    "response_cost": "estimated_cost_usd",
    "fallback": "fallback_used",
    "is_fallback": "fallback_used",
    "retries": "retry_count",
    "attempts_retried": "retry_count",
    "validation_status": "validation",
    "error": "error_type",
    "error_code": "error_type",
}

_STR_FIELDS = (
    "request_id",
    "app",
    "task_id",
    "workflow",
    "user_tier",
    "model",
    "provider",
    "route",
    "status",
    "fallback_from",
    "requested_model",
    "validation",
    "error_type",
    "service_tier",
)
_INT_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "retry_count",
)
_FLOAT_FIELDS = ("latency_ms", "estimated_cost_usd")
_BOOL_FIELDS = ("fallback_used", "batch")
KNOWN_FIELDS = frozenset(
    {"timestamp", *_STR_FIELDS, *_INT_FIELDS, *_FLOAT_FIELDS, *_BOOL_FIELDS}
)
_MAX_TEXT = 512
_MAX_EXTRA_VALUE = 256

_STATUS_WORDS = {
    "ok": "success",
    "succeeded": "success",
    "successful": "success",
    "completed": "success",
    "complete": "success",
    "done": "success",
    "failure": "error",
    "failed": "error",
    "fail": "error",
    "timed_out": "timeout",
    "timedout": "timeout",
    "deadline_exceeded": "timeout",
}

#: Model-name prefixes that tell the provider when a record does not.
_PROVIDER_PREFIXES: tuple[tuple[str, str], ...] = (
    ("gpt-", "openai"),
    ("chatgpt", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("codex", "openai"),
    ("text-embedding", "openai"),
    ("claude", "anthropic"),
    ("gemini", "google"),
    ("gemma", "google"),
    ("deepseek", "deepseek"),
    ("qwen", "alibaba"),
    ("qwq", "alibaba"),
    ("kimi", "moonshotai"),
    ("moonshot", "moonshotai"),
    ("glm", "zhipuai"),
    ("minimax", "minimax"),
    ("abab", "minimax"),
    ("doubao", "volcengine"),
    ("mistral", "mistral"),
    ("codestral", "mistral"),
    ("grok", "x-ai"),
    ("command", "cohere"),
    ("llama", "meta"),
)


class UsageEvent(BaseModel):
    """One request, normalised. Token counts follow DESIGN.md's single rule."""

    model_config = ConfigDict(frozen=False, extra="forbid")

    request_id: str | None = None
    ts_ms: int
    ts_inferred: bool = False
    app: str | None = None
    task_id: str | None = None
    workflow: str | None = None
    user_tier: str | None = None
    model: str | None = None
    provider: str | None = None
    route: str | None = None
    status: str = "success"
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cache_write_1h_tokens: int | None = None
    reasoning_tokens: int | None = None
    estimated_cost_usd: float | None = None
    fallback_used: bool = False
    fallback_from: str | None = None
    requested_model: str | None = None
    retry_count: int = 0
    validation: str | None = None
    error_type: str | None = None
    service_tier: str | None = None
    batch: bool = False
    flags: list[str] = []
    extra: dict[str, Any] = {}


class RecordRejected(ValueError):
    """A record that cannot be stored at all; the message is the user's reason."""


# Called for every key of every record; the same few dozen names recur.
@functools.lru_cache(maxsize=4096)
def canonical_key(name: str) -> str | None:
    """Map a field name to its native spelling (aliases, case, dashes); None
    for names starting with `_`, which adapters use for private hints."""
    if name.startswith("_"):
        return None
    lowered = name.strip().lower().replace("-", "_")
    return ALIASES.get(lowered, lowered)


@functools.lru_cache(maxsize=1024)
def _canonical_keys(names: tuple[Any, ...]) -> tuple[str | None, ...]:
    """canonical_key for a whole record's keys at once: records of one source
    share their key order, so this is one cache hit per record."""
    return tuple(canonical_key(str(name)) for name in names)


def parse_timestamp(value: Any) -> int:
    """Return epoch milliseconds (UTC) for an ISO-8601 string or an epoch number.

    Epoch numbers are told apart by magnitude: seconds, milliseconds, microseconds
    or nanoseconds. A string without a zone is taken as UTC.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a time, got boolean {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("empty string is not a time")
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return parse_timestamp(float(text))
        ms = _parse_iso(text)
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        ms = _epoch_to_ms(float(value))
    else:
        raise ValueError(
            f"expected an ISO-8601 string or epoch number, got {_kind(value)}"
        )
    if not MIN_TS_MS <= ms <= MAX_TS_MS:
        raise ValueError(f"{value!r} is outside 1990..2100")
    return ms


def _epoch_to_ms(number: float) -> int:
    magnitude = abs(number)
    if magnitude < 1e11:
        return round(number * 1000)
    if magnitude < 1e14:
        return round(number)
    if magnitude < 1e17:
        return round(number / 1000)
    return round(number / 1_000_000)


def _parse_iso(text: str) -> int:
    normalised = text.replace("Z", "+00:00").replace("z", "+00:00")
    # Python 3.10's fromisoformat takes at most six fractional digits.
    normalised = re.sub(r"(\.\d{6})\d+", r"\1", normalised)
    try:
        moment = datetime.fromisoformat(normalised)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp() * 1000)


def infer_provider(model: str | None) -> str | None:
    """Guess the provider from a model name such as `claude-sonnet-4` or `qwen-max`."""
    if not model:
        return None
    name = model.lower()
    if "/" in name:
        prefix, name = name.split("/", 1)
        if prefix not in {"models", "accounts"}:
            return prefix
    for prefix, provider in _PROVIDER_PREFIXES:
        if name.startswith(prefix):
            return provider
    return None


def normalise_status(value: str | None, error_type: str | None) -> str:
    """Lower-case the status and fold the common synonyms onto success/error/timeout."""
    if value is None or value == "":
        if error_type:
            return "timeout" if "timeout" in error_type.lower() else "error"
        return "success"
    word = value.strip().lower().replace(" ", "_")
    if word.isdigit():
        return "success" if word.startswith("2") else "error"
    return _STATUS_WORDS.get(word, word)


def build_event(raw: Mapping[str, Any], *, now_ms: int) -> UsageEvent:
    """Validate a native-shaped mapping into a `UsageEvent`.

    Raises:
        RecordRejected: the record is not an object, or its timestamp is unusable.
    """
    if not isinstance(raw, Mapping):
        raise RecordRejected(f"expected a JSON object, got {_kind(raw)}")

    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    flags: list[str] = []
    stamp = None
    names = tuple(raw)
    for name, key, value in zip(names, _canonical_keys(names), raw.values()):
        if key is None or key in CONTENT_FIELDS:
            continue  # adapters' private hints (e.g. _replace), or content
        convert = _CONVERTERS.get(key)
        if convert is not None:
            if value is None or values.get(key) is not None:
                continue  # the first non-null spelling of a field wins
            try:
                values[key] = convert(value)
            except ValueError as exc:
                flags.append(f"{key}: {exc}")
        elif key == "timestamp":
            if stamp is None:
                stamp = value
        elif is_metadata(str(name), value):
            extra[str(name)[:64]] = value

    if stamp is None:
        values["ts_ms"] = now_ms
        values["ts_inferred"] = True
    else:
        try:
            values["ts_ms"] = parse_timestamp(stamp)
        except ValueError as exc:
            raise RecordRejected(f"timestamp: {exc}") from None
        ahead = values["ts_ms"] - now_ms
        if ahead > _FUTURE_MS:
            # Kept (its clock may be off), but the user should know.
            flags.append(f"timestamp: {ahead / 3_600_000:,.0f} h after it was read")

    values["status"] = normalise_status(values.get("status"), values.get("error_type"))
    if values.get("validation") is not None:
        values["validation"] = _normalise_validation(values["validation"], flags)
    if not values.get("provider"):
        values["provider"] = infer_provider(values.get("model"))
    if values.get("fallback_used") is None:
        values["fallback_used"] = bool(values.get("fallback_from"))
    values["flags"] = flags
    values["extra"] = extra
    return UsageEvent.model_validate(values)


def _as_text(value: Any) -> str | None:
    if type(value) is str:
        return value.strip()[:_MAX_TEXT] or None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {_kind(value)}")
    text = str(value).strip()
    return text[:_MAX_TEXT] or None


def _as_count(value: Any) -> int:
    if type(value) is int and value >= 0:
        return value
    number = _as_amount(value)
    if number != int(number):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def _as_amount(value: Any) -> float:
    if type(value) is float and 0 <= value < math.inf:
        return value
    if type(value) is int and value >= 0:
        return float(value)
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got boolean {value!r}")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise ValueError(f"expected a number, got {_kind(value)}")
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {
        "true",
        "false",
        "1",
        "0",
        "yes",
        "no",
    }:
        return value.strip().lower() in {"true", "1", "yes"}
    raise ValueError(f"expected true or false, got {value!r}")


def _normalise_validation(value: str, flags: list[str]) -> str | None:
    word = value.lower()
    if word in {"pass", "passed", "ok", "valid", "success"}:
        return "pass"
    if word in {"fail", "failed", "invalid", "error"}:
        return "fail"
    flags.append(f"validation: {value!r} is neither pass nor fail")
    return None


def _bounded(convert: Any, limit: float, unit: str) -> Any:
    def checked(value: Any) -> Any:
        number = convert(value)
        if number > limit:
            raise ValueError(f"{value!r} is implausibly large (over {limit:,g} {unit})")
        return number

    return checked


_CONVERTERS: dict[str, Any] = {
    **dict.fromkeys(_STR_FIELDS, _as_text),
    **dict.fromkeys(_INT_FIELDS, _bounded(_as_count, MAX_TOKENS, "tokens")),
    "retry_count": _bounded(_as_count, MAX_RETRIES, "retries"),
    "latency_ms": _bounded(_as_amount, MAX_LATENCY_MS, "ms"),
    "estimated_cost_usd": _bounded(_as_amount, MAX_COST_USD, "USD"),
    **dict.fromkeys(_BOOL_FIELDS, _as_bool),
}


def is_metadata(name: str, value: Any) -> bool:
    """Whether an unknown field may be kept (in `extra`, in a reject's excerpt):
    numbers and booleans always, text only under a metadata-like name."""
    if value is None or type(value) in (int, bool):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is not str or len(value) > _MAX_EXTRA_VALUE:
        return False
    return name.lower().replace("-", "_").endswith(METADATA_NAME_ENDINGS)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", type(None): "null"}
    return names.get(type(value), type(value).__name__)
