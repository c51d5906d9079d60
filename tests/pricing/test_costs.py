"""Exact costs from a test price table given through the config.

Every expected value is worked out by hand from the table below: per-million
rate × tokens, summed, divided by 1,000,000.
"""

from __future__ import annotations

from typing import Any

import pytest

from llmtop.pricing import Pricer, disagreement
from tests.pricing.helpers import make_event

TABLE: dict[str, Any] = {
    "_path": "/test/config.toml",
    "prices": {
        "models": {
            "test-openai": {
                "provider": "openai",
                "input": 2.0,
                "cached_input": 0.5,
                "output": 8.0,
                "batch": 0.5,
            },
            "test-claude": {
                "aliases": ["test-claude-2026-01-01"],
                "input": 3.0,
                "cached_input": 0.3,
                "cache_write": 3.75,
                "cache_write_1h": 6.0,
                "output": 15.0,
                "tiers": [
                    {
                        "above": 200_000,
                        "input": 6.0,
                        "cached_input": 0.6,
                        "cache_write": 7.5,
                        "cache_write_1h": 12.0,
                        "output": 22.5,
                    }
                ],
            },
            "test-thinker": {"input": 1.0, "output": 4.0},
            "test-yuan": {"currency": "CNY", "input": 7.0, "output": 14.0},
        }
    },
}


@pytest.fixture
def pricer() -> Pricer:
    return Pricer(TABLE)


def test_openai_cached_prompt_tokens_bill_once_at_the_cached_rate(
    pricer: Pricer,
) -> None:
    cost = pricer.price(
        make_event(
            model="test-openai",
            provider="openai",
            input_tokens=10_000,
            cache_read_tokens=4_000,
            output_tokens=1_000,
        )
    )
    # 6,000 uncached × 2 + 4,000 cached × 0.5 + 1,000 out × 8 = 12,000 + 2,000
    # + 8,000 = 22,000 per million → $0.022
    assert cost.usd == pytest.approx(0.022, rel=1e-12)
    assert cost.source == "estimated"
    assert cost.price_source == "config: /test/config.toml"
    assert cost.estimate_usd == cost.usd


def test_anthropic_cache_writes_at_5_minute_and_1_hour_rates(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="test-claude",
            input_tokens=50_000,
            cache_read_tokens=20_000,
            cache_write_tokens=20_000,
            cache_write_1h_tokens=5_000,
            output_tokens=2_000,
        )
    )
    # uncached 50,000 − 20,000 − 20,000 = 10,000 × 3 = 30,000
    # reads 20,000 × 0.3 = 6,000
    # 5-minute writes 15,000 × 3.75 = 56,250; 1-hour writes 5,000 × 6 = 30,000
    # output 2,000 × 15 = 30,000 → 152,250 per million → $0.15225
    assert cost.usd == pytest.approx(0.15225, rel=1e-12)


def test_cache_writes_without_split_are_all_5_minute(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="test-claude",
            input_tokens=30_000,
            cache_write_tokens=10_000,
            output_tokens=0,
        )
    )
    # 20,000 × 3 + 10,000 × 3.75 = 60,000 + 37,500 = 97,500 → $0.0975
    assert cost.usd == pytest.approx(0.0975, rel=1e-12)


def test_over_the_long_context_threshold_all_tokens_pay_the_higher_tier(
    pricer: Pricer,
) -> None:
    cost = pricer.price(
        make_event(model="test-claude", input_tokens=200_001, output_tokens=1_000)
    )
    # 200,001 × 6 + 1,000 × 22.5 = 1,200,006 + 22,500 = 1,222,506 → $1.222506
    assert cost.usd == pytest.approx(1.222506, rel=1e-12)


def test_exactly_at_the_threshold_stays_at_the_base_rate(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(model="test-claude", input_tokens=200_000, output_tokens=1_000)
    )
    # 200,000 × 3 + 1,000 × 15 = 600,000 + 15,000 = 615,000 → $0.615
    assert cost.usd == pytest.approx(0.615, rel=1e-12)


def test_tier_follows_whole_input_including_cached_tokens(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="test-claude",
            input_tokens=250_000,
            cache_read_tokens=100_000,
            output_tokens=1_000,
        )
    )
    # 150,000 × 6 + 100,000 × 0.6 + 1,000 × 22.5 = 900,000 + 60,000 + 22,500
    # = 982,500 → $0.9825
    assert cost.usd == pytest.approx(0.9825, rel=1e-12)


def test_thinking_tokens_are_billed_once_as_output(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="test-thinker",
            input_tokens=1_000,
            output_tokens=3_000,
            reasoning_tokens=2_000,
        )
    )
    # output_tokens already holds the 2,000 reasoning tokens:
    # 1,000 × 1 + 3,000 × 4 = 13,000 → $0.013 (not 1,000 + 5,000 × 4)
    assert cost.usd == pytest.approx(0.013, rel=1e-12)


