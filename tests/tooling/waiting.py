"""Waiting for something to become true: the one `eventually` of every tier, plain and async.

Tests poll instead of sleeping: `eventually(check, timeout=…, what=…)` calls `check` until it
returns something truthy and returns that. Both flavours share `_Deadline`, which decides when to
give up and what to say then, so a failed wait reads the same in every tier; they differ only in
how they pause between checks (blocking the thread, or letting the test's event loop run).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# For waits on work in this process or on a local one; slower things pass a named timeout.
DEFAULT_TIMEOUT_S = 10.0


class _Deadline:
    def __init__(self, timeout: float, what: str) -> None:
        self.timeout, self.what = timeout, what
        self.expires = time.monotonic() + timeout

    def check_expired(self, last: object) -> None:
        if time.monotonic() >= self.expires:
            raise AssertionError(
                f"timed out after {self.timeout}s waiting for {self.what}; last value: {last!r}"
            )


def eventually(
    check: Callable[[], T | None], *, what: str, timeout: float = DEFAULT_TIMEOUT_S, interval: float = 0.1
) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = _Deadline(timeout, what)
    while not (value := check()):
        deadline.check_expired(value)
        time.sleep(interval)
    return value


async def eventually_async(
    check: Callable[[], T | None] | Callable[[], Awaitable[T | None]],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 (a bound on polling, not a cancellation)
    interval: float = 0.01,
) -> T:
    """`eventually` in an event loop, which runs between checks; `check` may be a coroutine function."""
    deadline = _Deadline(timeout, what)
    while not (value := await _result(check())):
        deadline.check_expired(value)
        await asyncio.sleep(interval)
    return value


async def _result(value: T | Awaitable[T | None] | None) -> T | None:
    if inspect.isawaitable(value):
        return await value
    return value
