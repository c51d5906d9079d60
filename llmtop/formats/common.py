"""Small helpers the format adapters share: numbers, ids, nested lookups, fallbacks.

Adapters read other people's records, so every helper here is tolerant: a value
of the wrong type reads as missing rather than raising, and `build_event` later
decides what is valid.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

#: Suffixes that name a version or snapshot of the same model, not another model.
_VERSION_SUFFIX = re.compile(
    r"(?:[-@:_](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3}|latest|preview(?:-\d{2}-\d{2})?"
    r"|exp(?:-\d+)?)|-v\d+(?::\d+)?)$"
)


def as_int(value: Any) -> int | None:
    """An integer count from a number or a numeric string, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def as_float(value: Any) -> float | None:
    """A float from a number or a numeric string, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def add_counts(*values: int | None) -> int | None:
    """The sum of the counts that are known; None when none is."""
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def dig(obj: Any, *path: str | int) -> Any:
    """Follow keys and indexes through nested JSON; None where the path breaks."""
    current = obj
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(
                current
            ):
                return None
            current = current[step]
        elif isinstance(current, Mapping):
            current = current.get(step)
        else:
            return None
    return current


def json_in_string(value: Any) -> Any:
    """Decode JSON that a producer stored inside a string (LiteLLM does so)."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def ns_to_ms(value: Any) -> int | None:
    """Epoch milliseconds from epoch nanoseconds given as a number or a string."""
    nanos = as_int(value)
    if nanos is None:
        number = as_float(value)
        if number is None:
            return None
        nanos = int(number)
    if nanos <= 0:
        return None
    return nanos // 1_000_000


def id_hex(value: Any, size: int) -> str | None:
    """A trace or span id as lower-case hex, whether sent as hex or base64.

    OTLP/JSON writes ids in hex, while protobuf's JSON mapping (MessageToDict)
    writes bytes in base64; `size` is the id's length in bytes (16 or 8).
    """
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if len(text) == 2 * size and re.fullmatch(r"[0-9a-fA-F]+", text):
        hexed = text.lower()
    else:
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
        except (binascii.Error, ValueError):
            return text
        if len(raw) != size:
            return text
        hexed = raw.hex()
    return None if set(hexed) == {"0"} else hexed


def model_base(name: str) -> str:
    """A model name without its provider prefix and version or date suffixes."""
    base = name.strip().lower()
    if "/" in base:
        base = base.rsplit("/", 1)[1]
    while True:
        stripped = _VERSION_SUFFIX.sub("", base)
        if stripped == base or not stripped:
            return base
        base = stripped


def model_fields(requested: Any, answered: Any) -> dict[str, Any]:
    """`model`, and `requested_model` plus the fallback fields when they differ.

    A provider that answers with another model than the one asked for has fallen
    back silently; a dated snapshot of the requested model (gpt-4o answered as
    gpt-4o-2024-08-06) is the same model and no fallback.
    """
    asked = requested if isinstance(requested, str) and requested.strip() else None
    got = answered if isinstance(answered, str) and answered.strip() else None
    fields: dict[str, Any] = {"model": got or asked}
    if asked and got:
        fields["requested_model"] = asked
        if model_base(asked) != model_base(got):
            fields["fallback_used"] = True
            fields["fallback_from"] = asked
    return fields


def prune(mapping: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys whose value is None, so aliases and defaults can apply."""
    return {key: value for key, value in mapping.items() if value is not None}
