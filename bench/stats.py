"""Pure statistics for the benchmark report (no I/O, so they are unit-tested on their own)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in 0..100; NaN when there are no values.

    Nearest rank (not interpolation) so that every reported figure, p99 included, is a latency
    some request really had — with a few thousand samples the difference is noise anyway.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be within 0..100, not {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50 / p99 / max of durations given in seconds, in milliseconds (None without samples).

    None rather than NaN because the summary goes into JSON, which has no NaN.
    """
    if not seconds:
        return {"p50": None, "p99": None, "max": None}
    return {
        "p50": round(percentile(seconds, 50) * 1000, 1),
        "p99": round(percentile(seconds, 99) * 1000, 1),
        "max": round(max(seconds) * 1000, 1),
    }


def percentile_by_second(points: Sequence[tuple[float, float]], q: float) -> list[float | None]:
    """The q-th percentile of the values in each whole second of `(seconds from start, value)`.

    One number per second of the load shows whether a delay is steady or a backlog that grows
    (a queue falling behind) — which a single p50 over the run cannot tell apart.
    """
    if not points:
        return []
    buckets: list[list[float]] = [[] for _ in range(int(max(t for t, _ in points)) + 1)]
    for at, value in points:
        buckets[max(0, int(at))].append(value)
    return [percentile(bucket, q) if bucket else None for bucket in buckets]


# An accepted rate this close to the offered one means the stack took everything at the pace it
# came: the offer, not the stack, set the rate.
KEPT_UP_SHARE = 0.98


def kept_up(offered_per_s: float, accepted_per_s: float) -> bool:
    """Whether the stack took the whole offer at its pace, so that a ratio to the ceiling computed
    from the accepted rate is a lower bound, not the stack's limit."""
    return accepted_per_s >= KEPT_UP_SHARE * offered_per_s
