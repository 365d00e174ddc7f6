from __future__ import annotations

import math

from bench.stats import percentile, summary_ms


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([3.0, 1.0, 2.0], 0) == 1
    assert math.isnan(percentile([], 50))


def test_summary_in_milliseconds() -> None:
    assert summary_ms([0.001, 0.002, 0.1]) == {"p50": 2.0, "p99": 100.0, "max": 100.0}
