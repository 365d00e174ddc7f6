"""Reads repeated all day end with COMMIT, never ROLLBACK: on a rollback psycopg forgets every
statement it prepared on that pooled connection, and the hot path's statements there run
unprepared until they are prepared again (kit/db.py, `make_sessionmaker`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.registration import Registration
from wabiz.webapp.auth import _lookup
from wabiz.webapp.contacts.known_invalid import KnownInvalid
from wabiz.webapp.routing import ShardMapCache

Sessions = async_sessionmaker[AsyncSession]


@contextmanager
def counting_rollbacks(sessions: Sessions) -> Iterator[list[object]]:
    engine = sessions.kw["bind"].sync_engine
    rollbacks: list[object] = []

    def rolled_back(connection: object) -> None:
        rollbacks.append(connection)

    event.listen(engine, "rollback", rolled_back)
    try:
        yield rollbacks
    finally:
        event.remove(engine, "rollback", rolled_back)


async def test_the_webapps_periodic_reads_commit(sessions: Sessions) -> None:
    with counting_rollbacks(sessions) as rollbacks:
        await ShardMapCache(sessions).get(fresh=True)
        await _lookup(sessions, "no-such-token-digest")
        await KnownInvalid(sessions).refresh()
    assert rollbacks == []


async def test_the_coreapps_heartbeat_account_read_commits(sessions: Sessions) -> None:
    """Every node reads the account at every heartbeat: before, each wiped one connection's
    prepared statements every second."""
    config = SimpleNamespace(upstream="sandbox", upstream_phone_number_id=None)
    registration = Registration(config, sessions, gateway=None, changed=None)  # type: ignore[arg-type]
    with counting_rollbacks(sessions) as rollbacks:
        account = await registration.refresh()
    assert rollbacks == [] and not account.registered
