"""genai-prices as the price engine: find a model once, compile its prices once.

Only the data bundled with the pinned genai-prices release is used; llmtop never
starts its `UpdatePrices` thread, so no price is fetched at run time.

genai-prices' own `calc_price` costs about 100 µs a record. Here a model is looked
up once per (provider, model), its `ModelPrice` is compiled into `Band`s once,
and a record is priced with plain float arithmetic (`llmtop.pricing.rates`).
Prices that depend on the request time (DeepSeek's off-peak hours, a price cut
from a start date) pick their variant from the record's own timestamp.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from importlib.metadata import version

from genai_prices import data_snapshot
from genai_prices.types import ModelInfo, ModelPrice, Provider, TieredPrices

from llmtop.pricing.rates import Band, PriceTable

VERSION = version("genai-prices")
DATA_NAME = f"genai-prices {VERSION}"

#: Provider names seen in logs that genai-prices' own matching does not know.
PROVIDER_IDS: dict[str, str] = {
    "kimi": "moonshotai",
    "moonshot": "moonshotai",
    "zhipu": "zhipuai",
    "zhipu-ai": "zhipuai",
    "bigmodel": "zhipuai",
    "z-ai": "zai",
    "z.ai": "zai",
    "fireworks_ai": "fireworks",
    "fireworks-ai": "fireworks",
    "vertex_ai": "google",
    "gemini": "google",
    "bedrock": "aws",
    "azure_openai": "azure",
    "azure-openai": "azure",
    "x.ai": "x-ai",
    "grok": "x-ai",
    "mistralai": "mistral",
}

#: Minutes of time-dependent prices remembered per model (a week's worth).
_MINUTES_KEPT = 7 * 24 * 60
_PRICE_KEYS = (
    ("input", "input_mtok"),
    ("output", "output_mtok"),
    ("cached_input", "cache_read_mtok"),
    ("cache_write", "cache_write_mtok"),
    ("cache_write_1h", "cache_write_1h_mtok"),
    ("reasoning", "output_reasoning_mtok"),
)


@dataclass
class GenaiModel:
    """One resolved model, with its compiled tables per price variant."""

    provider: Provider
    model: ModelInfo
    context: dict[str, str]
    note: str | None
    static: PriceTable | None = None
    _tables: dict[tuple[int, tuple[int, ...]], PriceTable | None] = field(
        default_factory=dict
    )
    _by_minute: dict[int, PriceTable | None] = field(default_factory=dict)

    def table(self, ts_ms: int) -> PriceTable | None:
        """The table in force at the request's time (None: no token prices).

        genai-prices' time constraints fall on whole minutes (checked by a
        test), so the answer is memoised per minute of the request.
        """
        if self.static is not None:
            return self.static
        minute = ts_ms // 60_000
        if minute in self._by_minute:
            return self._by_minute[minute]
        moment = datetime.fromtimestamp(minute * 60, tz=timezone.utc)
        key = _variant_key(self.model, moment, self.context)
        if key not in self._tables:
            self._tables[key] = self._compile(moment)
        if len(self._by_minute) >= _MINUTES_KEPT:
            self._by_minute.clear()
        self._by_minute[minute] = self._tables[key]
        return self._tables[key]

    def _compile(self, moment: datetime) -> PriceTable | None:
        prices = self.model.get_prices(moment, self.context or None)
        bands = compile_bands(prices)
        if bands is None:
            return None
        note = self.note
        if self.context.get("processing") == "batch" and not any(
            variant.when == {"processing": "batch"}
            and (variant.constraint is None or variant.constraint.active(moment))
            for variant in self.model.price_variants or []
        ):
            note = "genai-prices has no batch price for this date; standard rate"
        label = f"{self.provider.id} {self.model.id}"
        variant = ", ".join(f"{k}={v}" for k, v in self.context.items())
        return PriceTable(
            bands=bands,
            source=f"{DATA_NAME}: {label}" + (f" ({variant})" if variant else ""),
            label=label,
            note=note,
            detail=f"{DATA_NAME}, {label}" + (f" ({variant})" if variant else ""),
        )


class GenaiPrices:
    """Lookups in genai-prices' bundled snapshot, memoised by the caller."""

    def __init__(self) -> None:
        self._snapshot = data_snapshot.get_snapshot()

    def provider_id(self, name: str | None) -> str | None:
        """genai-prices' id for a provider name from a record, or None if unknown."""
        if not name:
            return None
        wanted = PROVIDER_IDS.get(name.lower(), name.lower())
        found = data_snapshot.find_provider_by_id(self._snapshot.providers, wanted)
        return found.id if found else None

    def find(
        self,
        model: str,
        provider: str | None,
        *,
        batch: bool = False,
        service_tier: str | None = None,
    ) -> GenaiModel | None:
        """The model at that provider (or wherever genai-prices places the name)."""
        try:
            found_provider, info = self._snapshot.find_provider_model(
                model, None, provider, None
            )
        except LookupError:
            return None
        own = any(info is candidate for candidate in found_provider.models)
        context, note = _context(info, own, batch, service_tier)
        resolved = GenaiModel(found_provider, info, context, note)
        if _is_static(info, context):
            resolved.static = resolved._compile(datetime.now(timezone.utc))
        return resolved


