"""Spot checks against the real bundled tables (genai-prices 0.2.3 and the
supplement). Expected dollars are worked out by hand from the per-million prices
the tables list (shown by `llmtop prices MODEL`)."""

from __future__ import annotations

import sys
import warnings
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price, data_snapshot
from genai_prices.types import TimeOfDateConstraint

from llmtop.pricing import Pricer
from tests.pricing.helpers import make_event

CNY = {"prices": {"per_usd": {"CNY": 7.2}}}

#: genai-prices 0.2.3 needs Python 3.11; Python 3.10 installs 0.1.13, the last
#: release for it, whose tables are older. Checks of 0.2.3's own rows skip there.
PINNED = "0.2.3" if sys.version_info >= (3, 11) else "0.1.13"
needs_pinned_table = pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="checks genai-prices 0.2.3's table; Python 3.10 installs 0.1.13",
)


@pytest.fixture(scope="module")
def pricer() -> Pricer:
    return Pricer()


def test_openai_gpt_4o(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="gpt-4o",
            input_tokens=10_000,
            cache_read_tokens=2_000,
            output_tokens=500,
        )
    )
    # $2.50 in, $1.25 cached, $10 out: 8,000 × 2.5 + 2,000 × 1.25 + 500 × 10
    # = 20,000 + 2,500 + 5,000 = 27,500 → $0.0275
    assert cost.usd == pytest.approx(0.0275, rel=1e-12)
    assert cost.price_source == f"genai-prices {PINNED}: openai gpt-4o"


@needs_pinned_table
def test_openai_batch_is_half_price(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="gpt-4o",
            timestamp="2026-11-02T12:00:00Z",
            input_tokens=10_000,
            output_tokens=500,
            batch=True,
        )
    )
    # batch $1.25 in, $5 out: 12,500 + 2,500 = 15,000 → $0.015
    assert cost.usd == pytest.approx(0.015, rel=1e-12)
    assert cost.price_source == "genai-prices 0.2.3: openai gpt-4o (processing=batch)"


def test_batch_before_genai_prices_lists_it_is_standard_and_says_so(
    pricer: Pricer,
) -> None:
    # genai-prices 0.2.3 lists OpenAI's batch price from 2026-10-14 only.
    cost = pricer.price(
        make_event(model="gpt-4o", input_tokens=10_000, output_tokens=500, batch=True)
    )
    # standard: 25,000 + 5,000 = 30,000 → $0.03
    assert cost.usd == pytest.approx(0.03, rel=1e-12)
    assert "no batch price for this date" in (cost.note or "")


def test_claude_sonnet_4_5_long_context(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="claude-sonnet-4-5",
            input_tokens=250_000,
            cache_read_tokens=100_000,
            output_tokens=1_000,
        )
    )
    # above 200K: $6 in, $0.60 cached, $22.50 out:
    # 150,000 × 6 + 100,000 × 0.6 + 1,000 × 22.5 = 900,000 + 60,000 + 22,500
    # = 982,500 → $0.9825
    assert cost.usd == pytest.approx(0.9825, rel=1e-12)


def test_claude_sonnet_4_5_cache_writes(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="claude-sonnet-4-5",
            input_tokens=20_000,
            cache_write_tokens=10_000,
            cache_write_1h_tokens=4_000,
            output_tokens=0,
        )
    )
    # $3 in, $3.75 5m writes, $6 1h writes: 10,000 × 3 + 6,000 × 3.75
    # + 4,000 × 6 = 30,000 + 22,500 + 24,000 = 76,500 → $0.0765
    assert cost.usd == pytest.approx(0.0765, rel=1e-12)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        # 00:30–16:30 UTC: $0.27 in, $1.10 out → 0.27 + 1.10 = $1.37
        ("2026-03-02T12:00:00Z", 1.37),
        # otherwise: $0.135 in, $0.55 out → $0.685
        ("2026-03-02T20:00:00Z", 0.685),
    ],
)
def test_deepseek_chat_price_follows_the_request_time(
    pricer: Pricer, stamp: str, expected: float
) -> None:
    cost = pricer.price(
        make_event(
            model="deepseek-chat",
            timestamp=stamp,
            input_tokens=1_000_000,
            output_tokens=1_000_000,
        )
    )
    assert cost.usd == pytest.approx(expected, rel=1e-12)


