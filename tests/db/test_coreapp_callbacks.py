"""The callback queue on the real PostgreSQL, delivering to a local webhook server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.tooling.recording_server import RecordingServer, recording_server
from tests.tooling.waiting import eventually_async
from wabiz.coreapp.callbacks import DatabaseQueue, Deliverer, MemoryQueue
from wabiz.coreapp.settings_cache import SYNCED, SettingsCache
from wabiz.coreapp.webhook_client import WebhookClient
from wabiz.db import settings as db_settings
from wabiz.kit.appsettings import ApplicationSettings, validate
from wabiz.kit.signing import HEADER, verify
from wabiz.kit.webhook_guard import TargetPolicy

Sessions = async_sessionmaker[AsyncSession]
SECRET = "webhook-secret"
LOOPBACK = TargetPolicy(allow_loopback=True)  # the recording webhook listens on 127.0.0.1


@pytest.fixture
async def hooks() -> AsyncIterator[WebhookClient]:
    client = WebhookClient(LOOPBACK, SECRET)
    yield client
    await client.close()


@pytest.fixture
async def webhook() -> AsyncIterator[RecordingServer]:
    async with recording_server() as server:
        yield server


def settings(url: str | None, **overrides: Any) -> ApplicationSettings:
    return validate(
        {"webhooks": {"url": url}, "callback_backoff_delay_ms": 2000, "max_callback_backoff_delay_ms": 5000}
        | overrides
    )


def status(message_id: str) -> dict[str, Any]:
    return {"statuses": [{"id": message_id, "status": "delivered", "recipient_id": "1631", "timestamp": "1"}]}


async def insert(sessions: Sessions, shard: int, payload: dict[str, Any], delay_s: float = 0) -> int:
    async with sessions.begin() as session:
        result = await session.execute(
            text(
                "INSERT INTO callbacks (shard, payload, next_attempt_at)"
                " VALUES (:shard, CAST(:payload AS jsonb), now() + make_interval(secs => :delay))"
                " RETURNING id"
            ),
            {"shard": shard, "payload": orjson.dumps(payload).decode(), "delay": delay_s},
        )
        return int(result.scalar_one())


async def rows(sessions: Sessions) -> dict[int, Any]:
    async with sessions() as session:
        found = await session.execute(
            text(
                "SELECT id, attempts, last_error, extract(epoch FROM next_attempt_at - now()) AS wait"
                " FROM callbacks"
            )
        )
        return {row.id: row for row in found}


async def empty(sessions: Sessions) -> bool:
    return not await rows(sessions)


async def retried(sessions: Sessions) -> bool:
    """Every row's failed attempt is recorded (the worker counts a failure before it records it)."""
    return all(row.attempts > 0 for row in (await rows(sessions)).values())


def deliverer(
    sessions: Sessions, hooks: WebhookClient, current: ApplicationSettings, shards: set[int]
) -> Deliverer:
    return Deliverer(DatabaseQueue(sessions), MemoryQueue(), lambda: current, nothing, lambda: shards, hooks)


async def nothing(_versions: Mapping[str, int] | None) -> None:
    """A settings sync with nothing new."""


async def test_due_rows_are_those_of_held_shards_whose_time_has_come(sessions: Sessions) -> None:
    due = await insert(sessions, 0, status("a"))
    in_flight = await insert(sessions, 0, status("b"))
    await insert(sessions, 0, status("later"), delay_s=60)
    await insert(sessions, 1, status("other shard"))
    found = await DatabaseQueue(sessions).due({0}, exclude={in_flight}, limit=500)
    assert [item.id for item in found] == [due]
    assert await DatabaseQueue(sessions).due(set(), exclude=set(), limit=500) == []


async def test_retry_counts_the_attempt_and_schedules_the_next(sessions: Sessions) -> None:
    queue = DatabaseQueue(sessions)
    await insert(sessions, 0, status("a"))
    await queue.retry(await queue.due({0}, set(), 500), 3000, "HTTP 500")
    (row,) = (await rows(sessions)).values()
    assert (row.attempts, row.last_error) == (1, "HTTP 500")
    assert 2.5 < row.wait <= 3.0
    assert await queue.due({0}, set(), 500) == [], "not due before its time"


async def test_a_200_deletes_the_rows_of_one_merged_signed_post(
    sessions: Sessions, hooks: WebhookClient, webhook: RecordingServer
) -> None:
    for message_id in ("a", "b", "c"):
        await insert(sessions, 0, status(message_id))
    worker = deliverer(sessions, hooks, settings(webhook.url + "/hook"), {0})
    await worker.tick()
    await eventually_async(lambda: empty(sessions), what="rows deleted")
    await worker.stop()
    (post,) = webhook.requests
    assert [s["id"] for s in post.json()["statuses"]] == ["a", "b", "c"]
    assert verify(SECRET, post.body, post.headers.get(HEADER))
    assert worker.delivered == 3


