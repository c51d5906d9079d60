"""How money is written on every screen and in every report.

A total that leaves out unpriced requests is a lower bound, and says so: the
reader sees `≥ $41.20 (3 unpriced)` rather than a confident `$41.20`.
"""

from __future__ import annotations

import math

#: Below this a non-zero amount is shown as "<$0.000001" rather than rounded to 0.
_SMALLEST = 1e-6


def usd_text(amount: float) -> str:
    """Dollars for humans: cents above a cent, two significant digits below it.

    Per-request costs are often fractions of a cent; rounding them to "$0.00"
    would read as free, so small amounts keep their first two digits.
    """
    if amount < 0:
        return "-" + usd_text(-amount)
    if amount == 0 or amount >= 0.01:
        return f"${amount:,.2f}"
    if amount < _SMALLEST:
        return "<$0.000001"
    decimals = min(6, 1 - math.floor(math.log10(amount)))
    return f"${amount:.{decimals}f}"


def spend_text(spend: float, unpriced: int) -> str:
    """A total that never hides unknowns: "$41.20" or "≥ $41.20 (3 unpriced)"."""
    text = usd_text(spend)
    if unpriced > 0:
        return f"≥ {text} ({unpriced:,} unpriced)"
    return text


def cost_text(usd: float | None) -> str:
    """One request's cost; "unpriced" rather than a misleading "$0.00"."""
    return "unpriced" if usd is None else usd_text(usd)