def test_kimi_k3(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(model="kimi-k3", input_tokens=100_000, output_tokens=10_000)
    )
    # $3 in, $15 out: 300,000 + 150,000 = 450,000 → $0.45
    assert cost.usd == pytest.approx(0.45, rel=1e-12)


@needs_pinned_table
def test_glm_4_5_without_exchange_rate_takes_z_ai_usd(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="glm-4.5",
            input_tokens=100_000,
            cache_read_tokens=20_000,
            output_tokens=10_000,
        )
    )
    # Z.ai: $0.60 in, $0.11 cached, $2.20 out: 80,000 × 0.6 + 20,000 × 0.11
    # + 10,000 × 2.2 = 48,000 + 2,200 + 22,000 = 72,200 → $0.0722
    assert cost.usd == pytest.approx(0.0722, rel=1e-12)
    assert cost.price_source == "genai-prices 0.2.3: zai GLM-4.5"


def test_glm_4_5_with_exchange_rate_takes_the_mainland_row() -> None:
    cost = Pricer(CNY).price(
        make_event(model="glm-4.5", input_tokens=10_000, output_tokens=100)
    )
    # bigmodel.cn, in<32K and out<200: ¥2 in, ¥8 out: 20,000 + 800 = 20,800
    # → ¥0.0208 ÷ 7.2 = $0.00288888…
    assert cost.usd == pytest.approx(0.0208 / 7.2, rel=1e-12)
    assert cost.price_source.startswith("supplement: lobehub/lobehub@008f047e")


def test_qwen3_max_without_exchange_rate_takes_the_international_usd_row(
    pricer: Pricer,
) -> None:
    cost = pricer.price(
        make_event(
            model="qwen3-max",
            input_tokens=40_000,
            cache_read_tokens=10_000,
            output_tokens=2_000,
        )
    )
    # Singapore, 32K<in≤128K: $2.40 in, $0.48 cached, $12 out:
    # 30,000 × 2.4 + 10,000 × 0.48 + 2,000 × 12 = 72,000 + 4,800 + 24,000
    # = 100,800 → $0.1008
    assert cost.usd == pytest.approx(0.1008, rel=1e-12)
    assert cost.price_source == (
        "supplement: https://www.alibabacloud.com/help/en/model-studio/models "
        "(2026-02-23)"
    )


def test_qwen3_max_with_provider_prefix_and_dated_alias_in_cny() -> None:
    cost = Pricer(CNY).price(
        make_event(
            model="dashscope/qwen3-max-2026-01-23",
            input_tokens=10_000,
            output_tokens=1_000,
        )
    )
    # Beijing, in≤32K: ¥2.5 in, ¥10 out: 25,000 + 10,000 = 35,000
    # → ¥0.035 ÷ 7.2 = $0.0048611…
    assert cost.usd == pytest.approx(0.035 / 7.2, rel=1e-12)


def test_doubao_is_unpriced_until_an_exchange_rate_is_set(pricer: Pricer) -> None:
    record = {
        "model": "doubao-seed-1.6",
        "input_tokens": 10_000,
        "output_tokens": 1_000,
    }
    cost = pricer.price(make_event(**record))
    assert (cost.usd, cost.source) == (None, "unpriced")
    assert "priced in CNY" in (cost.note or "")

    cost = Pricer(CNY).price(make_event(**record))
    # in≤32K and out>200: ¥0.8 in, ¥8 out: 8,000 + 8,000 = 16,000
    # → ¥0.016 ÷ 7.2 = $0.0022222…
    assert cost.usd == pytest.approx(0.016 / 7.2, rel=1e-12)


