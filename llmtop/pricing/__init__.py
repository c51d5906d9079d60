"""Cost of a request: reported, estimated from a price table, or honestly unknown."""

from __future__ import annotations

from llmtop.pricing.display import cost_text, spend_text, usd_text
from llmtop.pricing.pricer import Cost, Pricer

__all__ = ["Cost", "Pricer", "cost_text", "spend_text", "usd_text"]
