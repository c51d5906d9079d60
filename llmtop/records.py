"""From raw bytes to stored rows: decode JSON, pick the format, validate, price.

One `RecordDecoder` serves one source (a file, a socket connection, stdin): it
remembers the format it detected last and the adapters' per-source state, and
it never raises for bad input. Every problem becomes a reject with a reason.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from llmtop.event import (
    CONTENT_FIELDS,
    KNOWN_FIELDS,
    RecordRejected,
    UsageEvent,
    build_event,
    canonical_key,
    is_metadata,
)
from llmtop.formats import Adapter, AdapterState, adapter_named, detect
from llmtop.pricing import Cost, Pricer
from llmtop.store.histogram import bucket_of

EXCERPT_CHARS = 200
_QUOTED_VALUE = re.compile(r"""(:\s*)(?:"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)""")
_LONG_STRING = re.compile(r'"(?:[^"\\]|\\.){24,}(?:"|$)')
_PERMISSIVE = frozenset({"native", "usage-object"})
_MAX_SHAPES = 256


@dataclass
class Decoded:
    """Rows ready for the writer and rejects ready for the rejects table."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0

    def extend(self, other: Decoded) -> None:
        self.rows.extend(other.rows)
        self.rejects.extend(other.rejects)
        self.skipped += other.skipped


class RecordDecoder:
    """Decodes the records of one source into rows and rejects."""

    def __init__(
        self,
        source: str,
        *,
        pricer: Pricer,
        format_name: str | None = None,
        state: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
        keep_content: bool = False,
    ) -> None:
        self.source = source
        self.pricer = pricer
        self.forced: Adapter | None = (
            adapter_named(format_name) if format_name else None
        )
        self.last: Adapter | None = self.forced
        self.state = AdapterState(source=source, data=dict(state or {}))
        self.clock = clock
        self._shapes: dict[tuple[Any, ...], Adapter] = {}
        self.keep_content = keep_content

    def decode_line(
        self, data: bytes, *, line_no: int | None, offset: int | None
    ) -> Decoded:
        """Decode one line of JSONL (or one `data:` line of a server-sent stream)."""
        text = data.strip()
        if text.startswith(b"\xef\xbb\xbf"):
            text = text[3:].strip()
        if not text or text.startswith((b"event:", b":", b"id:", b"retry:")):
            return Decoded(skipped=1)
        if text.startswith(b"data:"):
            text = text[5:].strip()
            if text == b"[DONE]":
                return Decoded(skipped=1)
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            value = _lenient_json(text)
            if value is _INVALID:
                return self._reject(data, line_no, offset, _json_problem(text, exc))
        return self.decode_value(value, raw=text, line_no=line_no, offset=offset)

    def decode_value(
        self, value: Any, *, raw: bytes, line_no: int | None, offset: int | None
    ) -> Decoded:
        """Decode one parsed JSON value (an object, or an array of objects)."""
        if isinstance(value, list):
            decoded = Decoded()
            for index, item in enumerate(value):
                item_raw = raw + b"#" + str(index).encode()
                if not isinstance(item, Mapping):
                    decoded.extend(
                        self._reject(
                            item_raw,
                            line_no,
                            offset,
                            f"array item {index}: expected a JSON object, "
                            f"got {type(item).__name__}",
                        )
                    )
                    continue
                decoded.extend(
                    self.decode_value(
                        item, raw=item_raw, line_no=line_no, offset=offset
                    )
                )
            return decoded
        if not isinstance(value, Mapping):
            return self._reject(
                raw,
                line_no,
                offset,
                f"expected a JSON object or array, got {type(value).__name__}",
            )
        if self.forced is not None and not self.forced.detect(value):
            name = self.forced.name
            article = "an" if name[:1] in "aeiou" else "a"
            return self._reject(
                raw,
                line_no,
                offset,
                f"not {article} {name} record (--format {name}); "
                "leave --format out to detect each line's format",
                name,
            )
        adapter = self._adapter_for(value)
        if adapter is None:
            return self._reject(
                raw,
                line_no,
                offset,
                "not a usage record in any known format: no token counts, cost, "
                "latency or usage object beside the model (see `llmtop formats`)",
            )
        try:
            mappings = adapter.parse(value, self.state)
        except RecordRejected as exc:
            return self._reject(raw, line_no, offset, str(exc), adapter.name)
        decoded = Decoded()
        if not mappings:
            decoded.skipped += 1
        now_ms = int(self.clock() * 1000)
        for index, mapping in enumerate(mappings):
            try:
                event = build_event(mapping, now_ms=now_ms)
            except RecordRejected as exc:
                decoded.extend(
                    self._reject(raw, line_no, offset, str(exc), adapter.name)
                )
                continue
            if event.request_id is None:
                suffix = f"#{index}" if len(mappings) > 1 else ""
                event.request_id = "h:" + _digest(raw) + suffix
            row = event_row(event, self.pricer.price(event), now_ms=now_ms)
            row.update(
                format=adapter.name,
                source=self.source,
                source_line=line_no,
                source_offset=offset,
            )
            if mapping.get("_replace"):
                row["_replace"] = True
                row["replaceable"] = 1
            decoded.rows.append(row)
        return decoded

    def _adapter_for(self, value: Mapping[str, Any]) -> Adapter | None:
        if self.forced is not None:
            return self.forced
        # The last adapter is tried first, except the permissive ones: a line that
        # a specific adapter claims must not be read by a catch-all that matched
        # the line before it.
        last = self.last
        if last is not None and last.name not in _PERMISSIVE and last.detect(value):
            return last
        # Lines of one shape that only a catch-all claims stay that way: remember
        # the shape (its keys and the values adapters dispatch on) to skip the
        # walk through every specific adapter.
        shape = _shape(value)
        cached = self._shapes.get(shape) if shape is not None else None
        if cached is not None:
            return cached
        found = detect(value)
        if found is not None:
            self.last = found
            if shape is not None and found.name in _PERMISSIVE:
                if len(self._shapes) >= _MAX_SHAPES:
                    self._shapes.clear()
                self._shapes[shape] = found
        return found

    def _reject(
        self,
        raw: bytes,
        line_no: int | None,
        offset: int | None,
        reason: str,
        format_name: str | None = None,
    ) -> Decoded:
        return Decoded(
            rejects=[
                {
                    "source": self.source,
                    "line_no": line_no,
                    "byte_offset": offset,
                    "format": format_name,
                    "reason": reason,
                    "excerpt": excerpt(raw),
                    "at": int(self.clock() * 1000),
                }
            ]
        )


_INVALID = object()


def _lenient_json(text: bytes) -> Any:
    """Python's own parser for what orjson refuses but a log may hold: numbers
    too big for a double (1e999) and NaN/Infinity, which then become field
    problems instead of losing the whole record."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _INVALID


