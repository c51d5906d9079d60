"""Cost of a request: reported, estimated from a price table, or honestly unknown."""

from __future__ import annotations

from llmtop.pricing.display import cost_text, spend_text, usd_text
from llmtop.pricing.pricer import PRICE_DATA, Cost, Pricer, disagreement

__all__ = [
    "PRICE_DATA",
    "Cost",
    "Pricer",
    "cost_text",
    "disagreement",
    "spend_text",
    "usd_text",
]
