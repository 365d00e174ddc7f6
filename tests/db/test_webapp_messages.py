"""`/v1/messages`: the checks, the stored row, the hand-off to the shard's owner, mark read.

The CoreApps are fake (real HTTP, canned answers; they take hand-offs and record them); the real
ones are covered by the stack tests. What is asserted here is what the WebApp decides, what it
stores and whom it tells.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.db.webapp_harness import (
    BUSINESS_CC,
    BUSINESS_NUMBER,
    FakeCoreApp,
    Running,
    error,
    fake_coreapp,
    register_account,
    register_node,
    registered_coreapp,
    stored_sends,
)
from wabiz.kit.sharding import shard_of
from wabiz.local.ports import pick
from wabiz.webapp.coreapp_client import HAND_OFF_PATH

USER = "16315551181"
TEXT = {"to": "+1 631-555-1181", "type": "text", "text": {"body": "hi"}}


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    async with registered_coreapp(run, {}) as fake:
        yield fake


async def test_a_send_is_stored_then_handed_to_the_shard_owner(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    answer = await run.client.post("/v1/messages", headers=headers, json=TEXT | {"preview_url": False})
    assert answer.status_code == 201, answer.text
    ((message_id,),) = [[m["id"] for m in answer.json()["messages"]]]
    body = {
        "to": USER,
        "type": "text",
        "recipient_type": "individual",
        "preview_url": False,
        "text": {"body": "hi"},
    }
    rows = await run.sql("SELECT id, direction, wa_id, shard, type, status, body FROM messages")
    assert [tuple(row) for row in rows] == [(message_id, "out", USER, 0, "text", "queued", body)], (
        "durable before the 201"
    )
    handed = await coreapp.wait_for_hand_offs(1)
    assert handed == [{"id": message_id, "wa_id": USER, "shard": 0, "body": body}]
    assert coreapp.requests == [], "no other call on the send path"


async def test_sends_are_refused_until_registered(run: Running, headers: dict[str, str]) -> None:
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == (503, 1011)


async def test_checks_before_storing(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    own = TEXT | {"to": f"+{BUSINESS_CC} {BUSINESS_NUMBER}"}
    assert error(await run.client.post("/v1/messages", headers=headers, json=own))[:2] == (400, 1021)
    await run.sql("INSERT INTO contacts (wa_id, valid) VALUES (:w, false)", w=USER)
    await run.state.known_invalid.refresh()
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == (400, 1013)
    status, code, details = error(
        await run.client.post("/v1/messages", headers=headers, json=TEXT | {"to": "not a number"})
    )
    assert (status, code) == (400, 1009) and details.startswith("to:")
    await run.state.sends.drain()
    assert await stored_sends(run) == [] and coreapp.handed_off == []


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
        for shard, fake in enumerate((first, second)):
            await register_node(run, f"node-{shard}", fake.url, shards=(shard,), master=shard == 0)
        await register_account(run, shards=2)
        for to in recipients:
            answer = await run.client.post("/v1/messages", headers=headers, json=TEXT | {"to": to})
            assert answer.status_code == 201, answer.text
        for shard, fake in enumerate((first, second)):
            mine = [to for to in recipients if shard_of(to, 2) == shard]
            handed = await fake.wait_for_hand_offs(len(mine))
            assert [(m["wa_id"], m["shard"]) for m in handed] == [(to, shard) for to in mine]
        rows = await run.sql("SELECT wa_id, shard FROM messages ORDER BY created_at, ctid")
        assert [tuple(row) for row in rows] == [(to, shard_of(to, 2)) for to in recipients]


async def test_sends_that_arrive_together_are_stored_and_handed_off_together(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    answers = await asyncio.gather(
        *(run.client.post("/v1/messages", headers=headers, json=TEXT) for _ in range(30))
    )
    assert {a.status_code for a in answers} == {201}
    ids = {a.json()["messages"][0]["id"] for a in answers}
    assert len(ids) == 30
    assert {m["id"] for m in await coreapp.wait_for_hand_offs(30)} == ids
    assert coreapp.hand_off_calls < 30, "sends posted while a hand-off was in flight went together"


async def test_a_refused_hand_off_leaves_the_send_stored_for_the_sweep(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    """A CoreApp of the previous release has no hand-off call: its sweep sends the row instead."""
    coreapp.answers[("POST", HAND_OFF_PATH)] = (
        404,
        {"errors": [{"code": 1006, "title": "t", "details": "?"}]},
    )
    answer = await run.client.post("/v1/messages", headers=headers, json=TEXT)
    assert answer.status_code == 201, answer.text
    await run.state.sends.drain()
    assert [request[1] for request in coreapp.requests] == [HAND_OFF_PATH]
    assert [tuple(r) for r in await run.sql("SELECT status FROM messages")] == [("queued",)]


async def test_no_owner_is_1018_and_an_unreachable_one_gets_the_row_later(
    run: Running, headers: dict[str, str]
) -> None:
    await register_account(run)
    assert error(await run.client.post("/v1/messages", headers=headers, json=TEXT))[:2] == (503, 1018)
    assert await stored_sends(run) == [], "nothing stored without an owner"
    await register_node(run, "node-dead", f"http://127.0.0.1:{pick()}")
    await run.state.shard_maps.get(fresh=True)
    answer = await run.client.post("/v1/messages", headers=headers, json=TEXT)
    assert answer.status_code == 201, "stored: whoever holds the shard next sweeps it"
    await run.state.sends.drain()
    assert len(await stored_sends(run)) == 1


async def test_a_send_waits_for_an_owner_within_the_route_retry_time(
    run: Running, headers: dict[str, str]
) -> None:
    await register_account(run)
    async with fake_coreapp() as fake:
        send = asyncio.ensure_future(run.client.post("/v1/messages", headers=headers, json=TEXT))
        await asyncio.sleep(0.1)
        assert not send.done(), "no owner yet: the send waits"
        await register_node(run, "node-late", fake.url)
        answer = await send
        assert answer.status_code == 201, answer.text
        await fake.wait_for_hand_offs(1)


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
