"""The knee's rules: what counts as sustained, and how the search moves."""

from __future__ import annotations

from bench.knee import Step, lag_bounded, next_confirmation, next_minute, next_rate


def step(**changes: object) -> Step:
    base = {
        "rate": 400.0,
        "seconds": 60.0,
        "sent": 100,
        "accepted": 100,
        "send_p99_ms": 80.0,
        "lag_p99_ms": 300.0,
        "lag_bounded": True,
        "drained": True,
    }
    return Step(**(base | changes))  # type: ignore[arg-type]


def test_sustained_needs_every_send_accepted_fast_and_every_callback_in_with_a_steady_lag() -> None:
    assert step().sustained
    assert not step(accepted=99).sustained
    assert not step(send_p99_ms=101.0).sustained
    assert not step(lag_p99_ms=1001.0).sustained, "at the knee callbacks keep pace: lag p99 ≤ 1 s"
    assert not step(lag_p99_ms=None).sustained
    assert not step(lag_bounded=False).sustained
    assert not step(drained=False).sustained


def test_a_lag_that_keeps_growing_is_not_bounded() -> None:
    steady = [(t / 10, 0.2 + (t % 3) * 0.01) for t in range(600)]
    growing = [(t / 10, 0.2 + t / 100) for t in range(600)]
    assert lag_bounded(steady, 60)
    assert not lag_bounded(growing, 60)
    assert not lag_bounded([(1.0, 0.1)], 60), "nothing delivered late in the run: not shown bounded"


def test_the_search_goes_up_after_a_pass_and_halfway_back_after_a_failure() -> None:
    assert next_rate(100, passed=True, best=100, worst=None) == 130
    assert next_rate(100, passed=True, best=100, worst=120) == 110, "never up to a rate that failed"
    assert next_rate(200, passed=False, best=None, worst=200) == 130
    assert next_rate(200, passed=False, best=100, worst=200) == 150


def test_a_minute_that_did_not_hold_is_tried_lower_as_far_as_it_overshot() -> None:
    assert next_confirmation(step(rate=400.0, send_p99_ms=110.0)) == 340, "a near miss: 15 % lower"
    assert next_confirmation(step(rate=400.0, send_p99_ms=160.0)) == 250, "p99 1.6 × its bound: 1/1.6"
    assert next_confirmation(step(rate=400.0, send_p99_ms=900.0)) == 200, "never below half"
    assert next_confirmation(step(rate=400.0, send_p99_ms=50.0, lag_p99_ms=2000.0)) == 200
    assert next_confirmation(step(rate=400.0, send_p99_ms=50.0, lag_bounded=False)) == 340


def test_minutes_close_in_on_the_knee_between_what_held_and_what_did_not() -> None:
    held, failed = step(rate=300.0), step(rate=400.0, send_p99_ms=130.0)
    assert next_minute([held], best_short=500.0) == 400, "halfway up to the best short step"
    assert next_minute([held, failed], best_short=500.0) == 350, "halfway up to the lowest failure"
    assert next_minute([failed, held], best_short=500.0) == 350, "whatever the order they ran in"
    assert next_minute([held, step(rate=320.0, send_p99_ms=130.0)], best_short=500.0) is None, (
        "within 10 %: the knee is pinned"
    )
    assert next_minute([failed], best_short=500.0) == next_confirmation(failed), "none held: lower"
    lowest = step(rate=250.0, send_p99_ms=110.0)
    assert next_minute([failed, lowest], best_short=500.0) == next_confirmation(lowest)
