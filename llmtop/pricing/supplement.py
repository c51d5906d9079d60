"""The bundled price supplement for models genai-prices does not know.

`data/supplement.tsv` lists published prices for Qwen (Alibaba Model Studio),
Doubao (Volcengine Ark) and some GLM, Kimi and MiniMax names, one row per price
tier, each with its source and the date that source states. It is consulted only
after genai-prices finds nothing, and the user's own prices override it.

A row's `tier_rule` reads like `32K<in<=128K; mode=thinking`: `in` is all the
request's input tokens (cached ones included), `out` its output tokens, K is
1,000 and M 1,000,000. Every token of a request pays the rates of the tier its
size falls in. A `mode` tier is chosen from the record: thinking when it reports
reasoning tokens. Prices stay in the currency the source publishes (CNY or USD);
converting CNY is the caller's job and needs the user's exchange rate.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from llmtop.pricing.rates import Band

#: Provider names in records → the supplement's provider groups, in the order
#: tried. Alibaba's mainland (CNY) and international (USD) sites price apart.
PROVIDER_GROUPS: dict[str, tuple[str, ...]] = {
    "alibaba": ("alibaba-cn", "alibaba-intl"),
    "dashscope": ("alibaba-cn", "alibaba-intl"),
    "qwen": ("alibaba-cn", "alibaba-intl"),
    "aliyun": ("alibaba-cn", "alibaba-intl"),
    "bailian": ("alibaba-cn", "alibaba-intl"),
    "modelstudio": ("alibaba-cn", "alibaba-intl"),
    "alibaba-cn": ("alibaba-cn",),
    "dashscope-cn": ("alibaba-cn",),
    "alibaba-intl": ("alibaba-intl",),
    "dashscope-intl": ("alibaba-intl",),
    "volcengine": ("volcengine",),
    "volces": ("volcengine",),
    "ark": ("volcengine",),
    "bytedance": ("volcengine",),
    "doubao": ("volcengine",),
    "zhipuai": ("zhipuai",),
    "zhipu": ("zhipuai",),
    "bigmodel": ("zhipuai",),
    "zai": ("zai",),
    "z-ai": ("zai",),
    "z.ai": ("zai",),
    "moonshotai": ("moonshotai",),
    "moonshot": ("moonshotai",),
    "kimi": ("moonshotai",),
    "minimax": ("minimax",),
}

_NUMBER = r"(\d+(?:\.\d+)?)([KM]?)"
_RANGE = re.compile(rf"^(?:{_NUMBER}(<=|<))?(in|out)(<=|<|>=|>){_NUMBER}")
_MODE = re.compile(r"^mode=(thinking|non-thinking)")
_DATE = re.compile(r"(?:>=|≥)?\d{4}-\d{2}(?:-\d{2})?")


@dataclass(frozen=True)
class SupplementEntry:
    """One model at one provider: its tiers, currency and provenance."""

    provider: str
    model: str
    names: frozenset[str]
    bands: tuple[Band, ...]
    currency: str
    sources: tuple[str, ...]
    dates: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def short_source(self) -> str:
        """`supplement: <source> (<date>)`, short enough for every stored row."""
        source = re.split(r" \(|; | \+ ", self.sources[0], maxsplit=1)[0]
        found = _DATE.search(self.dates[0])
        date = found.group(0) if found else self.dates[0]
        return f"supplement: {source[:80]} ({date})"


def parse_rule(rule: str) -> dict[str, object]:
    """Band bounds and mode from a tier rule such as `32K<in<=128K; out>200`."""
    bounds: dict[str, object] = {}
    for part in (piece.strip() for piece in rule.split(";")):
        if match := _MODE.match(part):
            bounds["mode"] = match.group(1)
            continue
        match = _RANGE.match(part)
        if not match:
            continue
        low_num, low_unit, low_op, side, high_op, high_num, high_unit = match.groups()
        prefix = "in" if side == "in" else "out"
        if low_num is not None:
            low = _tokens(low_num, low_unit)
            bounds[f"{prefix}_min"] = low + 1 if low_op == "<" else low
        limit = _tokens(high_num, high_unit)
        if high_op == "<=":
            bounds[f"{prefix}_max"] = limit
        elif high_op == "<":
            bounds[f"{prefix}_max"] = limit - 1
        elif high_op == ">":
            bounds[f"{prefix}_min"] = limit + 1
        else:
            bounds[f"{prefix}_min"] = limit
    return bounds


def _tokens(number: str, unit: str) -> int:
    scale = {"": 1, "K": 1_000, "M": 1_000_000}[unit]
    return round(float(number) * scale)


def _price(text: str) -> float | None:
    text = text.strip()
    return None if text in ("", "—", "-") else float(text)


@cache
def entries() -> tuple[SupplementEntry, ...]:
    """Every (provider, model) of the bundled supplement, in file order."""
    text = resources.files("llmtop.pricing").joinpath("data/supplement.tsv")
    rows = list(csv.DictReader(text.read_text("utf-8").splitlines(), delimiter="\t"))
    grouped: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        provider = row["provider"].split()[0]
        grouped.setdefault((provider, row["model"].strip()), []).append(row)
    found = []
    for (provider, model), group in grouped.items():
        names = {model.lower()}
        for row in group:
            for alias in row["aliases"].split(","):
                alias = alias.strip().split(" ")[0].lower()
                if alias and alias != "—":
                    names.add(alias)
        bands = tuple(
            Band(
                input=_price(row["input_per_mtok"]) or 0.0,
                output=_price(row["output_per_mtok"]) or 0.0,
                cached_input=_price(row["cached_input_per_mtok"]),
                **parse_rule(row["tier_rule"]),  # type: ignore[arg-type]
            )
            for row in group
        )
        found.append(
            SupplementEntry(
                provider=provider,
                model=model,
                names=frozenset(names),
                bands=bands,
                currency=group[0]["currency"].strip().upper(),
                sources=tuple(dict.fromkeys(row["source"] for row in group)),
                dates=tuple(dict.fromkeys(row["source_date"] for row in group)),
                rules=tuple(row["tier_rule"] for row in group),
            )
        )
    return tuple(found)


@cache
def _index() -> dict[str, tuple[SupplementEntry, ...]]:
    index: dict[str, list[SupplementEntry]] = {}
    for entry in entries():
        for name in entry.names:
            index.setdefault(name, []).append(entry)
    return {name: tuple(found) for name, found in index.items()}


def lookup(model: str, provider: str | None) -> tuple[SupplementEntry, ...]:
    """Entries for a model name (case-insensitive, aliases included).

    A provider the supplement knows narrows the entries to its groups, in their
    order; an unknown or missing provider keeps every entry with that name.
    """
    found = _index().get(model.lower(), ())
    groups = PROVIDER_GROUPS.get((provider or "").lower())
    if groups is None:
        return found
    return tuple(
        entry for group in groups for entry in found if entry.provider == group
    )
