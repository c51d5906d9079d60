"""Your own format: a `[mapping]` table in the config file names where each event
field sits in your records.

Paths are dotted keys with `[n]` list indexes (`choices[0].usage.total`), and
`["odd.key"]` for a key that itself holds a dot. A list of paths for a count
adds the values found (for a source whose input count leaves cached tokens
out). `detect` is the path that tells your records apart from every other
format: a record is read with this mapping only when that path holds a value;
without it, the path mapped to `input_tokens` (else `model`) is used.
`[mapping.defaults]` gives fixed values for fields your records do not carry.
Values follow DESIGN.md's rules: input counts every input token, cached ones
included, and output counts reasoning tokens. Example::

    [mapping]
    name = "acme-gateway"                 # shown by `llmtop formats`
    detect = "usage.tokens_in"
    timestamp = "ts"                      # ISO-8601 or epoch s/ms/µs/ns
    request_id = "meta.id"
    task_id = "meta.conversation"
    workflow = "tags.feature"
    model = "llm.model"
    route = "routing.chain[0]"
    latency_ms = "timing.total_ms"
    input_tokens = ["usage.tokens_in", "usage.cache_hits"]
    cache_read_tokens = "usage.cache_hits"
    output_tokens = "usage.tokens_out"
    estimated_cost_usd = "billing.usd"

    [mapping.defaults]
    app = "acme-web"

so that `{"ts": "2025-03-01T10:00:00Z", "meta": {"id": "r1"}, "llm": {"model":
"gpt-4o"}, "usage": {"tokens_in": 900, "cache_hits": 100, "tokens_out": 40}}`
is stored as a gpt-4o request of 1000 input tokens (100 cached) and 40 output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from llmtop.config import ConfigError
from llmtop.event import KNOWN_FIELDS, canonical_key
from llmtop.formats.base import Adapter, AdapterState
from llmtop.formats.common import add_counts, as_int, dig

_RESERVED = frozenset({"name", "detect", "defaults", "description"})
_COUNT_FIELDS = frozenset(
    {
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cache_write_1h_tokens",
        "reasoning_tokens",
        "retry_count",
    }
)
_STEP = re.compile(r'\.?([^.\[\]"]+)|\[(\d+)\]|\["([^"]*)"\]')

Path = tuple[str | int, ...]


class MappingAdapter:
    """Reads records through the user's `[mapping]` table."""

    def __init__(
        self,
        name: str,
        fields: dict[str, tuple[Path, ...]],
        detect_path: Path,
        defaults: dict[str, Any],
    ) -> None:
        self.name = name
        self.description = (
            "your own records, mapped by the [mapping] table of the config"
        )
        self.fields = fields
        self.detect_path = detect_path
        self.defaults = defaults

    def detect(self, obj: Mapping[str, Any]) -> bool:
        return dig(obj, *self.detect_path) is not None

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        mapping: dict[str, Any] = dict(self.defaults)
        for field, paths in self.fields.items():
            values = [dig(obj, *path) for path in paths]
            if len(paths) > 1:
                value = add_counts(*(as_int(item) for item in values))
            else:
                value = values[0]
            if value is not None:
                mapping[field] = value
        return [mapping]


def mapping_adapter(table: dict[str, Any]) -> Adapter:
    """Build the adapter for a `[mapping]` table.

    Raises:
        ConfigError: naming the key of the table that is wrong and why.
    """
    if not isinstance(table, Mapping):
        raise ConfigError('[mapping] must be a table of field = "path" entries')
    fields: dict[str, tuple[Path, ...]] = {}
    for key, value in table.items():
        if key in _RESERVED:
            continue
        field = canonical_key(key)
        if field not in KNOWN_FIELDS:
            known = ", ".join(sorted(KNOWN_FIELDS))
            raise ConfigError(
                f"[mapping] {key}: not an event field; the fields are {known}"
            )
        paths = value if isinstance(value, list) else [value]
        if len(paths) > 1 and field not in _COUNT_FIELDS:
            raise ConfigError(
                f"[mapping] {key}: only token counts may list several paths to add"
            )
        fields[field] = tuple(parse_path(item, f"[mapping] {key}") for item in paths)
    if not fields:
        raise ConfigError('[mapping] maps no field; add e.g. input_tokens = "usage.in"')

    detect = table.get("detect")
    if detect is not None:
        detect_path = parse_path(detect, "[mapping] detect")
    else:
        chosen = next(
            (fields[f] for f in ("input_tokens", "model") if f in fields),
            next(iter(fields.values())),
        )
        detect_path = chosen[0]

    defaults = table.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise ConfigError("[mapping] defaults: must be a table of field = value")
    for key in defaults:
        if canonical_key(key) not in KNOWN_FIELDS:
            raise ConfigError(f"[mapping.defaults] {key}: not an event field")
    name = table.get("name", "mapping")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("[mapping] name: must be a non-empty string")
    return MappingAdapter(
        name.strip(),
        fields,
        detect_path,
        {canonical_key(key): value for key, value in defaults.items()},
    )


def parse_path(text: Any, where: str) -> Path:
    """`a.b[0]["c.d"]` as the steps ("a", "b", 0, "c.d")."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f'{where}: expected a path such as "usage.input"')
    steps: list[str | int] = []
    position = 0
    source = text.strip()
    while position < len(source):
        match = _STEP.match(source, position)
        if match is None or match.end() == position:
            raise ConfigError(
                f"{where}: cannot read path {text!r} at character {position + 1}"
            )
        key, index, quoted = match.groups()
        steps.append(
            int(index) if index is not None else (key if key is not None else quoted)
        )
        position = match.end()
    return tuple(steps)
