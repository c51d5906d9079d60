"""Logarithmic latency buckets: percentiles from counts, within 1% of exact.

Bucket `b` (b >= 1) holds latencies in [RATIO**(b-1), RATIO**b) milliseconds and
bucket 0 everything under 1 ms. A value read back from a bucket is the geometric
middle of its bounds, so its relative error is at most sqrt(RATIO) - 1 (under 1%).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

RATIO = 1.02
_LOG_RATIO = math.log(RATIO)


def bucket_of(latency_ms: float) -> int:
    """The bucket that holds `latency_ms`."""
    if latency_ms < 1.0:
        return 0
    return int(math.log(latency_ms) / _LOG_RATIO) + 1


def bucket_value(bucket: int) -> float:
    """A representative latency for a bucket (its geometric middle)."""
    if bucket <= 0:
        return 0.5
    return RATIO ** (bucket - 0.5)


def percentile_from_counts(counts: Iterable[tuple[int, int]], q: float) -> float | None:
    """Estimate the q-th percentile (0..100) from (bucket, count) pairs.

    Follows the inclusive closest-rank interpolation of DESIGN.md on the bucket
    representatives, so a histogram of exactly representable values answers
    like `statistics.quantiles(method="inclusive")`.
    """
    ordered = sorted((b, n) for b, n in counts if n > 0)
    total = sum(n for _, n in ordered)
    if total == 0:
        return None
    rank = (q / 100.0) * (total - 1)
    low_index = math.floor(rank)
    fraction = rank - low_index
    low = _value_at(ordered, low_index)
    if fraction == 0:
        return low
    high = _value_at(ordered, low_index + 1)
    return low + (high - low) * fraction


def _value_at(ordered: list[tuple[int, int]], index: int) -> float:
    seen = 0
    for bucket, count in ordered:
        seen += count
        if index < seen:
            return bucket_value(bucket)
    return bucket_value(ordered[-1][0])


def exact_percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks.

    The same as `numpy.percentile`'s default and
    `statistics.quantiles(method="inclusive")`.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = (q / 100.0) * (len(ordered) - 1)
    low_index = math.floor(rank)
    fraction = rank - low_index
    if low_index + 1 >= len(ordered):
        return ordered[-1]
    return ordered[low_index] + (ordered[low_index + 1] - ordered[low_index]) * fraction
