"""When a client is reconciled next: pure functions of the last outcome and how often it repeated.

- settled (everything applied, or waiting on a person, e.g. an unregistered account): the drift
  check interval; a spec change wakes the loop at once anyway;
- progressing (pods starting, a migration running): short polls that grow while it lasts;
- transient error: exponential backoff from seconds up to minutes;
- permanent error: exponential backoff that starts where transient ends, capped at ten minutes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum


class Result(Enum):
    SETTLED = "settled"
    PROGRESSING = "progressing"
    TRANSIENT_ERROR = "transient_error"
    PERMANENT_ERROR = "permanent_error"


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Timing:
    drift: float = 60.0
    progress_first: float = 2.0
    progress_max: float = 30.0
    transient_first: float = 2.0
    transient_max: float = 300.0
    permanent_first: float = 30.0
    permanent_max: float = 600.0

    @classmethod
    def from_environment(cls) -> Timing:
        """Tests shrink the clock; production keeps the defaults."""
        return cls(
            drift=_seconds("WABIZ_OPERATOR_DRIFT_SECONDS", cls.drift),
            progress_first=_seconds("WABIZ_OPERATOR_PROGRESS_SECONDS", cls.progress_first),
            transient_first=_seconds("WABIZ_OPERATOR_RETRY_SECONDS", cls.transient_first),
            permanent_first=_seconds("WABIZ_OPERATOR_PERMANENT_RETRY_SECONDS", cls.permanent_first),
            permanent_max=_seconds("WABIZ_OPERATOR_PERMANENT_RETRY_MAX_SECONDS", cls.permanent_max),
        )


def next_delay(result: Result, repeats: int, timing: Timing) -> float:
    """`repeats` counts consecutive passes with this same result, starting at 1."""
    step = max(repeats, 1) - 1
    if result is Result.SETTLED:
        return timing.drift
    if result is Result.PROGRESSING:
        return float(min(timing.progress_first * 1.5**step, timing.progress_max))
    if result is Result.TRANSIENT_ERROR:
        return float(min(timing.transient_first * 2**step, timing.transient_max))
    return float(min(timing.permanent_first * 2**step, timing.permanent_max))
