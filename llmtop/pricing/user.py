"""The user's own prices: the `[prices]` table of the config file.

They override every other price (genai-prices and the bundled supplement), for
fine-tuned or self-hosted models, negotiated rates, or a model too new for the
tables. All rates are per million tokens. Example:

    [prices]
    # Units of a currency that buy one US dollar. Prices published in CNY
    # (the supplement's mainland rows, or yours) apply only once this is set.
    per_usd = { CNY = 7.10 }

    # A provider name in your records → the one whose prices apply.
    provider_map = { dashscope = "alibaba-intl", my-gateway = "openai" }

    [prices.models."acme-ft-large"]
    provider = "openai"        # optional: only records from this provider
    aliases = ["ft:gpt-4.1:acme:large"]
    currency = "USD"           # the default; any other needs per_usd
    input = 3.00               # uncached input tokens
    cached_input = 0.75        # cache reads (default: the input rate)
    cache_write = 3.75         # 5-minute cache writes (default: the input rate)
    cache_write_1h = 6.00      # 1-hour cache writes (default: cache_write)
    output = 12.00             # output tokens, reasoning included
    batch = 0.5                # multiplier for batch requests (default: none)

    # Long-context tiers: a request whose input exceeds `above` tokens pays the
    # tier's rates on all its tokens; rates a tier leaves out are the base ones.
    [[prices.models."acme-ft-large".tiers]]
    above = 200_000
    input = 6.00
    cached_input = 1.50
    output = 18.00

Model names match case-insensitively, with or without a provider prefix
(`openai/acme-ft-large`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from llmtop.config import validate_table
from llmtop.pricing.rates import Band, PriceTable


def _rate() -> Any:
    """An optional per-million rate: absent, or a finite number ≥ 0."""
    return Field(default=None, ge=0, allow_inf_nan=False)


class TierPrice(BaseModel):
    """Rates for requests whose input exceeds `above` tokens."""

    model_config = ConfigDict(extra="forbid")

    above: int = Field(ge=0)
    input: float | None = _rate()
    cached_input: float | None = _rate()
    cache_write: float | None = _rate()
    cache_write_1h: float | None = _rate()
    output: float | None = _rate()


class ModelPrice(BaseModel):
    """One model's prices, per million tokens."""

    model_config = ConfigDict(extra="forbid")

    provider: str | None = None
    aliases: list[str] = []
    currency: str = "USD"
    input: float = Field(ge=0, allow_inf_nan=False)
    output: float = Field(ge=0, allow_inf_nan=False)
    cached_input: float | None = _rate()
    cache_write: float | None = _rate()
    cache_write_1h: float | None = _rate()
    batch: float | None = Field(default=None, gt=0, le=1)
    tiers: list[TierPrice] = []

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("tiers")
    @classmethod
    def _distinct(cls, tiers: list[TierPrice]) -> list[TierPrice]:
        starts = [tier.above for tier in tiers]
        if len(set(starts)) != len(starts):
            raise ValueError("two tiers have the same `above`")
        return sorted(tiers, key=lambda tier: tier.above)

    def bands(self) -> tuple[Band, ...]:
        """The base rates up to the first tier, then one band per tier."""
        base = {
            "input": self.input,
            "output": self.output,
            "cached_input": self.cached_input,
            "cache_write": self.cache_write,
            "cache_write_1h": self.cache_write_1h,
        }
        edges = [tier.above for tier in self.tiers]
        bands = [Band(**base, in_max=edges[0] if edges else None)]
        for index, tier in enumerate(self.tiers):
            rates = {
                name: value
                for name, value in tier.model_dump(exclude={"above"}).items()
                if value is not None
            }
            high = edges[index + 1] if index + 1 < len(edges) else None
            bands.append(Band(**{**base, **rates}, in_min=tier.above + 1, in_max=high))
        return tuple(bands)


class PriceSettings(BaseModel):
    """The whole `[prices]` table."""

    model_config = ConfigDict(extra="forbid")

    per_usd: dict[str, float] = {}
    provider_map: dict[str, str] = {}
    models: dict[str, ModelPrice] = {}

    @field_validator("per_usd")
    @classmethod
    def _positive(cls, rates: dict[str, float]) -> dict[str, float]:
        for currency, rate in rates.items():
            if not rate > 0 or rate == float("inf"):
                raise ValueError(f"{currency} must be a positive number")
        return {currency.upper(): rate for currency, rate in rates.items()}

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> PriceSettings:
        """Validate `config["prices"]`; errors name the key to fix."""
        return validate_table(cls, config, "prices")

    def to_usd(self, currency: str) -> float | None:
        """Dollars per unit of `currency`, or None when no rate is set."""
        if currency == "USD":
            return 1.0
        rate = self.per_usd.get(currency)
        return None if rate is None else 1.0 / rate

    def find(self, model: str, provider: str | None) -> tuple[str, ModelPrice] | None:
        """The user's entry for a model name (with or without a provider prefix)."""
        wanted = model.lower()
        for name, price in self.models.items():
            names = {name.lower(), *(alias.lower() for alias in price.aliases)}
            if wanted not in names:
                continue
            if price.provider and (provider or "").lower() != price.provider.lower():
                continue
            return name, price
        return None

    def table(
        self, name: str, price: ModelPrice, batch: bool, source: str
    ) -> PriceTable:
        """A `PriceTable` for one of the user's entries."""
        note = None
        factor = 1.0
        if batch:
            if price.batch is None:
                note = "no batch price in [prices]; standard rate"
            else:
                factor = price.batch
        return PriceTable(
            bands=price.bands(),
            source=source,
            label=f"[prices] {name}",
            currency=price.currency,
            to_usd=self.to_usd(price.currency),
            factor=factor,
            note=note,
            detail=f"{source}, [prices.models.{name!r}]",
        )
