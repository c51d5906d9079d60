"""The bundled supplement's parsing, [prices] validation, and `llmtop prices`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import genai_prices
import pytest

from llmtop.cli import main
from llmtop.config import ConfigError
from llmtop.pricing import Pricer, supplement
from llmtop.pricing.supplement import parse_rule
from llmtop.records import RecordDecoder

#: The installed price data, named as llmtop names its source.
PRICE_DATA = f"genai-prices {genai_prices.__version__}"


@pytest.mark.parametrize(
    ("rule", "bounds"),
    [
        ("in<=32K; cached = 20% of input", {"in_max": 32_000}),
        ("32K<in<=128K", {"in_min": 32_001, "in_max": 128_000}),
        ("32K<=in<=200K", {"in_min": 32_000, "in_max": 200_000}),
        ("in<32K; out<200", {"in_max": 31_999, "out_max": 199}),
        ("in<=32K; out>200", {"in_max": 32_000, "out_min": 201}),
        ("in>=32K", {"in_min": 32_000}),
        (
            "256K<in<=1M; mode=thinking",
            {"in_min": 256_001, "in_max": 1_000_000, "mode": "thinking"},
        ),
        ("flat; free tier", {}),
    ],
)
def test_tier_rules(rule: str, bounds: dict[str, object]) -> None:
    assert parse_rule(rule) == bounds


def test_every_row_is_shipped_with_its_source_and_date() -> None:
    shipped = Path(supplement.__file__).parent / "data" / "supplement.tsv"
    with shipped.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 146  # prices-supplement.md: 146 rows, 69 pairs
    assert all(row["source"] and row["source_date"] for row in rows)
    entries = supplement.entries()
    assert len(entries) == 69
    assert sum(len(entry.bands) for entry in entries) == 146


def test_tiers_of_one_model_never_overlap() -> None:
    for entry in supplement.entries():
        for inp in (0, 32_000, 32_001, 128_000, 128_001, 256_000, 256_001):
            for out in (0, 199, 200, 201, 5_000):
                for thinking in (False, True):
                    hits = [b for b in entry.bands if b.applies(inp, out, thinking)]
                    assert len(hits) <= 1, (entry.model, inp, out, thinking)


def test_provider_narrows_the_supplement() -> None:
    assert [e.provider for e in supplement.lookup("qwen3-max", "alibaba-cn")] == [
        "alibaba-cn"
    ]
    assert [e.provider for e in supplement.lookup("QWEN3-MAX", "dashscope")] == [
        "alibaba-cn",
        "alibaba-intl",
    ]
    assert supplement.lookup("qwen3-max", "volcengine") == ()


@pytest.mark.parametrize(
    ("prices", "named"),
    [
        ({"models": {"m": {"input": -1, "output": 1}}}, "models.m.input"),
        ({"models": {"m": {"input": 1}}}, "models.m.output"),
        (
            {"models": {"m": {"input": 1, "output": 1, "cahced_input": 1}}},
            "models.m.cahced_input",
        ),
        ({"models": {"m": {"input": 1, "output": 1, "batch": 2}}}, "models.m.batch"),
        (
            {"models": {"m": {"input": 1, "output": 1, "tiers": [{"input": 2}]}}},
            "models.m.tiers.0.above",
        ),
        ({"per_usd": {"CNY": 0}}, "per_usd"),
        ({"exchange": 7}, "exchange"),
    ],
)
def test_bad_prices_name_the_key(prices: dict, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Pricer({"_path": "/x/config.toml", "prices": prices})
    assert f"[prices] {named}" in str(caught.value)


def test_negative_reported_cost_through_the_decoder_is_not_stored() -> None:
    decoder = RecordDecoder("t.jsonl", pricer=Pricer())
    line = json.dumps(
        {
            "timestamp": "2026-11-02T12:00:00Z",
            "model": "gpt-4o",
            "input_tokens": 1_000,
            "output_tokens": 100,
            "cost": -3.5,
        }
    ).encode()
    (row,) = decoder.decode_line(line, line_no=1, offset=0).rows
    # $2.50 in, $10 out: 2,500 + 1,000 = 3,500 → $0.0035, not −$3.50
    assert row["cost_usd"] == pytest.approx(0.0035, rel=1e-12)
    assert row["cost_source"] == "estimated"
    assert row["price_source"] == f"{PRICE_DATA}: openai gpt-4o"
    assert "reported cost rejected (-3.5 is negative)" in row["cost_note"]
    assert "estimated_cost_usd" in row["flags"]


def test_prices_command_shows_source_and_tiers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["prices", "claude-sonnet-4-5"]) == 0
    out = capsys.readouterr().out
    assert f"source:    {PRICE_DATA}, anthropic claude-sonnet-4-5" in out
    assert "input 6, cached input 0.6, cache write 7.5, cache write 1h 12, " in out
    assert "(when input > 200,000)" in out


def test_prices_command_for_cny_and_unknown_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prices", "doubao-seed-1.6"]) == 1
    assert "not converted, so unpriced" in capsys.readouterr().out

    config = tmp_path / "config.toml"
    config.write_text("[prices]\nper_usd = { CNY = 8 }\n")
    assert main(["prices", "doubao-seed-1.6", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "currency:  CNY, 1 CNY = $0.125" in out  # 1 / 8
    assert "lobehub/lobehub@18a6dcffe" in out and ">=2026-02-15" in out

    assert main(["prices", "acme-unknown-7", "--provider", "acme"]) == 1
    assert "unknown model 'acme-unknown-7' from acme" in capsys.readouterr().out
