"""Rate-limited warnings: one line per problem per interval, with how many were held back.

When the upstream or the business webhook is down, every message and every callback fails the
same way many times a second; the log should say so once in a while, not drown.
"""

from __future__ import annotations

import logging
import time


class Throttle:
    def __init__(self, logger: logging.Logger, interval_s: float = 10.0) -> None:
        self._log, self._interval = logger, interval_s
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, key: str, message: str, *args: object) -> None:
        """Log `message` unless `key` was logged within the interval; count it otherwise."""
        now = time.monotonic()
        if now - self._last.get(key, -self._interval) < self._interval:
            self._held[key] = self._held.get(key, 0) + 1
            return
        held = self._held.pop(key, 0)
        self._last[key] = now
        suffix = f" ({held} similar since the last report)" if held else ""
        self._log.warning(message + suffix, *args)