async def test_a_failure_retries_every_callback_of_the_post_and_logs_the_host_only(
    sessions: Sessions,
    hooks: WebhookClient,
    webhook: RecordingServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    webhook.default = (500, {"error": "down"})
    first, second = await insert(sessions, 0, status("a")), await insert(sessions, 0, status("b"))
    worker = deliverer(sessions, hooks, settings(webhook.url + "/hook?token=hush"), {0})
    with caplog.at_level(logging.WARNING):
        await worker.tick()
        await eventually_async(lambda: retried(sessions), what="the failed POST's rows scheduled again")
        await worker.stop()
    found = await rows(sessions)
    assert set(found) == {first, second}
    assert all(row.attempts == 1 and row.last_error == "HTTP 500" for row in found.values())
    assert all(1.5 < row.wait <= 2.0 for row in found.values()), "first retry after one step"
    assert "127.0.0.1" in caplog.text
    assert "hush" not in caplog.text


async def test_an_unreachable_webhook_is_retried(sessions: Sessions, hooks: WebhookClient) -> None:
    async with recording_server() as gone:
        url = gone.url
    await insert(sessions, 0, status("a"))
    worker = deliverer(sessions, hooks, settings(url), {0})
    await worker.tick()
    await eventually_async(lambda: retried(sessions), what="the failed POST's row scheduled again")
    await worker.stop()
    (row,) = (await rows(sessions)).values()
    assert row.attempts == 1
    assert row.last_error.startswith("ClientConnectorError")


async def test_without_a_webhook_url_callbacks_wait(
    sessions: Sessions, hooks: WebhookClient, webhook: RecordingServer
) -> None:
    await insert(sessions, 0, status("a"))
    worker = deliverer(sessions, hooks, settings(None), {0})
    await worker.tick()
    await worker.stop()
    (row,) = (await rows(sessions)).values()
    assert row.attempts == 0


async def test_concurrency_follows_the_setting(
    sessions: Sessions, hooks: WebhookClient, webhook: RecordingServer
) -> None:
    for n in range(10):  # inbound messages are never merged: one POST each
        await insert(sessions, 0, {"contacts": [], "messages": [{"id": str(n)}]})
    worker = deliverer(sessions, hooks, settings(webhook.url), {0})
    await worker.tick()
    assert len(worker._tasks) == 6, "webhooks.max_concurrent_requests defaults to 6"
    loop = asyncio.create_task(worker.run(poll_interval=0.05, stop=asyncio.Event()))
    await eventually_async(lambda: empty(sessions), what="all delivered")
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    await worker.stop()
    assert len(webhook.requests) == 10


async def test_memory_callbacks_are_delivered_by_the_node_that_holds_them(
    sessions: Sessions, hooks: WebhookClient, webhook: RecordingServer
) -> None:
    memory = MemoryQueue()
    memory.add([(7, status("a"))])
    current = settings(webhook.url, callback_persist=False)
    unsigned = WebhookClient(LOOPBACK, None)
    worker = Deliverer(DatabaseQueue(sessions), memory, lambda: current, nothing, set, unsigned)
    await worker.tick()
    await eventually_async(lambda: not memory.items, what="memory queue emptied")
    await worker.stop()
    await unsigned.close()
    (post,) = webhook.requests
    assert HEADER not in post.headers, "no secret, no signature"


async def test_callbacks_go_out_under_the_settings_read_after_they_were_queued(
    sessions: Sessions, hooks: WebhookClient, webhook: RecordingServer
) -> None:
    """A PATCH of the webhook URL that this node has not polled yet still applies: the deliverer
    syncs the settings after it fetched the due callbacks, and posts to what the sync returned."""
    memory = MemoryQueue()
    memory.add([(7, status("a"))])
    current = [settings(webhook.url.replace("127.0.0.1", "192.0.2.1"), callback_persist=False)]

    async def patched(_versions: Mapping[str, int] | None) -> None:
        current[0] = settings(webhook.url, callback_persist=False)

    unsigned = WebhookClient(LOOPBACK, None)
    worker = Deliverer(DatabaseQueue(sessions), memory, lambda: current[0], patched, set, unsigned)
    await worker.tick()
    await eventually_async(lambda: not memory.items, what="memory queue emptied")
    await worker.stop()
    await unsigned.close()
    assert len(webhook.requests) == 1, "delivered once, to the URL of the synced settings"


async def test_database_callbacks_go_out_under_a_settings_change_this_node_has_not_polled(
    sessions: Sessions, webhook: RecordingServer
) -> None:
    """The due read brings the settings' versions: a newer one is applied before the POST."""
    async with sessions.begin() as session:
        await db_settings.write(session, {"webhooks": {"url": webhook.url.replace("127.0.0.1", "192.0.2.1")}})
    cache = SettingsCache(sessions)
    await cache.refresh()
    async with sessions.begin() as session:
        await db_settings.write(session, {"webhooks": {"url": webhook.url}})
    await insert(sessions, 0, status("a"))
    unsigned = WebhookClient(LOOPBACK, None)
    queue = DatabaseQueue(sessions, SYNCED)
    worker = Deliverer(queue, MemoryQueue(), lambda: cache.current, cache.catch_up, lambda: {0}, unsigned)
    await worker.tick()
    await eventually_async(lambda: len(webhook.requests) == 1, what="delivered to the new URL")
    await worker.stop()
    await unsigned.close()
    assert queue.settings_versions == {"application": 2, "webhooks_ca": 0}
    assert not cache.behind(queue.settings_versions), "caught up"