def _json_problem(text: bytes, exc: Exception) -> str:
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as bad:
        return (
            f"not valid UTF-8: byte {bad.start} of the line is 0x{text[bad.start]:02x}"
        )
    return f"not valid JSON: {exc}"


def _shape(value: Mapping[str, Any]) -> tuple[Any, ...] | None:
    kind, obj = value.get("type"), value.get("object")
    if not (kind is None or type(kind) is str) or not (obj is None or type(obj) is str):
        return None
    return (kind, obj, *value)


def event_row(event: UsageEvent, cost: Cost, *, now_ms: int) -> dict[str, Any]:
    """The events-table row for a priced event (origin columns are added later)."""
    # The model's field values, without a serializer pass (this runs per record).
    row = dict(event.__dict__)
    del row["flags"], row["extra"], row["ts_ms"], row["estimated_cost_usd"]
    row["ts"] = event.ts_ms
    row["ts_inferred"] = int(event.ts_inferred)
    row["fallback_used"] = int(event.fallback_used)
    row["batch"] = int(event.batch)
    row["cost_usd"] = cost.usd
    row["cost_source"] = cost.source
    row["price_source"] = cost.price_source
    row["estimate_usd"] = cost.estimate_usd
    row["cost_note"] = cost.note
    row["lat_bucket"] = (
        None if event.latency_ms is None else bucket_of(event.latency_ms)
    )
    row["flags"] = json.dumps(event.flags, ensure_ascii=False) if event.flags else None
    row["extra"] = json.dumps(event.extra, ensure_ascii=False) if event.extra else None
    row["ingested_at"] = now_ms
    row["format"] = row["source"] = row["source_line"] = row["source_offset"] = None
    row["replaceable"] = 0
    return row


def excerpt(raw: bytes) -> str:
    """A short, content-free copy of a rejected line for the rejects table."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        text = json.dumps(
            {key: _excerpt_value(str(key), item) for key, item in value.items()},
            ensure_ascii=False,
            default=str,
        )
    else:
        # Not JSON: every quoted value (after a colon) is masked, keys stay, so
        # the reason can be read without the prompt a broken line may carry.
        text = raw.decode("utf-8", errors="backslashreplace")
        if not text.lstrip().startswith(("{", "[")):
            # Plain text could be anything, content included: only its start.
            return f"{text[:12]}… ({len(raw):,} bytes, not JSON)"
        text = _QUOTED_VALUE.sub(r'\1"…"', text)
        text = _LONG_STRING.sub('"…"', text)
    return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")


def _excerpt_value(key: str, value: Any) -> Any:
    """Keep what says why a record was rejected, never what could be content."""
    name = canonical_key(key)
    if name in KNOWN_FIELDS and (value is None or type(value) in (str, int, bool)):
        return value if type(value) is not str else value[:80]
    if type(value) is float:
        return value
    return value if name not in CONTENT_FIELDS and is_metadata(key, value) else "…"


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=12).hexdigest()
