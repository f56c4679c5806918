"""The benchmarks' one percentile: nearest rank, in the values' own unit."""

from __future__ import annotations

import math

from bench.stats import percentile


def test_percentile_is_the_nearest_rank_and_nan_without_values() -> None:
    """p50 of 1..10 is 5, p99 is 10, p0 the smallest; no values, no figure."""
    values = [float(n) for n in range(10, 0, -1)]
    assert (5.0, 10.0, 1.0, 10.0) == (
        percentile(values, 0.5),
        percentile(values, 0.99),
        percentile(values, 0.0),
        percentile(values, 1.0),
    )
    assert math.isnan(percentile([], 0.5))
