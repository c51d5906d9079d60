"""Money as the screens write it: lower bounds say so, small amounts stay visible."""

from __future__ import annotations

import pytest

from llmtop.pricing import cost_text, spend_text, usd_text


def test_priced_total_is_plain_dollars() -> None:
    assert spend_text(41.2, 0) == "$41.20"


def test_total_with_unpriced_requests_is_a_lower_bound() -> None:
    assert spend_text(41.2, 3) == "≥ $41.20 (3 unpriced)"


def test_nothing_priced_still_says_lower_bound() -> None:
    assert spend_text(0.0, 1) == "≥ $0.00 (1 unpriced)"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1234.5, "$1,234.50"),
        (0.0, "$0.00"),
        (0.01, "$0.01"),
        # 0.0042 has its first digit at 1e-3, so two significant digits need 4 places.
        (0.0042, "$0.0042"),
        # 0.000157: first digit at 1e-4 → 5 places → 0.00016.
        (0.000157, "$0.00016"),
        (0.0000001, "<$0.000001"),
    ],
)
def test_usd_text(amount: float, text: str) -> None:
    assert usd_text(amount) == text


def test_unpriced_request_is_not_zero() -> None:
    assert cost_text(None) == "unpriced"
    assert cost_text(0.0) == "$0.00"
