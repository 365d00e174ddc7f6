"""`/v1/account…`: validation, what reaches the CoreApp, and the shard count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.db.webapp_harness import (
    BUSINESS_CC,
    BUSINESS_NUMBER,
    FakeCoreApp,
    Running,
    error,
    fake_coreapp,
    login,
    register_account,
    register_node,
)

REGISTRATION = {"cc": "1", "phone_number": "5550001234", "method": "sms", "cert": "d2FiaXo="}
SHARDS = {"cc": BUSINESS_CC, "phone_number": BUSINESS_NUMBER}


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    async with fake_coreapp() as fake:
        await register_node(run, "node-a", fake.url)
        await run.state.shard_maps.get(fresh=True)
        yield fake


async def test_registration(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    coreapp.answers[("POST", "/internal/account")] = (200, {"state": "pending", "vname": "wabiz"})
    pending = await run.client.post("/v1/account", headers=headers, json=REGISTRATION)
    assert pending.status_code == 202, pending.text
    assert pending.json()["account"] == [{"vname": "wabiz"}]
    assert coreapp.requests[-1][3] == REGISTRATION, "no pin sent when none was given"

    coreapp.answers[("POST", "/internal/account/verify")] = (
        400,
        {"errors": [{"code": 1009, "title": "t", "details": "code: wrong code"}]},
    )
    assert error(await run.client.post("/v1/account/verify", headers=headers, json={"code": "000000"})) == (
        400,
        1009,
        "code: wrong code",
    )
    coreapp.answers[("POST", "/internal/account/verify")] = (200, {"state": "registered"})
    assert (
        await run.client.post("/v1/account/verify", headers=headers, json={"code": "123456"})
    ).status_code == 201

    coreapp.answers[("POST", "/internal/account")] = (200, {"state": "registered", "vname": "wabiz"})
    again = await run.client.post("/v1/account", headers=headers, json=REGISTRATION | {"pin": "123456"})
    assert again.status_code == 201
    assert coreapp.requests[-1][3]["pin"] == "123456"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"cc": "1", "method": "fax"}, 1008, "phone_number"),
        (REGISTRATION | {"method": "fax"}, 1009, "method"),
        (REGISTRATION | {"cc": "0"}, 1009, "cc"),
        (REGISTRATION | {"phone_number": "55-5"}, 1009, "phone_number"),
        (REGISTRATION | {"cert": "not base64!"}, 1009, "cert"),
        (REGISTRATION | {"pin": "12"}, 1009, "pin"),
        (REGISTRATION | {"pin": 123456}, 1009, "pin"),
        (REGISTRATION | {"vname": "x"}, 1010, "vname"),
    ],
)
async def test_bad_registration(
    run: Running, headers: dict[str, str], body: dict[str, Any], code: int, field: str
) -> None:
    status, got, details = error(await run.client.post("/v1/account", headers=headers, json=body))
    assert (status, got) == (400, code)
    assert details.startswith(field), details


async def test_bad_verification(run: Running, headers: dict[str, str]) -> None:
    for body, code in (({}, 1008), ({"code": "12ab"}, 1009), ({"code": 123456}, 1009)):
        assert error(await run.client.post("/v1/account/verify", headers=headers, json=body))[:2] == (
            400,
            code,
        )


async def test_only_admins_register(run: Running, headers: dict[str, str]) -> None:
    await run.client.post(
        "/v1/users", headers=headers, json={"username": "agent007", "password": "Agent-Pass1!"}
    )
    user = {"Authorization": f"Bearer {await login(run.client, 'agent007', 'Agent-Pass1!')}"}
    assert error(await run.client.post("/v1/account", headers=user, json=REGISTRATION))[:2] == (403, 1005)
    assert (
        error(await run.client.post("/v1/account/shards", headers=user, json=SHARDS | {"shards": 2}))[1]
        == 1005
    )
    assert (await run.client.get("/v1/account/shards", headers=user)).json()["account"] == {"shards": 1}


async def test_shard_count(run: Running, headers: dict[str, str]) -> None:
    change = SHARDS | {"shards": 4}
    assert error(await run.client.post("/v1/account/shards", headers=headers, json=change))[:2] == (503, 1011)
    await register_account(run)
    wrong = await run.client.post(
        "/v1/account/shards", headers=headers, json=change | {"phone_number": "5550009999"}
    )
    assert error(wrong)[:2] == (400, 1009)
    status, code, details = error(
        await run.client.post("/v1/account/shards", headers=headers, json=change | {"shards": 3})
    )
    assert (status, code) == (400, 1009) and details.startswith("shards")
    assert (await run.client.post("/v1/account/shards", headers=headers, json=change)).status_code == 201
    assert (await run.client.get("/v1/account/shards", headers=headers)).json()["account"] == {"shards": 4}
    assert (await run.sql("SELECT shards FROM account"))[0].shards == 4
    assert (await run.state.shard_maps.get()).shards == 4, "this WebApp routes by the new count at once"


async def test_registration_without_a_coreapp_is_1011(run: Running, headers: dict[str, str]) -> None:
    assert error(await run.client.post("/v1/account", headers=headers, json=REGISTRATION))[:2] == (503, 1011)
