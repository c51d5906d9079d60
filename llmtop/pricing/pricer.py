"""A request's cost: reported, estimated from a price table, or honestly unknown.

A cost the record reports wins. Otherwise the price comes from, in order:

1. the user's `[prices]` (see `llmtop.pricing.user`);
2. genai-prices' bundled data, at the record's provider, then wherever
   genai-prices places the model name on its own;
3. the bundled supplement (`llmtop.pricing.supplement`), for the Chinese models
   genai-prices misses. A provider-less or ambiguous name (`qwen3-max` from
   "alibaba", `glm-4.5` from "zhipuai") takes the mainland CNY row when an
   exchange rate is set, and otherwise the first row priced in USD;
4. names genai-prices has under another spelling (`deepseek-v4.1-flash`,
   `MiniMax-Text-01`, and the GLM models only Z.ai lists);
5. else the request is unpriced, with a note saying why (never $0).

Each (provider, model, batch, service tier) is resolved once and cached, so a
record costs a dictionary lookup and a few multiplications.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from llmtop.event import UsageEvent
from llmtop.pricing import supplement
from llmtop.pricing.display import usd_text
from llmtop.pricing.genai import DATA_NAME, GenaiModel, GenaiPrices
from llmtop.pricing.rates import PriceTable
from llmtop.pricing.user import PriceSettings

log = logging.getLogger(__name__)

CostSource = Literal["reported", "estimated", "unpriced"]
PRICE_DATA = DATA_NAME
#: Resolved models kept per pricer; past this the cache starts afresh.
CACHE_LIMIT = 10_000
#: Alibaba Model Studio bills batch calls at half the real-time price.
_BATCH_FACTORS = {"alibaba-cn": 0.5, "alibaba-intl": 0.5}
#: Names genai-prices prices under another spelling: name → (provider, model).
ALIAS_FIXES: dict[str, tuple[str, str]] = {
    "deepseek-v4.1-flash": ("deepseek", "deepseek-flash"),
    "minimax-text-01": ("minimax", "minimax-01"),
    **{
        name: ("zai", name)
        for name in (
            "glm-4.5",
            "glm-4.6",
            "glm-4.5-x",
            "glm-4.5-airx",
            "glm-4.5v",
            "glm-4.6v",
            "glm-5.3-flashx",
        )
    },
}


class Cost(NamedTuple):
    """A request's cost and where it came from.

    `usd` is None exactly when the request is unpriced; `estimate_usd` is the
    table's estimate even when a reported cost wins, so the two can be compared.
    A named tuple because one is built per record and it is three times cheaper
    to build than a frozen dataclass.
    """

    usd: float | None
    source: CostSource
    price_source: str | None = None
    note: str | None = None
    estimate_usd: float | None = None


@dataclass
class Resolution:
    """What one (provider, model, batch, tier) resolved to, and how."""

    table: Callable[[int], PriceTable | None] | None
    origin: str
    note: str | None = None
    trail: list[str] = field(default_factory=list)
    entries: tuple[supplement.SupplementEntry, ...] = ()
    chosen: supplement.SupplementEntry | None = None
    genai: GenaiModel | None = None
    static: PriceTable | None = None


class Pricer:
    """Prices events; one instance per writer, cheap to call per record.

    Args:
        config: the whole dict from `llmtop.config.load_config`; its `[prices]`
            table is validated here (a bad one raises `ConfigError`).
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.settings = PriceSettings.from_config(config)
        self.config_source = f"config: {(config or {}).get('_path', 'config')}"
        self._genai = GenaiPrices()
        self._cache: dict[tuple[Any, ...], Resolution] = {}

    def price(self, event: UsageEvent) -> Cost:
        """The cost of one event, reported or estimated, never a silent $0."""
        estimate, source, note = self._estimate(event)
        reported = event.estimated_cost_usd
        if reported is not None:
            return Cost(
                reported,
                "reported",
                "reported by the record",
                disagreement(reported, estimate),
                estimate,
            )
        if event.flags:
            rejected = next(
                (f for f in event.flags if f.startswith("estimated_cost_usd:")), None
            )
            if rejected:
                reason = rejected.split(": ", 1)[1]
                note = _join(f"reported cost rejected ({reason})", note)
        if estimate is None:
            return Cost(None, "unpriced", None, note, None)
        return Cost(estimate, "estimated", source, note, estimate)

    def resolve(
        self,
        model: str,
        provider: str | None = None,
        batch: bool = False,
        service_tier: str | None = None,
    ) -> Resolution:
        """Which price applies to a model, cached; `llmtop prices` shows it."""
        key = (provider, model, batch, service_tier)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            found = self._resolve(model, provider, batch, service_tier)
            if found.genai is None and found.table is not None:
                found.static = found.table(0)
            elif found.genai is not None:
                found.static = found.genai.static
            self._cache[key] = found
        return found

    def _estimate(
        self, event: UsageEvent
    ) -> tuple[float | None, str | None, str | None]:
        model = event.model
        if not model:
            return None, None, "no model in the record"
        inp = event.input_tokens
        out = event.output_tokens
        if inp is None and out is None:
            return None, None, "no token counts in the record"
        key = (event.provider, model, event.batch, event.service_tier)
        resolution = self._cache.get(key) or self.resolve(*key_args(key))
        table = resolution.static
        if table is None and resolution.table is not None:
            table = resolution.table(event.ts_ms)
        if table is None:
            return None, None, resolution.note
        usd, note = table.cost(
            inp or 0,
            out or 0,
            event.cache_read_tokens or 0,
            event.cache_write_tokens or 0,
            event.cache_write_1h_tokens or 0,
            event.reasoning_tokens or 0,
        )
        if usd is None:
            return None, None, note
        return usd, table.source, note

    def _resolve(
        self, model: str, provider: str | None, batch: bool, tier: str | None
    ) -> Resolution:
        if provider:
            provider = self.settings.provider_map.get(provider.lower(), provider)
        name = model.strip()
        prefix, _, rest = name.partition("/") if "/" in name else ("", "", "")
        names = [(name, provider)]
        if rest:
            names.append((rest, provider or prefix))
            if provider and provider.lower() != prefix.lower():
                names.append((rest, prefix))
        trail: list[str] = []

        for candidate, hint in names:
            if found := self.settings.find(candidate, hint):
                table = self.settings.table(*found, batch, self.config_source)
                return Resolution(_fixed(table), "your config", trail=trail)
        trail.append("[prices] in your config: no entry")

        for candidate, hint in names:
            pid = self._genai.provider_id(hint)
            if pid and (
                found := self._genai.find(
                    candidate, pid, batch=batch, service_tier=tier
                )
            ):
                return _genai_resolution(found, trail)
        for candidate, _hint in names:
            if found := self._genai.find(
                candidate, None, batch=batch, service_tier=tier
            ):
                return _genai_resolution(found, trail)
        trail.append(f"{DATA_NAME}: no model {name!r} at {provider or 'any provider'}")

        pending: Resolution | None = None
        for candidate, hint in names:
            entries = supplement.lookup(candidate, hint)
            if not entries:
                continue
            usable = [e for e in entries if self._convertible(e)]
            if usable:
                table = self._supplement_table(usable[0], batch)
                return Resolution(
                    _fixed(table),
                    "supplement",
                    trail=trail,
                    entries=entries,
                    chosen=usable[0],
                )
            pending = Resolution(
                _fixed(self._supplement_table(entries[0], batch)),
                "supplement",
                trail=trail,
                entries=entries,
                chosen=entries[0],
            )
            trail.append(
                f"supplement: {entries[0].provider} {entries[0].model} is priced in "
                f"{entries[0].currency}, and no exchange rate is set"
            )
            break
        else:
            trail.append("supplement: no entry")

        for candidate, _hint in names:
            fix = ALIAS_FIXES.get(candidate.lower())
            if fix and (
                found := self._genai.find(
                    fix[1], fix[0], batch=batch, service_tier=tier
                )
            ):
                trail.append(f"{candidate} is listed as {fix[0]} {fix[1]}")
                return _genai_resolution(found, trail)

        if pending is not None:
            return pending
        where = f" from {provider}" if provider else ""
        return Resolution(
            None,
            "none",
            note=f"unknown model {name!r}{where}: no price in {DATA_NAME}, the "
            "bundled supplement or your [prices]",
            trail=trail,
        )

    def _convertible(self, entry: supplement.SupplementEntry) -> bool:
        return self.settings.to_usd(entry.currency) is not None or not any(
            band.input or band.output or band.cached_input for band in entry.bands
        )

    def _supplement_table(
        self, entry: supplement.SupplementEntry, batch: bool
    ) -> PriceTable:
        free = not any(b.input or b.output or b.cached_input for b in entry.bands)
        note = None
        factor = 1.0
        if batch:
            factor = _BATCH_FACTORS.get(entry.provider, 1.0)
            if factor == 1.0:
                note = "no batch price in the supplement; standard rate"
        return PriceTable(
            bands=entry.bands,
            source=entry.short_source,
            label=f"{entry.provider} {entry.model}",
            currency=entry.currency,
            to_usd=1.0 if free else self.settings.to_usd(entry.currency),
            factor=factor,
            note=note,
            detail=f"supplement: {entry.sources[0]} ({entry.dates[0]})",
        )