def test_unknown_model_is_unpriced_not_zero(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(model="acme-secret-9", input_tokens=1_000, output_tokens=10)
    )
    assert cost.usd is None
    assert cost.source == "unpriced"
    assert cost.estimate_usd is None
    assert "unknown model 'acme-secret-9'" in (cost.note or "")


def test_no_token_counts_is_unpriced(pricer: Pricer) -> None:
    cost = pricer.price(make_event(model="test-openai", provider="openai"))
    assert (cost.usd, cost.source) == (None, "unpriced")
    assert cost.note == "no token counts in the record"


def test_negative_reported_cost_is_rejected_and_estimated_instead(
    pricer: Pricer,
) -> None:
    event = make_event(
        model="test-thinker", input_tokens=1_000, output_tokens=1_000, cost=-0.25
    )
    cost = pricer.price(event)
    # 1,000 × 1 + 1,000 × 4 = 5,000 → $0.005
    assert cost.usd == pytest.approx(0.005, rel=1e-12)
    assert cost.source == "estimated"
    assert "reported cost rejected" in (cost.note or "")
    assert "negative" in (cost.note or "")


def test_reported_cost_wins_and_keeps_the_estimate(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="test-thinker", input_tokens=1_000, output_tokens=1_000, cost=0.02
        )
    )
    assert cost.usd == 0.02
    assert cost.source == "reported"
    # The estimate is $0.005 (as above); 0.02 / 0.005 = 4× → flagged.
    assert cost.estimate_usd == pytest.approx(0.005, rel=1e-12)
    assert cost.note == "reported $0.02 is 4.0× the price table's $0.0050"


@pytest.mark.parametrize(
    ("reported", "estimate", "flagged"),
    [
        (1.0, 0.5, False),  # exactly 2× is within bounds
        (1.0, 0.49, True),  # 2.04×
        (0.2, 1.0, True),  # 1/5
        (0.0, 0.01, True),  # free according to the record, not to the table
        (0.0, 0.0, False),
        (0.3, None, False),  # nothing to compare with
    ],
)
def test_disagreement_flags_more_than_twofold(
    reported: float, estimate: float | None, flagged: bool
) -> None:
    assert (disagreement(reported, estimate) is not None) is flagged


def test_cny_price_needs_an_exchange_rate(pricer: Pricer) -> None:
    record = {"model": "test-yuan", "input_tokens": 1_000, "output_tokens": 500}
    cost = pricer.price(make_event(**record))
    assert (cost.usd, cost.source) == (None, "unpriced")
    assert "CNY" in (cost.note or "") and "per_usd" in (cost.note or "")

    with_rate = {**TABLE, "prices": {**TABLE["prices"], "per_usd": {"CNY": 7.0}}}
    cost = Pricer(with_rate).price(make_event(**record))
    # 1,000 × 7 + 500 × 14 = 14,000 CNY per million → 0.014 CNY ÷ 7 = $0.002
    assert cost.usd == pytest.approx(0.002, rel=1e-12)


def test_batch_multiplier_and_its_absence(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="test-openai",
            provider="openai",
            input_tokens=1_000,
            output_tokens=1_000,
            batch=True,
        )
    )
    # (1,000 × 2 + 1,000 × 8) × 0.5 = 5,000 → $0.005
    assert cost.usd == pytest.approx(0.005, rel=1e-12)

    cost = pricer.price(
        make_event(model="test-thinker", input_tokens=1_000, batch=True)
    )
    # no batch multiplier: 1,000 × 1 = $0.001, and the note says so
    assert cost.usd == pytest.approx(0.001, rel=1e-12)
    assert "standard rate" in (cost.note or "")


def test_names_match_aliases_and_provider_prefix(pricer: Pricer) -> None:
    for model in ("TEST-CLAUDE-2026-01-01", "anthropic/test-claude"):
        cost = pricer.price(make_event(model=model, input_tokens=1_000))
        # 1,000 × 3 = 3,000 → $0.003
        assert cost.usd == pytest.approx(0.003, rel=1e-12), model


def test_provider_bound_price_skips_other_providers(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(model="test-openai", provider="azure", input_tokens=1_000)
    )
    assert cost.source == "unpriced"


def test_user_price_overrides_genai_prices() -> None:
    config = {"prices": {"models": {"gpt-4o": {"input": 1.0, "output": 1.0}}}}
    cost = Pricer(config).price(
        make_event(model="gpt-4o", input_tokens=1_000_000, output_tokens=0)
    )
    # 1,000,000 × 1 = $1.00 (genai-prices would say $2.50)
    assert cost.usd == pytest.approx(1.0, rel=1e-12)
    assert cost.price_source == "config: config"
