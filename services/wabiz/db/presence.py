"""A CoreApp's presence in the database: an advisory lock and a notification channel, on one
connection the CoreApp keeps for as long as its process lives (`coreapp/presence.py`).

The lock is `pg_try_advisory_lock(PRESENCE_NS, key)` with a random key the node announces in
`nodes.presence_key`; PostgreSQL releases it the moment the connection ends, which is how other
nodes learn within a heartbeat that a CoreApp died (`leases.acquire`). The channel carries the
shard of every callback queued (`callbacks.enqueue`), so the shard's owner posts it at once
instead of at its next poll. These statements run on a plain psycopg connection in autocommit
mode: a session-level lock and LISTEN must outlive any transaction.
"""

from __future__ import annotations

import secrets
from typing import Any

from psycopg import AsyncConnection, sql

from wabiz.db.leases import PRESENCE_NS

CALLBACKS_CHANNEL = "wabiz_callbacks"
KEY_ATTEMPTS = 8


def new_key() -> int:
    """A random positive int4: the lock's second key, cast to `oid` in `pg_locks`."""
    return secrets.randbelow(2**31 - 1) + 1


async def hold_new_lock(conn: AsyncConnection[Any]) -> int:
    """Take a presence lock under a fresh random key; the key. A key already held (by another live
    node, a chance of one in two billion) is simply replaced by another."""
    for _ in range(KEY_ATTEMPTS):
        key = new_key()
        cursor = await conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (PRESENCE_NS, key))
        row = await cursor.fetchone()
        if row and row[0]:
            return key
    raise RuntimeError(f"no free presence lock key after {KEY_ATTEMPTS} attempts")


async def listen(conn: AsyncConnection[Any]) -> None:
    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CALLBACKS_CHANNEL)))
