"""The durable callback queue: due in order, skipped while in flight, postponed, deleted."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import sql
from wabiz.db import callbacks, settings


async def test_due_callbacks_of_given_shards_oldest_first(session: AsyncSession) -> None:
    await callbacks.enqueue(session, [(0, {"n": 1}), (1, {"n": 2}), (0, {"n": 3})])
    due = await callbacks.due(session, {0}, set(), 10)
    assert [(c.shard, c.payload, c.attempts) for c in due] == [(0, {"n": 1}, 0), (0, {"n": 3}, 0)]
    assert [c.payload for c in await callbacks.due(session, {0, 1}, {due[0].id}, 10)] == [{"n": 2}, {"n": 3}]
    assert len(await callbacks.due(session, {0, 1}, set(), 1)) == 1
    assert await callbacks.due(session, {7}, set(), 10) == []


async def test_payloads_keep_every_character_and_their_shard(session: AsyncSession) -> None:
    awkward = {"text": 'a "quoted" \\ back\\slash, {braces}, NULL, ü 👍\n', "list": [1, None, {"x": []}]}
    await callbacks.enqueue(session, [(3, {"n": 1}), (5, awkward), (3, {"n": 3})])
    due = await callbacks.due(session, {3, 5}, set(), 10)
    assert [(c.shard, c.payload) for c in due] == [(3, {"n": 1}), (5, awkward), (3, {"n": 3})]


async def test_a_failed_attempt_is_counted_and_waits(session: AsyncSession) -> None:
    await callbacks.enqueue(session, [(0, {"n": 1}), (0, {"n": 2})])
    first, second = await callbacks.due(session, {0}, set(), 10)
    await callbacks.postpone(session, [first.id], 60, "HTTP 500 " + "x" * 600)
    assert await callbacks.due(session, {0}, set(), 10) == [second]
    attempts, error = (
        await sql(session, "SELECT attempts, last_error FROM callbacks WHERE id = :i", i=first.id)
    )[0]
    assert attempts == 1 and len(error) == 500
    await callbacks.delete(session, [first.id, second.id])
    assert await sql(session, "SELECT count(*) FROM callbacks") == [(0,)]


async def test_due_callbacks_come_with_the_settings_versions_of_the_same_read(session: AsyncSession) -> None:
    names = (settings.APPLICATION, settings.WEBHOOKS_CA)
    due, versions = await callbacks.due_and_versions(session, {0}, set(), 10, names)
    assert (due, versions) == ([], {"application": 0, "webhooks_ca": 0}), "never written: version 0"
    await settings.write(session, {"webhooks": {"url": "https://hooks.example.com/"}})
    await settings.write(session, {"webhooks": {"url": "https://hooks.example.com/b"}})
    await callbacks.enqueue(session, [(0, {"n": 1}), (1, {"n": 2}), (0, {"n": 3})])
    due, versions = await callbacks.due_and_versions(session, {0}, set(), 10, names)
    assert [c.payload for c in due] == [{"n": 1}, {"n": 3}]
    assert versions == {"application": 2, "webhooks_ca": 0}
