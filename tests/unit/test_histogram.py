"""Percentiles: exact ones match `statistics`, histogram ones stay within 1%."""

from __future__ import annotations

import random
import statistics

import pytest

from llmtop.store.histogram import (
    bucket_of,
    exact_percentile,
    percentile_from_counts,
)


def _inclusive(values: list[float], q: int) -> float:
    # statistics' cut point i (1-based) of n=100 is the i-th percentile.
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@pytest.mark.parametrize("q", [50, 95, 99])
def test_exact_percentile_matches_statistics_inclusive(q: int) -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(6, 1) for _ in range(1001)]
    assert exact_percentile(values, q) == pytest.approx(_inclusive(values, q))


def test_exact_percentile_by_hand() -> None:
    # rank = 0.95 * (4 - 1) = 2.85 → 30 + 0.85 * (40 - 30) = 38.5
    assert exact_percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert exact_percentile([10, 20, 30, 40], 50) == pytest.approx(25)
    assert exact_percentile([], 50) is None


@pytest.mark.parametrize("q", [50, 95, 99])
def test_histogram_percentile_within_one_percent(q: int) -> None:
    rng = random.Random(11)
    values = [rng.lognormvariate(6.5, 1.2) for _ in range(20_000)]
    counts: dict[int, int] = {}
    for value in values:
        counts[bucket_of(value)] = counts.get(bucket_of(value), 0) + 1
    estimate = percentile_from_counts(counts.items(), q)
    assert estimate == pytest.approx(_inclusive(values, q), rel=0.01)


def test_sub_millisecond_latencies_share_bucket_zero() -> None:
    assert bucket_of(0.0) == bucket_of(0.99) == 0
    assert bucket_of(1.0) == 1
