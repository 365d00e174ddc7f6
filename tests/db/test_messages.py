"""Messages and the outgoing queue: stored, resumed, moved forward by statuses, read."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import Sessions, sql
from wabiz.db import messages
from wabiz.db.messages import Outgoing, StatusChange, Tracked


def outgoing(n: int, shard: int = 0) -> Outgoing:
    return Outgoing(f"gB{n}", f"1555000{n:04d}", shard, {"type": "text", "text": {"body": f"#{n}"}})


async def test_the_queue_resumes_old_enough_messages_of_given_shards(session: AsyncSession) -> None:
    await messages.queue_outgoing(session, [outgoing(1), outgoing(2, shard=1), outgoing(3), outgoing(4)])
    assert await messages.queued(session, {0, 1}, 10) == [], "younger than a second: still being sent"
    await sql(session, "UPDATE messages SET created_at = now() - interval '1 minute' WHERE id <> 'gB4'")
    await sql(session, "UPDATE messages SET created_at = created_at - interval '1 second' WHERE id = 'gB3'")
    assert [m.id for m in await messages.queued(session, {0}, 10)] == ["gB3", "gB1"], "oldest first"
    assert await messages.queued(session, {0}, 1) == [outgoing(3)]
    assert await messages.queued(session, set(), 10) == []


async def test_bodies_keep_every_character_and_their_row(session: AsyncSession) -> None:
    awkward = {"type": "text", "text": {"body": 'a "quoted" \\ back\\slash, {braces}, NULL, ü 👍\n'}}
    batch = [outgoing(1), Outgoing("gB2", "15550000002", 1, awkward), outgoing(3, shard=2)]
    await messages.queue_outgoing(session, batch)
    await sql(session, "UPDATE messages SET created_at = now() - interval '1 minute'")
    assert sorted(await messages.queued(session, {0, 1, 2}, 10), key=lambda m: m.id) == batch


async def test_acceptance_by_the_network_keeps_a_status_that_came_first(session: AsyncSession) -> None:
    await messages.queue_outgoing(session, [outgoing(1), outgoing(2)])
    await messages.apply_statuses(session, {"gB2": StatusChange("delivered", None)}, purge=False)
    await messages.record_accepted(session, [("gB1", "wamid.1"), ("gB2", "wamid.2")])
    tracked = await messages.lock_tracked(session, [], ["wamid.1", "wamid.2"])
    assert sorted(tracked, key=lambda t: t.id) == [
        Tracked("gB1", "wamid.1", "15550000001", 0, "sent_upstream"),
        Tracked("gB2", "wamid.2", "15550000002", 0, "delivered"),
    ]
    assert [t.id for t in await messages.lock_tracked(session, ["gB1"], [])] == ["gB1"]


async def test_statuses_keep_errors_unless_given_and_purge_delivered_content(session: AsyncSession) -> None:
    await messages.queue_outgoing(session, [outgoing(1), outgoing(2)])
    await messages.record_failed(session, "gB1", [{"code": 470, "title": "window"}])
    changes = {"gB1": StatusChange("read", None), "gB2": StatusChange("sent", [{"code": 1}])}
    await messages.apply_statuses(session, changes, purge=True)
    rows = await sql(session, "SELECT id, status, errors, body IS NULL FROM messages ORDER BY id")
    assert rows == [
        ("gB1", "read", [{"code": 470, "title": "window"}], True),
        ("gB2", "sent", [{"code": 1}], False),
    ]


async def test_an_inbound_message_is_stored_once_and_marked_read(session: AsyncSession) -> None:
    message = {"id": "wamid.in", "from": "15550000009", "type": "text", "text": {"body": "hi"}}
    assert await messages.store_inbound(session, message, 3)
    assert not await messages.store_inbound(session, message, 3), "the network repeated itself"
    assert await messages.inbound(session, "wamid.in") == messages.Inbound("15550000009", None)
    await messages.queue_outgoing(session, [outgoing(1)])
    assert await messages.inbound(session, "gB1") is None, "outbound messages are not inbound"
    await messages.mark_read(session, "wamid.in")
    assert await sql(session, "SELECT status, body FROM messages WHERE id = 'wamid.in'") == [
        ("read", message)
    ]


async def test_acceptance_and_statuses_of_the_same_messages_never_deadlock(sessions: Sessions) -> None:
    """The sender records acceptances while the network's statuses for the same messages come in,
    each a batch in its own order; both must lock rows in one order, or PostgreSQL kills one
    (seen under load: the acceptance batch died and its messages were sent twice)."""
    batch = [outgoing(n) for n in range(200)]
    async with sessions.begin() as session:
        await messages.queue_outgoing(session, batch)
    ids = [m.id for m in batch]

    async def accept(order: list[str]) -> None:
        async with sessions.begin() as session:
            await messages.record_accepted(session, [(i, f"wamid.{i}") for i in order])

    async def statuses(order: list[str]) -> None:
        async with sessions.begin() as session:
            tracked = await messages.lock_tracked(session, order, [])
            await messages.apply_statuses(session, {t.id: StatusChange("sent", None) for t in tracked}, False)

    for round_ in range(15):
        forward, backward = ids[round_:] + ids[:round_], ids[::-1]
        await asyncio.gather(accept(forward), statuses(backward), accept(backward), statuses(forward))
