"""`/v1/messages` up to and through the CoreApp call: checks, routing by shard, error pass-through.

The CoreApps are fake (canned answers over real HTTP); the real ones are covered by the stack
tests. What is asserted here is what the WebApp decides and what it sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.db.webapp_harness import (
    BUSINESS_CC,
    BUSINESS_NUMBER,
    INTERNAL_TOKEN,
    FakeCoreApp,
    Running,
    error,
    fake_coreapp,
    register_account,
    register_node,
    registered_coreapp,
)
from wabiz.kit.sharding import shard_of
from wabiz.local.ports import pick

USER = "16315551181"
TEXT = {"to": "+1 631-555-1181", "type": "text", "text": {"body": "hi"}}
STORED = (201, {"id": "msg-1"})


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    async with registered_coreapp(run, {("POST", "/internal/messages"): STORED}) as fake:
        yield fake


async def test_a_send_is_handed_to_the_shard_owner(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    answer = await run.client.post("/v1/messages", headers=headers, json=TEXT | {"preview_url": False})
    assert answer.status_code == 201, answer.text
    assert answer.json()["messages"] == [{"id": "msg-1"}]
    method, path, sent_headers, body = coreapp.requests[-1]
    assert (method, path) == ("POST", "/internal/message-batches")
    assert sent_headers["Authorization"] == f"Bearer {INTERNAL_TOKEN}"
    assert body == {
        "messages": [
            {
                "to": USER,
                "type": "text",
                "recipient_type": "individual",
                "preview_url": False,
                "text": {"body": "hi"},
            }
        ]
    }
    assert await run.sql("SELECT id FROM messages") == [], "the CoreApp stores it, not the WebApp"


async def test_sends_are_refused_until_registered(run: Running, headers: dict[str, str]) -> None:
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == (503, 1011)


async def test_checks_before_the_coreapp(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    own = TEXT | {"to": f"+{BUSINESS_CC} {BUSINESS_NUMBER}"}
    assert error(await run.client.post("/v1/messages", headers=headers, json=own))[:2] == (400, 1021)
    await run.sql("INSERT INTO contacts (wa_id, valid) VALUES (:w, false)", w=USER)
    await run.state.known_invalid.refresh()
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == (400, 1013)
    status, code, details = error(
        await run.client.post("/v1/messages", headers=headers, json=TEXT | {"to": "not a number"})
    )
    assert (status, code) == (400, 1009) and details.startswith("to:")
    assert coreapp.requests == []


async def test_media_by_id_must_exist(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    image = {"to": "16315550000", "type": "image", "image": {"id": "no-such-media", "caption": "cat"}}
    status, code, details = error(await run.client.post("/v1/messages", headers=headers, json=image))
    assert (status, code) == (404, 1006) and details.startswith("image.id: media no-such-media")
    upload = await run.client.post(
        "/v1/media", headers=headers | {"Content-Type": "image/png"}, content=b"png"
    )
    image["image"] = {"id": upload.json()["media"][0]["id"]}
    assert (await run.client.post("/v1/messages", headers=headers, json=image)).status_code == 201


async def test_each_shard_goes_to_its_owner(run: Running, headers: dict[str, str]) -> None:
    recipients = [f"1555{n:07d}" for n in range(12)]
    async with fake_coreapp() as first, fake_coreapp() as second:
        for fake, shard in ((first, 0), (second, 1)):
            fake.answers[("POST", "/internal/messages")] = STORED
            await register_node(run, f"node-{shard}", fake.url, shards=(shard,), master=shard == 0)
        await register_account(run, shards=2)
        for to in recipients:
            answer = await run.client.post("/v1/messages", headers=headers, json=TEXT | {"to": to})
            assert answer.status_code == 201, answer.text
        for fake, shard in ((first, 0), (second, 1)):
            got = [message["to"] for message in fake.sent_messages()]
            assert got == [to for to in recipients if shard_of(to, 2) == shard]


async def test_a_coreapp_without_message_batches_gets_one_call_per_message(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    """During a rolling upgrade the WebApp may be newer than the CoreApp holding the shard."""
    coreapp.answers[("POST", "/internal/message-batches")] = (
        404,
        {"errors": [{"code": 1006, "title": "Resource not found", "details": "no such path"}]},
    )
    for _ in range(2):
        answer = await run.client.post("/v1/messages", headers=headers, json=TEXT)
        assert answer.status_code == 201, answer.text
    paths = [request[1] for request in coreapp.requests]
    assert paths == ["/internal/message-batches", "/internal/messages", "/internal/messages"]


async def test_sends_that_arrive_together_share_a_call(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    sends = [run.client.post("/v1/messages", headers=headers, json=TEXT) for _ in range(30)]
    answers = await asyncio.gather(*sends)
    assert {a.status_code for a in answers} == {201}
    assert len(coreapp.sent_messages()) == 30
    assert len(coreapp.requests) < 30, "sends waiting for a free slot went together"


async def test_no_owner_or_an_unreachable_one_is_1018(run: Running, headers: dict[str, str]) -> None:
    await register_account(run)
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == (503, 1018)
    await register_node(run, "node-dead", f"http://127.0.0.1:{pick()}")
    await run.state.shard_maps.get(fresh=True)
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == (503, 1018)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((503, {"errors": [{"code": 1018, "title": "t", "details": "shard 0 is not mine"}]}), (503, 1018)),
        ((503, {"errors": [{"code": 1016, "title": "t", "details": "queue full"}]}), (503, 1016)),
        ((503, {"errors": [{"code": 1011, "title": "t", "details": "not registered"}]}), (503, 1011)),
        ((401, {"errors": [{"code": 1005, "title": "t", "details": "wrong internal token"}]}), (503, 1011)),
        ((500, {"detail": "no envelope"}), (503, 1011)),
    ],
)
async def test_coreapp_errors(
    run: Running,
    headers: dict[str, str],
    coreapp: FakeCoreApp,
    answer: tuple[int, Any],
    expected: tuple[int, int],
) -> None:
    coreapp.answers[("POST", "/internal/messages")] = answer
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == expected


async def test_refused_shards_are_retried_with_a_fresh_map(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    coreapp.answers[("POST", "/internal/messages")] = (
        503,
        {"errors": [{"code": 1018, "title": "t", "details": "not mine"}]},
    )
    await run.client.post("/v1/messages", headers=headers, json=TEXT)
    assert len(coreapp.requests) >= 2, "retried within route_retry_seconds"


async def test_mark_read(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    await run.sql(
        "INSERT INTO messages (id, direction, wa_id, shard, type, status) VALUES"
        " ('wamid.HBg+Tw/1==', 'in', :w, 0, 'text', 'received'), ('out-1', 'out', :w, 0, 'text', 'queued')",
        w=USER,
    )
    coreapp.answers[("PUT", "/internal/messages/wamid.HBg+Tw/1==")] = (200, {})
    answer = await run.client.put("/v1/messages/wamid.HBg+Tw/1==", headers=headers, json={"status": "read"})
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"meta"}
    assert coreapp.requests[-1][3] == {"status": "read"}
    for unknown in ("out-1", "nothing"):
        missing = await run.client.put(f"/v1/messages/{unknown}", headers=headers, json={"status": "read"})
        assert error(missing)[:2] == (404, 1006)
    status, code, details = error(
        await run.client.put("/v1/messages/out-1", headers=headers, json={"status": "delivered"})
    )
    assert (status, code) == (400, 1009) and details.startswith("status")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"a=b", "text/plain"),
        (b"[1]", "application/json"),
        (b"", "application/json"),
    ],
)
async def test_malformed_sends_are_1025(
    run: Running, headers: dict[str, str], content: bytes, content_type: str
) -> None:
    answer = await run.client.post(
        "/v1/messages", headers=headers | {"Content-Type": content_type}, content=content
    )
    assert error(answer)[:2] == (400, 1025)


async def test_oversize_bodies_are_1025(run: Running, headers: dict[str, str]) -> None:
    answer = await run.client.post(
        "/v1/messages", headers=headers, content=b'{"to": "' + b"1" * 2_000_000 + b'"}'
    )
    assert error(answer)[:2] == (400, 1025)


async def test_sends_need_a_token(run: Running) -> None:
    assert error(await run.client.post("/v1/messages", json=TEXT))[:2] == (401, 1005)
