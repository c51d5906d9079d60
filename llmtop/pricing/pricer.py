"""Estimate a request's cost with genai-prices' bundled data (never fetched)."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Literal

import genai_prices
from genai_prices import Usage, calc_price

from llmtop.event import UsageEvent

log = logging.getLogger(__name__)

CostSource = Literal["reported", "estimated", "unpriced"]
PRICE_DATA = f"genai-prices {genai_prices.__version__}"


@dataclass(frozen=True)
class Cost:
    """A request's cost and where it came from.

    `usd` is None exactly when the request is unpriced; `estimate_usd` is the
    table's estimate even when a reported cost wins, so the two can be compared.
    """

    usd: float | None
    source: CostSource
    price_source: str | None = None
    note: str | None = None
    estimate_usd: float | None = None


class Pricer:
    """Prices events; one instance per writer, cheap to call per record."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str | None, str], bool] = {}

    def price(self, event: UsageEvent) -> Cost:
        estimate, source, note = self._estimate(event)
        if event.estimated_cost_usd is not None:
            return Cost(
                event.estimated_cost_usd,
                "reported",
                "reported by the record",
                None,
                estimate,
            )
        if estimate is None:
            return Cost(None, "unpriced", None, note, None)
        return Cost(estimate, "estimated", source, None, estimate)

    def _estimate(
        self, event: UsageEvent
    ) -> tuple[float | None, str | None, str | None]:
        if not event.model:
            return None, None, "no model in the record"
        if event.input_tokens is None and event.output_tokens is None:
            return None, None, "no token counts in the record"
        usage = Usage(
            input_tokens=event.input_tokens or 0,
            output_tokens=event.output_tokens or 0,
            cache_read_tokens=event.cache_read_tokens or 0,
            cache_write_tokens=event.cache_write_tokens or 0,
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = calc_price(usage, event.model, provider_id=event.provider)
        except LookupError:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = calc_price(usage, event.model)
            except LookupError:
                return None, None, f"no price for model {event.model!r}"
        return float(result.total_price), PRICE_DATA, None
