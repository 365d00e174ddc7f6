"""The knee: the highest offered rate the stack sustains, found on one stack after the sweep.

Sustained means, for a run at a fixed offered rate: every send accepted, send p99 ≤ 100 ms, every
accepted message's `delivered` callback in by the end of a short drain, a webhook lag p99 ≤ 1 s
that does not grow (the last third of the run's p99 lag at most twice the first third's, plus
250 ms). A few short steps bracket the rate (up by 30 % after a pass, halfway back after a
failure, a third lower while nothing passed), then minutes decide: the first at 70 % of the best
short step (a minute is harder than 6 s), then halfway between the highest minute that held and
the lowest that did not (or the best short step), or, while none held, lower as far as the failed
minute's p99 overshot (`next_minute`), as often as the time budget allows (three at most).
The stack is warmed up first (its first second is slow: connections, pools, prepared
statements) and left to settle between steps (the last statuses and callbacks of the previous
step). What each step measured is kept, so a reader sees how the knee was found.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bench import drain, load
from bench.stats import percentile
from wabiz.local.stack import Stack

SEND_P99_BOUND_S = 0.1
LAG_P99_BOUND_S = 1.0  # at the knee, callbacks keep pace: the bound on the webhook lag
LAG_GROWTH_FACTOR, LAG_GROWTH_SLACK_S = 2.0, 0.25
SEARCH_UP, SEARCH_DOWN = 1.3, 0.65
CONFIRM_BACKOFF, CONFIRM_BACKOFF_MOST = 0.85, 0.5
# In the runs of 2 December no best short step held a minute, nor did 85 % of one (315-489 msg/s,
# send p99 126-269 ms), while 300 msg/s held three minutes in a row on the same machine.
FIRST_MINUTE = 0.7
REFINE_UNTIL = 1.1  # minutes stop once the rate that held is within 10 % of one that did not
WARMUP_S = 3.0  # connections, pools and prepared statements: the first second of a stack is slow
SETTLE_S = 3.0  # the previous step's statuses and callbacks finish before the next step starts


@dataclass(frozen=True)
class Step:
    rate: float
    seconds: float
    sent: int
    accepted: int
    send_p99_ms: float
    lag_p99_ms: float | None
    lag_bounded: bool
    drained: bool

    @property
    def sustained(self) -> bool:
        return (
            self.accepted == self.sent
            and self.send_p99_ms <= SEND_P99_BOUND_S * 1000
            and self.lag_p99_ms is not None
            and self.lag_p99_ms <= LAG_P99_BOUND_S * 1000
            and self.lag_bounded
            and self.drained
        )


def lag_bounded(points: list[tuple[float, float]], seconds: float) -> bool:
    """(seconds since the run began, lag) of every delivered message: True when the lag of the
    last third is no worse than twice that of the first third, plus a little slack."""
    first = [lag for at, lag in points if at < seconds / 3]
    last = [lag for at, lag in points if at >= seconds * 2 / 3]
    if not first or not last:
        return False
    return percentile(last, 99) <= LAG_GROWTH_FACTOR * percentile(first, 99) + LAG_GROWTH_SLACK_S


def next_confirmation(failed: Step) -> float:
    """The rate to confirm after a minute at `failed.rate` did not hold: 15 % lower, or lower
    still in proportion to how far the send p99 (or the lag p99) overshot its bound, down to
    half. Latency climbs steeply near saturation, and 15 % steps used up the time budget
    (473 → 402 msg/s, send p99 174 → 149 ms) without reaching a minute that held."""
    overshoot = failed.send_p99_ms / (SEND_P99_BOUND_S * 1000)
    if failed.lag_p99_ms is not None:
        overshoot = max(overshoot, failed.lag_p99_ms / (LAG_P99_BOUND_S * 1000))
    factor = CONFIRM_BACKOFF if overshoot <= 1 else min(CONFIRM_BACKOFF, 1 / overshoot)
    return failed.rate * max(CONFIRM_BACKOFF_MOST, factor)


def next_minute(minutes: list[Step], best_short: float) -> float | None:
    """The rate of the next minute after `minutes` (in the order run), or None when the knee is
    pinned: halfway between the highest minute that held and the lowest above it that did not
    (or the best short step), until they are within `REFINE_UNTIL`; while none held, lower than
    the lowest failure (`next_confirmation`)."""
    held = [m.rate for m in minutes if m.sustained]
    failed = [m for m in minutes if not m.sustained]
    if not held:
        return next_confirmation(min(failed, key=lambda m: m.rate))
    floor = max(held)
    above = [m.rate for m in failed if m.rate > floor]
    ceiling = min(above) if above else best_short
    return None if ceiling <= floor * REFINE_UNTIL else (floor + ceiling) / 2


def next_rate(rate: float, passed: bool, best: float | None, worst: float | None) -> float:
    """The next rate to try: higher after a pass (never reaching a rate that failed), halfway to
    the best pass after a failure (a third lower when nothing passed yet)."""
    if passed:
        up = rate * SEARCH_UP
        return up if worst is None else min(up, (rate + worst) / 2)
    return rate * SEARCH_DOWN if best is None else (best + rate) / 2


async def _step(stack: Stack, token: str, rate: float, seconds: float, drain_s: float) -> Step:
    await asyncio.sleep(SETTLE_S)
    url = stack.components["webapp"].url
    async with load.session(token, 256) as client:
        result = await load.open_loop(client, url, rate, seconds, load.recipients(5000), 256)
    accepted = result.accepted
    log = drain.CallbackLog(since=min(accepted.values(), default=0.0) - 1)
    settled = await asyncio.to_thread(
        drain.wait_delivered, log, stack.components["webhook_receiver"].url, set(accepted), drain_s
    )
    start = min(accepted.values(), default=0.0)
    points = [(at - start, log.delivered[i] - at) for i, at in accepted.items() if i in log.delivered]
    lags = [lag for _, lag in points]
    return Step(
        rate=round(rate, 1),
        seconds=seconds,
        sent=len(result.samples),
        accepted=len(accepted),
        send_p99_ms=round(percentile([s.latency for s in result.samples], 99) * 1000, 1),
        lag_p99_ms=round(percentile(lags, 99) * 1000, 1) if lags else None,
        lag_bounded=lag_bounded(points, seconds),
        drained=settled.complete,
    )


def find(
    stack: Stack,
    token: str,
    start_rate: float,
    ceiling: float,
    search: tuple[int, float],
    confirm_s: float,
    max_minutes: int,
    time_for_another: Callable[[], bool],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Bracket with `search` = (steps, seconds each), then run minutes of `confirm_s` (`next_minute`),
    at most `max_minutes`, each after the first only while `time_for_another()` says the time
    budget still holds one: the knee is the highest that held."""
    steps: list[Step] = []
    rate, best, worst = start_rate, None, None
    warmup = asyncio.run(_step(stack, token, start_rate / 2, WARMUP_S, drain_s=10))
    say(f"knee: warm-up at {start_rate / 2:.0f} msg/s for {WARMUP_S:.0f} s (not counted): {_verdict(warmup)}")
    for _ in range(search[0]):
        step = asyncio.run(_step(stack, token, rate, search[1], drain_s=10))
        steps.append(step)
        say(f"knee: {rate:.0f} msg/s for {search[1]:.0f} s → {_verdict(step)}")
        if step.sustained:
            best = rate if best is None else max(best, rate)
        else:
            worst = rate if worst is None else min(worst, rate)
        rate = next_rate(rate, step.sustained, best, worst)
    minutes: list[Step] = []
    candidate = None if best is None else best * FIRST_MINUTE
    while best is not None and candidate is not None and len(minutes) < max_minutes:
        if minutes and not time_for_another():
            say(f"knee: no time left for a minute at {candidate:.0f} msg/s")
            break
        step = asyncio.run(_step(stack, token, candidate, confirm_s, drain_s=15))
        minutes.append(step)
        say(f"knee: {candidate:.0f} msg/s for {confirm_s:.0f} s → {_verdict(step)}")
        candidate = next_minute(minutes, best)
    held = [m for m in minutes if m.sustained]
    confirmed = max(held, key=lambda m: m.rate) if held else None
    steps.extend(minutes)
    return summary(confirmed, ceiling, steps)


def summary(confirmed: Step | None, ceiling: float, steps: list[Step]) -> dict[str, Any]:
    """The `knee` of latest.json: the confirmed rate and its figures, and every step tried."""
    tried = [asdict(s) | {"sustained": s.sustained} for s in steps]
    if confirmed is None:
        return {
            "rate_per_s": None,
            "ratio_to_ceiling": None,
            "send_p99_ms": None,
            "lag_p99_ms": None,
            "steps": tried,
        }
    return {
        "rate_per_s": confirmed.rate,
        "ratio_to_ceiling": round(confirmed.rate / ceiling, 3) if ceiling else None,
        "send_p99_ms": confirmed.send_p99_ms,
        "lag_p99_ms": confirmed.lag_p99_ms,
        "held_s": confirmed.seconds,
        "ceiling_per_s": round(ceiling, 1),
        "steps": tried,
    }


def _verdict(step: Step) -> str:
    held = "sustained" if step.sustained else "not sustained"
    return (
        f"{held} (accepted {step.accepted}/{step.sent}, send p99 {step.send_p99_ms:.0f} ms, "
        f"lag p99 {step.lag_p99_ms} ms, lag bounded {step.lag_bounded}, drained {step.drained})"
    )
