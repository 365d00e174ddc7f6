"""The garbage collectors: which rows their repositories pick, and `PUT /v1/services/*/gc`.

Ages are arranged by moving `created_at` / `updated_at` back in time; the routes are waited for
through the callback they queue (the On-Premises completion report).
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import Sessions, sql
from tests.db.webapp_harness import Running, error, login
from tests.tooling.waiting import eventually_async
from wabiz.db import media, messages
from wabiz.db.messages import Outgoing, StatusChange
from wabiz.kit.storage import MediaMissing
from wabiz.webapp.gc import service

MONTH = timedelta(days=30)


async def _old_media(session: AsyncSession, media_id: str, days: int = 31) -> None:
    await media.add_upload(session, media_id, "image/png", 3, "ab" * 32)
    await sql(
        session,
        "UPDATE media SET created_at = now() - make_interval(days => :d) WHERE id = :id",
        d=days,
        id=media_id,
    )


async def _message(session: AsyncSession, message_id: str, body: dict[str, Any], days: int = 0) -> None:
    await messages.queue_outgoing(session, [Outgoing(message_id, "15550001111", 0, body)])
    await sql(
        session,
        "UPDATE messages SET created_at = now() - make_interval(days => :d),"
        " updated_at = now() - make_interval(days => :d) WHERE id = :id",
        d=days,
        id=message_id,
    )


async def test_unused_media_is_old_media_no_recent_message_names(session: AsyncSession) -> None:
    for media_id in ("unused", "sent-lately", "in-a-template", "sent-long-ago"):
        await _old_media(session, media_id)
    await _old_media(session, "young", days=29)
    await _message(session, "m1", {"type": "image", "image": {"id": "sent-lately"}}, days=2)
    header = {"type": "header", "parameters": [{"type": "image", "image": {"id": "in-a-template"}}]}
    await _message(session, "m2", {"type": "template", "template": {"name": "t", "components": [header]}})
    await _message(session, "m3", {"type": "image", "image": {"id": "sent-long-ago"}}, days=40)
    assert sorted(await media.lock_unused(session, MONTH, 10)) == ["sent-long-ago", "unused"]
    assert len(await media.lock_unused(session, MONTH, 1)) == 1
    assert await media.delete_many(session, ["unused", "nothing"]) == 1


async def test_concurrent_collections_never_pick_the_same_media(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        for n in range(4):
            await _old_media(session, f"old-{n}")
    async with sessions.begin() as first, sessions.begin() as second:
        mine = await media.lock_unused(first, MONTH, 2)
        theirs = await media.lock_unused(second, MONTH, 10)
        assert len(mine) == 2 and len(theirs) == 2 and not set(mine) & set(theirs)


async def test_only_messages_final_for_a_month_are_purged(session: AsyncSession) -> None:
    text = {"type": "text", "text": {"body": "hi"}}
    for message_id in ("queued", "sent", "delivered", "read", "failed", "recent"):
        await _message(session, message_id, text, days=0 if message_id == "recent" else 40)
    changes = {m: StatusChange(m, None) for m in ("sent", "delivered", "read", "failed")}
    await messages.apply_statuses(session, changes | {"recent": StatusChange("read", None)}, purge=False)
    await sql(session, "UPDATE messages SET updated_at = now() - interval '40 days' WHERE id <> 'recent'")
    await messages.store_inbound(session, {"id": "in-old", "from": "15550001111", "type": "text"}, 0)
    await sql(session, "UPDATE messages SET updated_at = now() - interval '31 days' WHERE id = 'in-old'")
    assert await messages.purge_final(session, MONTH, 2) == 2
    assert await messages.purge_final(session, MONTH, 10) == 2
    assert await messages.purge_final(session, MONTH, 10) == 0
    left = {row.id for row in await sql(session, "SELECT id FROM messages")}
    assert left == {"queued", "sent", "recent"}


async def _report(run: Running, kind: str) -> dict[str, Any]:
    async def queued() -> list[Any]:
        return await run.sql("SELECT shard, payload FROM callbacks WHERE payload ? 'services'")

    rows = await eventually_async(queued, what=f"the {kind} collection's callback")
    assert [row.shard for row in rows] == [0]
    report: dict[str, Any] = rows[0].payload["services"][0][kind]["gc"]
    return report


async def test_media_gc_deletes_rows_and_objects_then_reports(run: Running, headers: dict[str, str]) -> None:
    store = run.state.store
    async with run.state.sessions.begin() as session:
        for media_id in ("old-1", "old-2", "young"):
            await store.put(media_id, io.BytesIO(b"png"), "image/png")
            await _old_media(session, media_id, days=1 if media_id == "young" else 31)
    answer = await run.client.put("/v1/services/media/gc", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["services"] == {"media": {"gc": {"status": "processing"}}}
    assert await _report(run, "media") == {"items_deleted": 2, "status": "complete"}
    assert [row.id for row in await run.sql("SELECT id FROM media")] == ["young"]
    with pytest.raises(MediaMissing):
        await store.read("old-1")
    assert [chunk async for chunk in await store.read("young")] == [b"png"]


async def test_message_gc_reports_what_it_deleted(run: Running, headers: dict[str, str]) -> None:
    async with run.state.sessions.begin() as session:
        await messages.store_inbound(session, {"id": "in-old", "from": "15550001111", "type": "text"}, 0)
        await sql(session, "UPDATE messages SET updated_at = now() - interval '31 days'")
    answer = await run.client.put("/v1/services/message/gc", headers=headers)
    assert answer.json()["services"] == {"message": {"gc": {"status": "processing"}}}
    assert await _report(run, "message") == {"messages_deleted": 1, "status": "complete"}


async def test_a_second_start_while_running_joins_the_run(run: Running) -> None:
    service.start(run.state, "message")
    service.start(run.state, "message")
    running = [task for task in run.state.background.tasks if task.get_name() == "gc:message"]
    assert len(running) == 1
    await running[0]
    assert await _report(run, "message") == {"messages_deleted": 0, "status": "complete"}
    assert len(await run.sql("SELECT id FROM callbacks")) == 1, "one run, one report"


async def test_a_failed_collection_reports_the_failure(run: Running, headers: dict[str, str]) -> None:
    class BrokenStore:
        async def delete(self, key: str) -> None:
            raise OSError("disk gone")

    async with run.state.sessions.begin() as session:
        await _old_media(session, "old-1")
    store, run.state.store = run.state.store, BrokenStore()  # type: ignore[assignment]
    try:
        await run.client.put("/v1/services/media/gc", headers=headers)
        report = await _report(run, "media")
    finally:
        run.state.store = store
    assert report["status"] == "failed" and report["items_deleted"] == 0
    assert report["errors"][0]["code"] == 1014 and "OSError" in report["errors"][0]["details"]
    assert len(await run.sql("SELECT id FROM media")) == 1, "the row stays for the next collection"


@pytest.mark.parametrize("path", ["/v1/services/media/gc", "/v1/services/message/gc"])
async def test_gc_is_for_admins(run: Running, headers: dict[str, str], path: str) -> None:
    created = await run.client.post(
        "/v1/users", headers=headers, json={"username": "agent", "password": "Agent-Pass1!"}
    )
    assert created.status_code == 201
    user = {"Authorization": f"Bearer {await login(run.client, 'agent', 'Agent-Pass1!')}"}
    assert error(await run.client.put(path, headers=user))[:2] == (403, 1005)
    assert error(await run.client.put(path))[:2] == (401, 1005)
