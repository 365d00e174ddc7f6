"""`no_wait` contact checks run after the answer; a client must not be able to pile them up.

Each request that finds unknown numbers starts a check in the background. Without a bound, a
client sending contact checks in a loop would grow the WebApp's tasks and the CoreApps' load
without end. So at most `MAX_RUNNING` checks ask the CoreApps at once, at most `MAX_CHECKS` exist
(running or waiting their turn) holding at most `MAX_NUMBERS` numbers, and a number already being
checked is not checked again. Numbers that do not fit are answered `failed` (retry later) instead
of `processing`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

MAX_RUNNING = 4
MAX_CHECKS = 64
MAX_NUMBERS = 5_000

Spawn = Callable[[Coroutine[Any, Any, object], str], None]
Check = Callable[[list[str]], Awaitable[object]]


class BackgroundChecks:
    def __init__(
        self, spawn: Spawn, running: int = MAX_RUNNING, checks: int = MAX_CHECKS, numbers: int = MAX_NUMBERS
    ) -> None:
        self._spawn, self._max_checks, self._max_numbers = spawn, checks, numbers
        self._slots = asyncio.Semaphore(running)
        self._checks = 0
        self.pending: set[str] = set()

    def submit(self, wa_ids: list[str], check: Check) -> frozenset[str]:
        """Start checking `wa_ids` if there is room; the numbers now pending (also those pending
        from before). The others were not taken."""
        new = [wa_id for wa_id in dict.fromkeys(wa_ids) if wa_id not in self.pending]
        if new and self._checks < self._max_checks and len(self.pending) + len(new) <= self._max_numbers:
            self._checks += 1
            self.pending.update(new)
            self._spawn(self._run(new, check), "contacts-check")
        return frozenset(wa_id for wa_id in wa_ids if wa_id in self.pending)

    async def _run(self, wa_ids: list[str], check: Check) -> None:
        try:
            async with self._slots:
                await check(wa_ids)
        finally:
            self._checks -= 1
            self.pending.difference_update(wa_ids)
