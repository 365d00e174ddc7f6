"""Password changes: the old password for one's own, and no token outlives a change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.db.webapp_harness import Running, admin_headers, error, login, running, webapp_config


@pytest.fixture
async def run(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running(webapp_config(database_url, tmp_path)) as started:
        yield started


async def _bearer(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await login(client, username, password)}"}


async def _works(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    return (await client.get("/v1/users/agent007", headers=headers)).status_code == 200


async def test_changing_your_password_needs_the_old_one_and_revokes_your_other_tokens(run: Running) -> None:
    client, admin = run.client, await admin_headers(run.client)
    await client.post("/v1/users", headers=admin, json={"username": "agent007", "password": "Agent-Pass1!"})
    this, other = (
        await _bearer(client, "agent007", "Agent-Pass1!"),
        await _bearer(client, "agent007", "Agent-Pass1!"),
    )

    missing = await client.put("/v1/users/agent007", headers=this, json={"password": "Changed-Pass2!"})
    assert error(missing) == (400, 1008, "old_password is required to change your own password")
    wrong = await client.put(
        "/v1/users/agent007",
        headers=this,
        json={"password": "Changed-Pass2!", "old_password": "Wrong-Pass1!"},
    )
    assert error(wrong)[:2] == (403, 1005)
    assert await _works(client, other), "a refused change revokes nothing"

    changed = await client.put(
        "/v1/users/agent007",
        headers=this,
        json={"password": "Changed-Pass2!", "old_password": "Agent-Pass1!"},
    )
    assert changed.status_code == 200, changed.text
    assert await _works(client, this), "the token that made the change stays"
    assert error(await client.get("/v1/users/agent007", headers=other))[:2] == (401, 1005)
    assert error(await client.post("/v1/users/login", auth=("agent007", "Agent-Pass1!")))[:2] == (401, 1005)


async def test_an_admin_changing_a_password_revokes_every_token_of_that_user(run: Running) -> None:
    client, admin = run.client, await admin_headers(run.client)
    await client.post("/v1/users", headers=admin, json={"username": "agent007", "password": "Agent-Pass1!"})
    user = await _bearer(client, "agent007", "Agent-Pass1!")
    changed = await client.put("/v1/users/agent007", headers=admin, json={"password": "Reset-Pass3!"})
    assert changed.status_code == 200, "no old password needed for another user's"
    assert error(await client.get("/v1/users/agent007", headers=user))[:2] == (401, 1005)
    assert await _works(client, admin), "the admin's own tokens are untouched"
    assert await _works(client, await _bearer(client, "agent007", "Reset-Pass3!"))


async def test_a_new_password_at_login_revokes_the_older_tokens(run: Running) -> None:
    client = run.client
    first = await admin_headers(run.client)
    renewed = await client.post(
        "/v1/users/login", auth=("admin", "Admin-Pass1!"), json={"new_password": "Renewed-Pass4!"}
    )
    assert renewed.status_code == 200
    assert error(await client.get("/v1/users/admin", headers=first))[:2] == (401, 1005)