@pytest.mark.parametrize(
    ("reasoning", "expected"),
    [
        # thinking: $0.40 in, $4 out → 1,000 × 0.4 + 2,000 × 4 = 8,400 → $0.0084
        (1_500, 0.0084),
        # non-thinking: $1.20 out → 400 + 2,400 = 2,800 → $0.0028
        (0, 0.0028),
    ],
)
def test_qwen_plus_mode_follows_reasoning_tokens(
    pricer: Pricer, reasoning: int, expected: float
) -> None:
    cost = pricer.price(
        make_event(
            model="qwen-plus",
            input_tokens=1_000,
            output_tokens=2_000,
            reasoning_tokens=reasoning,
        )
    )
    assert cost.usd == pytest.approx(expected, rel=1e-12)


def test_alias_fix_deepseek_v4_1_flash(pricer: Pricer) -> None:
    cost = pricer.price(
        make_event(
            model="deepseek-v4.1-flash",
            timestamp="2026-03-02T20:00:00Z",
            input_tokens=1_000_000,
            output_tokens=0,
        )
    )
    # deepseek-flash outside its 01–04 and 06–10 UTC windows: $0.15 in
    assert cost.usd == pytest.approx(0.15, rel=1e-12)


# Independent cross-check: the fast path against genai-prices' own calc_price.
_PROVIDERS = ("anthropic", "openai", "google", "deepseek", "moonshotai", "zai")


def _models() -> list[tuple[str, str]]:
    snapshot = data_snapshot.get_snapshot()
    return [
        (provider.id, model.id)
        for provider in snapshot.providers
        if provider.id in _PROVIDERS
        for model in provider.models
    ]


@pytest.mark.parametrize(("provider", "model"), _models())
def test_fast_path_matches_calc_price(
    pricer: Pricer, provider: str, model: str
) -> None:
    fields = {
        "input_tokens": 300_000,
        "cache_read_tokens": 50_000,
        "cache_write_tokens": 30_000,
        "cache_write_1h_tokens": 10_000,
        "output_tokens": 4_000,
    }
    event = make_event(model=model, provider=provider, **fields)
    moment = datetime.fromtimestamp(event.ts_ms / 1000, tz=timezone.utc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = calc_price(
                Usage(**fields),
                model,
                provider_id=provider,
                genai_request_timestamp=moment,
            )
        except (LookupError, ValueError):
            pytest.skip("genai-prices cannot price this usage itself")
    cost = pricer.price(event)
    if any(value is not None for value in vars(expected.model_price).values()) and (
        getattr(expected.model_price, "input_mtok", None) is None
        and getattr(expected.model_price, "output_mtok", None) is None
    ):
        # priced per audio hour or character: genai-prices says $0 for tokens,
        # llmtop keeps such requests unpriced
        assert cost.usd is None
        return
    assert cost.usd == pytest.approx(float(expected.total_price), rel=1e-9, abs=1e-12)


def test_time_constraints_fall_on_whole_minutes() -> None:
    """The per-minute memo in llmtop.pricing.genai relies on this."""
    for provider in data_snapshot.get_snapshot().providers:
        for model in provider.models:
            prices = model.prices if isinstance(model.prices, list) else []
            constraints = [c.constraint for c in prices]
            constraints += [v.constraint for v in model.price_variants or []]
            for constraint in constraints:
                if isinstance(constraint, TimeOfDateConstraint):
                    for moment in (constraint.start_time, constraint.end_time):
                        assert (moment.second, moment.microsecond) == (0, 0)


def test_pinned_version() -> None:
    from llmtop.pricing import PRICE_DATA

    assert f"genai-prices {PINNED}" == PRICE_DATA
    assert Decimal  # the tables are Decimal; llmtop computes in float
