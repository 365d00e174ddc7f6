"""Login throttling: failed attempts per username and per client address, with backoff.

Each key (a username, a client address) may fail `free` times; after that it may try once per
backoff period, which doubles with every further failure up to `max_backoff` seconds. Attempts in
progress count as failures until they end, so a burst sent all at once is cut at `free` before any
password is hashed. A key is forgotten `window` seconds after its last failure, and a successful
login clears its username (not its address: a valid account must not reset the counter of an
address that sprays other names).

Refusals cost no hash and no database read. The state lives in this process: with several WebApp
replicas behind one Service an attacker gets each replica's allowance. The username limit also
lets anyone delay a user's next login by at most `max_backoff`; tokens already issued keep working.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from wabiz.kit.errors import TooManyRequests

MAX_KEYS = 50_000  # ~10 MB of state at most; the least recently failed keys are dropped beyond
MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Limits:
    free: int
    base_backoff: float
    max_backoff: float
    window: float


@dataclass
class _Key:
    failures: int = 0
    in_flight: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


class Attempt:
    """One admitted login attempt; `failed()` when the password was wrong, `succeeded()` when right."""

    def __init__(self) -> None:
        self.outcome: bool | None = None

    def failed(self) -> None:
        self.outcome = False

    def succeeded(self) -> None:
        self.outcome = True


class LoginThrottle:
    def __init__(
        self, per_user: Limits, per_client: Limits, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = {"user": per_user, "client": per_client}
        self._keys: OrderedDict[tuple[str, str], _Key] = OrderedDict()
        self._clock = clock

    def _state(self, key: tuple[str, str], now: float) -> _Key:
        state = self._keys.get(key)
        if state is None or (state.in_flight == 0 and now - state.last_failure > self._limits[key[0]].window):
            state = _Key()
            self._keys[key] = state
            while len(self._keys) > MAX_KEYS:
                self._keys.popitem(last=False)
        return state

    def _wait(self, key: tuple[str, str], state: _Key, now: float) -> float:
        """Seconds until this key may try again (0: now)."""
        limits = self._limits[key[0]]
        if state.failures + state.in_flight < limits.free:
            return 0.0
        if state.in_flight == 0 and now >= state.blocked_until:
            return 0.0
        return max(state.blocked_until - now, limits.base_backoff)

    @contextmanager
    def attempt(self, username: str, client: str) -> Iterator[Attempt]:
        """Admit one attempt or raise 1015 (429, `Retry-After`); record how it ended."""
        now = self._clock()
        keys = [("user", username.lower()), ("client", client)]
        states = [self._state(key, now) for key in keys]
        wait = max(self._wait(key, state, now) for key, state in zip(keys, states, strict=True))
        if wait > 0:
            raise TooManyRequests(
                f"too many failed logins for this user or from this address; retry in {math.ceil(wait)} s",
                retry_after=math.ceil(wait),
            )
        for state in states:
            state.in_flight += 1
        attempt = Attempt()
        try:
            yield attempt
        finally:
            for key, state in zip(keys, states, strict=True):
                state.in_flight -= 1
                self._record(key, state, attempt.outcome)

    def _record(self, key: tuple[str, str], state: _Key, outcome: bool | None) -> None:
        limits, now = self._limits[key[0]], self._clock()
        if outcome is False:
            state.failures += 1
            state.last_failure = now
            self._keys[key] = state  # back in, and last in line to be dropped
            self._keys.move_to_end(key)
            excess = min(state.failures - limits.free, MAX_DOUBLINGS)
            if excess >= 0:
                state.blocked_until = now + min(limits.base_backoff * 2**excess, limits.max_backoff)
        elif outcome is True and key[0] == "user":
            state.failures, state.blocked_until = 0, 0.0
