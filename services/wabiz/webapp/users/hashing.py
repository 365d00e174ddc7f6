"""Password hashes off the event loop, a bounded number at a time.

Each scrypt hash takes 16 MiB and about a tenth of a second of CPU. Run without a bound, a burst
of logins multiplies both: 32 at once went past a 256 MiB pod. Hashes therefore run on a pool of
`max_concurrent` threads of their own (the thread count also bounds the allocator arenas that keep
the memory afterwards), and at most `max_waiting` more wait for a thread; beyond that the attempt
is refused at once with 1015 instead of queueing without end.

An unknown username is checked against a decoy hash made with today's parameters, through the
same pool, so it costs what a known one costs and timing does not tell which names exist.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from wabiz.kit.errors import TooManyRequests
from wabiz.kit.passwords import hash_password, verify_password

T = TypeVar("T")
DECOY_PASSWORD = "decoy-Password-1"  # noqa: S105 (never a user's: only hashed to compare against)


@functools.cache
def _decoy_hash() -> str:
    return hash_password(DECOY_PASSWORD)


class PasswordHasher:
    def __init__(self, max_concurrent: int, max_waiting: int) -> None:
        self._pool = ThreadPoolExecutor(max_concurrent, thread_name_prefix="password-hash")
        self._slots = asyncio.Semaphore(max_concurrent)
        self._max_waiting = max_waiting
        self._waiting = 0

    async def _run(self, work: Callable[[], T]) -> T:
        if self._slots.locked() and self._waiting >= self._max_waiting:
            raise TooManyRequests("too many password checks in progress; retry in a second")
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work)
        finally:
            self._slots.release()

    async def hash(self, password: str) -> str:
        return await self._run(functools.partial(hash_password, password))

    async def verify(self, password: str, stored: str | None) -> bool:
        """Whether `password` matches; None (no such user) is checked against the decoy, so False."""

        def check() -> bool:
            return verify_password(password, stored or _decoy_hash()) and stored is not None

        return await self._run(check)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
