"""The login throttle's arithmetic (a clock the test moves) and the hasher's bounded queue."""

from __future__ import annotations

import asyncio

import pytest

from wabiz.kit.errors import TooManyRequests
from wabiz.webapp.users.hashing import PasswordHasher
from wabiz.webapp.users.throttle import Limits, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock) -> LoginThrottle:
    return LoginThrottle(
        per_user=Limits(free=3, base_backoff=1, max_backoff=8, window=60),
        per_client=Limits(free=5, base_backoff=1, max_backoff=8, window=60),
        clock=clock,
    )


def _fail(throttle: LoginThrottle, username: str, client: str = "10.0.0.1") -> None:
    with throttle.attempt(username, client) as attempt:
        attempt.failed()


def test_backoff_doubles_up_to_the_cap_and_the_window_forgets() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(3):
        _fail(throttle, "Alice")
    waits = []
    for _ in range(5):
        with pytest.raises(TooManyRequests) as refused:
            _fail(throttle, "alice", client=f"10.0.1.{len(waits)}")  # names compare case-blind
        waits.append(refused.value.retry_after)
        clock.now += refused.value.retry_after
        _fail(throttle, "alice", client=f"10.0.2.{len(waits)}")
    assert waits == [1, 2, 4, 8, 8]
    clock.now += 61
    _fail(throttle, "alice")


def test_a_success_clears_the_username_but_not_the_address() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for name in ("bob", "bob", "bob2", "bob3"):
        _fail(throttle, name)
    with throttle.attempt("bob", "10.0.0.1") as attempt:
        attempt.succeeded()
    _fail(throttle, "bob")  # bob's count starts again; the address's fifth failure
    with pytest.raises(TooManyRequests):
        _fail(throttle, "carol")
    _fail(throttle, "carol", client="10.0.0.2")


def test_attempts_in_flight_count_against_the_allowance() -> None:
    throttle = _throttle(Clock())
    with (
        throttle.attempt("erin", "a"),
        throttle.attempt("erin", "b"),
        throttle.attempt("erin", "c"),
        pytest.raises(TooManyRequests),
    ):
        _fail(throttle, "erin", "d")
    _fail(throttle, "erin", "e")  # the three ended without a verdict: they count for nothing


async def test_the_hasher_runs_a_bounded_number_and_refuses_beyond_its_queue() -> None:
    hasher = PasswordHasher(max_concurrent=1, max_waiting=2)
    try:
        runs = [asyncio.ensure_future(hasher.hash("Some-Pass1!")) for _ in range(3)]
        await asyncio.sleep(0)
        with pytest.raises(TooManyRequests):
            await hasher.hash("Some-Pass1!")
        assert [(await run)[:7] for run in runs] == ["scrypt$"] * 3
        assert await hasher.verify("Some-Pass1!", await hasher.hash("Some-Pass1!"))
        assert not await hasher.verify("Some-Pass1!", None), "no such user: the decoy, then False"
    finally:
        hasher.close()