def _fixed(table: PriceTable) -> Callable[[int], PriceTable | None]:
    """A table that does not depend on the request's time."""
    return lambda _ts_ms: table


def key_args(key: tuple[Any, ...]) -> tuple[str, str | None, bool, str | None]:
    """`Pricer.resolve`'s arguments from a cache key (provider, model, …)."""
    provider, model, batch, tier = key
    return model, provider, batch, tier


def _genai_resolution(found: GenaiModel, trail: list[str]) -> Resolution:
    note = f"genai-prices has no token price for {found.provider.id} {found.model.id}"
    return Resolution(found.table, "genai-prices", note=note, trail=trail, genai=found)


def disagreement(cost_usd: float | None, estimate_usd: float | None) -> str | None:
    """A warning when a reported cost and the table's estimate differ over 2×.

    Either being zero while the other is not counts as a disagreement.
    """
    if cost_usd is None or estimate_usd is None:
        return None
    if cost_usd == estimate_usd:
        return None
    low, high = sorted((cost_usd, estimate_usd))
    if low > 0 and high / low <= 2:
        return None
    if low == 0:
        return (
            f"reported {usd_text(cost_usd)} but the price table gives "
            f"{usd_text(estimate_usd)}"
        )
    ratio = f"{high / low:.1f}×" if cost_usd > estimate_usd else f"1/{high / low:.1f}"
    return (
        f"reported {usd_text(cost_usd)} is {ratio} the price table's "
        f"{usd_text(estimate_usd)}"
    )


def _join(first: str, second: str | None) -> str:
    return first if not second else f"{first}; {second}"
