"""The benchmark's pure pieces: nearest-rank percentiles and the incremental callback log."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.drain import CallbackLog
from bench.stats import kept_up, percentile, percentile_by_second, summary_ms


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1


def test_percentile_is_a_value_that_occurred_and_ignores_order() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2
    assert percentile([5.0], 99) == 5
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2  # rank ceil(0.5 × 4) = 2, no interpolation
    assert percentile([1.0, 2.0, 3.0, 4.0], 51) == 3


def test_percentile_of_nothing_is_nan_and_q_is_checked() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match=r"within 0\.\.100"):
        percentile([1.0], 101)


def test_summary_in_milliseconds() -> None:
    assert summary_ms([0.001, 0.002, 0.1]) == {"p50": 2.0, "p99": 100.0, "max": 100.0}
    assert summary_ms([]) == {"p50": None, "p99": None, "max": None}


def _callback(at: float, *statuses: tuple[str, str], answered: int = 200) -> dict[str, Any]:
    body = {"statuses": [{"id": i, "status": s} for i, s in statuses]}
    return {"received_at": at, "body": body, "answered": answered}


def test_callback_log_keeps_first_delivery_and_skips_refused_callbacks() -> None:
    log = CallbackLog()
    log.absorb(
        [
            _callback(1.0, ("a", "sent"), ("a", "delivered")),
            _callback(2.0, ("b", "delivered"), answered=500),
            _callback(3.0, ("b", "delivered"), ("a", "delivered")),
        ]
    )
    assert log.delivered == {"a": 1.0, "b": 3.0}
    assert log.duplicate_callbacks(["a", "b"]) == 1


def test_callback_log_refetch_with_inclusive_since_counts_nothing_twice() -> None:
    log = CallbackLog()
    first, second = _callback(5.0, ("a", "delivered")), _callback(5.0, ("b", "delivered"))
    log.absorb([_callback(4.0, ("z", "delivered")), first])
    assert log.since == 5.0
    # `?since=5.0` returns the callback stamped 5.0 again, plus whatever came after it
    later = _callback(6.0, ("c", "delivered"))
    log.absorb([first, second, later])
    assert set(log.delivered) == {"z", "a", "b", "c"}
    assert log.duplicate_callbacks(log.delivered) == 0


def test_percentile_by_second_buckets_by_whole_second() -> None:
    points = [(0.1, 1.0), (0.9, 3.0), (2.5, 7.0)]
    assert percentile_by_second(points, 50) == [1.0, None, 7.0]
    assert percentile_by_second([], 50) == []


def test_a_stack_that_took_the_whole_offer_gives_only_a_lower_bound() -> None:
    assert kept_up(1200, 1195), "the offer set the rate: the stack may take more"
    assert not kept_up(1200, 1100), "the stack fell behind: its limit"