def compile_bands(prices: ModelPrice) -> tuple[Band, ...] | None:
    """Bands from a genai-prices `ModelPrice`.

    An empty `ModelPrice` is genai-prices' way to list a free model, so it gives
    a zero band; one priced only in other units (audio hours, characters) gives
    None, and its requests stay unpriced rather than free.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = {name: getattr(prices, key, None) for name, key in _PRICE_KEYS}
        per_request = getattr(prices, "requests_kcount", None)
    if values["input"] is None and values["output"] is None:
        if any(value is not None for value in vars(prices).values()):
            return None  # priced per audio hour or character, not per token
        values["input"] = values["output"] = Decimal(0)  # listed as free
    starts = sorted(
        {
            tier.start
            for value in values.values()
            if isinstance(value, TieredPrices)
            for tier in value.tiers
        }
    )
    edges = [0, *(start + 1 for start in starts)]
    bands = []
    for index, low in enumerate(edges):
        high = edges[index + 1] - 1 if index + 1 < len(edges) else None
        rates = {name: _at(value, low) for name, value in values.items()}
        bands.append(
            Band(
                input=rates.pop("input") or 0.0,
                output=rates.pop("output") or 0.0,
                per_request=float(per_request) / 1000 if per_request else 0.0,
                in_min=low,
                in_max=high,
                **rates,
            )
        )
    return tuple(bands)


def _at(value: Decimal | TieredPrices | None, inp: int) -> float | None:
    """The rate for a request of `inp` input tokens (genai-prices: tier if >)."""
    if value is None:
        return None
    if isinstance(value, TieredPrices):
        rate = value.base
        for tier in value.tiers:
            if inp > tier.start:
                rate = tier.price
        return float(rate)
    return float(value)


def _context(
    info: ModelInfo, own: bool, batch: bool, service_tier: str | None
) -> tuple[dict[str, str], str | None]:
    """The price-variant context for a request, and a note when batch is unknown."""
    variants = (info.price_variants or []) if own else []
    context: dict[str, str] = {}
    note = None
    if batch:
        if any(v.when == {"processing": "batch"} for v in variants):
            context["processing"] = "batch"
        else:
            note = "no batch price for this model in genai-prices; standard rate"
    if service_tier and any(
        v.when.get("service_tier") == service_tier.lower() for v in variants
    ):
        context["service_tier"] = service_tier.lower()
    return context, note


def _is_static(info: ModelInfo, context: dict[str, str]) -> bool:
    """Whether the price cannot change with the request's time."""
    if isinstance(info.prices, list):
        return False
    return not context or all(v.constraint is None for v in info.price_variants or [])


def _variant_key(
    info: ModelInfo, moment: datetime, context: dict[str, str]
) -> tuple[int, tuple[int, ...]]:
    """Which conditional price and which variants are in force: the cache key."""
    chosen = 0
    if isinstance(info.prices, list):
        for index in range(len(info.prices) - 1, -1, -1):
            constraint = info.prices[index].constraint
            if constraint is None or constraint.active(moment):
                chosen = index
                break
    active = tuple(
        index
        for index, variant in enumerate(info.price_variants or [])
        if context
        and (variant.constraint is None or variant.constraint.active(moment))
        and all(context.get(k) == v for k, v in variant.when.items())
    )
    return chosen, active
