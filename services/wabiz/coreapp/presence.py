"""This process's presence in the database, on a connection of its own (`db/presence.py`).

While the connection lives the node holds its presence lock, announced with every heartbeat: when
the process dies its connection ends, PostgreSQL releases the lock, and the next heartbeat of
another node takes its leases (`db.leases.acquire`) instead of waiting for them to expire. The same
connection LISTENs for callbacks queued for any shard, so the owner delivers them at once.

If this connection breaks while the process lives, another node may take the leases at once, so
the node drops its shards that very moment (`on_lost`) and takes what is fair again after it
reconnected (a new lock, a new key). A node cut off from the database altogether still stops at
its lease's end, as before (`Leases.owns`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import psycopg
from psycopg.conninfo import make_conninfo

from wabiz.db import presence
from wabiz.kit.db import CONNECT_ARGS, libpq_url

log = logging.getLogger(__name__)
RECONNECT_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)
# A peer that vanished without closing the connection (a cut network) is noticed within ~10 s.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}


class Presence:
    def __init__(self, database_url: str, on_callbacks: Callable[[int], None], on_lost: Callable[[], None]):
        self._conninfo = make_conninfo(libpq_url(database_url), **CONNECT_ARGS, **KEEPALIVES)
        self._on_callbacks, self._on_lost = on_callbacks, on_lost
        self.key: int | None = None  # the presence lock's key while it is held
        self.held = asyncio.Event()

    async def run(self) -> None:
        """Forever: hold the lock and listen; reconnect after a loss, sooner than later."""
        failures = 0
        while True:
            try:
                await self._session()
            except (psycopg.Error, OSError) as exc:
                log.warning("presence connection lost or refused: %r", exc)
            finally:
                if self.key is not None:  # it was up: lost now, and the next attempt is the first
                    self.key, failures = None, 0
                    self.held.clear()
                    self._on_lost()
            await asyncio.sleep(RECONNECT_DELAYS_S[min(failures, len(RECONNECT_DELAYS_S) - 1)])
            failures += 1

    async def _session(self) -> None:
        """Connect, lock, listen, then pass notifications on until the connection ends."""
        async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
            key = await presence.hold_new_lock(conn)
            await presence.listen(conn)
            self.key = key
            self.held.set()
            log.info("presence lock %d held; listening for callbacks", key)
            async for note in conn.notifies():
                if note.payload.isdigit():
                    self._on_callbacks(int(note.payload))
