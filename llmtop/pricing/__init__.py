"""Cost of a request: reported, estimated from a price table, or honestly unknown."""

from __future__ import annotations

from llmtop.pricing.pricer import Cost, Pricer

__all__ = ["Cost", "Pricer"]
