"""Users, login and tokens against a real database: the 1024 flow, roles, 401 and 403."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.db.webapp_harness import (
    ADMIN_PASSWORD,
    Running,
    admin_headers,
    error,
    login,
    running,
    webapp_config,
)


async def test_first_admin_login_requires_a_valid_new_password(run: Running) -> None:
    client = run.client
    assert error(await client.post("/v1/users/login", auth=("admin", "secret"))) == (
        400,
        1024,
        'first login: send {"new_password": "…"} with these credentials to set your password',
    )
    weak = await client.post("/v1/users/login", auth=("admin", "secret"), json={"new_password": "weak"})
    status, code, details = error(weak)
    assert (status, code) == (400, 1009) and details.startswith("new_password:")
    answer = await client.post(
        "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    user = answer.json()["users"][0]
    expires = datetime.strptime(user["expires_after"], "%Y-%m-%d %H:%M:%S%z")
    assert timedelta(days=7) - (expires - datetime.now(UTC)) < timedelta(minutes=1)
    assert answer.json()["meta"]["api_status"] == "stable"
    assert error(await client.post("/v1/users/login", auth=("admin", "secret")))[:2] == (401, 1005)
    assert await login(client, "admin", ADMIN_PASSWORD)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer some-token"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    ],
)
async def test_login_needs_basic_credentials(run: Running, headers: dict[str, str]) -> None:
    assert error(await run.client.post("/v1/users/login", headers=headers))[:2] == (401, 1005)


async def test_wrong_or_unknown_credentials_are_401(run: Running) -> None:
    for username, password in (("admin", "Wrong-Pass1!"), ("nobody", "Wrong-Pass1!")):
        answer = await run.client.post("/v1/users/login", auth=(username, password))
        assert error(answer) == (401, 1005, "wrong username or password")
        assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"{not json", 1025), (b"[1]", 1025), (b'{"new_password": 5}', 1009), (b'{"password": "x"}', 1010)],
)
async def test_login_body_is_checked(run: Running, content: bytes, code: int) -> None:
    answer = await run.client.post(
        "/v1/users/login",
        auth=("admin", "secret"),
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert error(answer)[:2] == (400, code)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer not-a-token", "Token abc", "Apikey probe-key-0123456789"]
)
async def test_missing_unknown_or_wrong_kind_of_token_is_401(run: Running, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = await run.client.get("/v1/users/admin", headers=headers)
    assert error(answer)[:2] == (401, 1005)


async def test_expired_tokens_are_refused(database_url: str, tmp_path: Path) -> None:
    async with running(webapp_config(database_url, tmp_path, token_cache_seconds=0)) as run:
        headers = await admin_headers(run.client)
        assert (await run.client.get("/v1/users/admin", headers=headers)).status_code == 200
        await run.sql("UPDATE tokens SET expires_at = now() - interval '1 second'")
        assert error(await run.client.get("/v1/users/admin", headers=headers))[:2] == (401, 1005)


async def test_verified_tokens_are_cached_and_logout_evicts_at_once(run: Running) -> None:
    headers = await admin_headers(run.client)
    assert (await run.client.get("/v1/users/admin", headers=headers)).status_code == 200
    # Revoked behind this process's back: trusted until the cache entry ages out (5 s).
    await run.sql("DELETE FROM tokens")
    assert (await run.client.get("/v1/users/admin", headers=headers)).status_code == 200
    other = {"Authorization": f"Bearer {await login(run.client, 'admin', ADMIN_PASSWORD)}"}
    assert (await run.client.post("/v1/users/logout", headers=other)).status_code == 200
    assert error(await run.client.get("/v1/users/admin", headers=other))[:2] == (401, 1005)


async def test_user_lifecycle_and_roles(run: Running) -> None:
    client = run.client
    admin = await admin_headers(client)
    created = await client.post(
        "/v1/users", headers=admin, json={"username": "agent007", "password": "Agent-Pass1!"}
    )
    assert created.status_code == 201 and created.json()["users"] == [{"username": "agent007"}]
    again = await client.post(
        "/v1/users", headers=admin, json={"username": "agent007", "password": "Agent-Pass1!"}
    )
    assert error(again)[:2] == (409, 1004)

    user = {"Authorization": f"Bearer {await login(client, 'agent007', 'Agent-Pass1!')}"}
    mine = await client.get("/v1/users/agent007", headers=user)
    assert mine.json()["users"] == [{"username": "agent007", "role": "ROLE_USER"}]
    assert error(await client.get("/v1/users/admin", headers=user))[:2] == (403, 1005)
    assert error(await client.get("/v1/settings/application", headers=user))[:2] == (403, 1005)
    forbidden = await client.post("/v1/users", headers=user, json={"username": "other01", "password": "x"})
    assert error(forbidden)[:2] == (403, 1005), "rights are checked before the body"
    assert (
        error(await client.put("/v1/users/admin", headers=user, json={"password": "Other-Pass1!"}))[1] == 1005
    )
    assert (
        await client.put(
            "/v1/users/agent007",
            headers=user,
            json={"password": "Changed-Pass2!", "old_password": "Agent-Pass1!"},
        )
    ).status_code == 200
    assert await login(client, "agent007", "Changed-Pass2!")

    assert (await client.get("/v1/users/admin", headers=admin)).json()["users"][0]["role"] == "ROLE_ADMIN"
    assert (await client.delete("/v1/users/agent007", headers=admin)).status_code == 200
    assert error(await client.get("/v1/users/agent007", headers=user))[:2] == (401, 1005)
    assert error(await client.get("/v1/users/agent007", headers=admin))[:2] == (404, 1006)
    assert error(await client.delete("/v1/users/agent007", headers=admin))[:2] == (404, 1006)
    assert error(await client.delete("/v1/users/admin", headers=admin))[:2] == (403, 1005)
    assert (
        error(await client.put("/v1/users/nobody", headers=admin, json={"password": "Other-Pass1!"}))[1]
        == 1006
    )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"username": "abc", "password": "Agent-Pass1!"}, 1009, "username"),
        ({"username": "agent 008", "password": "Agent-Pass1!"}, 1009, "username"),
        ({"username": "agent008", "password": "short1!"}, 1009, "password"),
        ({"username": "agent008", "password": "nouppercase1!"}, 1009, "password"),
        ({"username": "agent008", "password": "NoSpecial1"}, 1009, "password"),
        ({"username": "agent008"}, 1008, "password"),
        ({"password": "Agent-Pass1!"}, 1008, "username"),
        ({"username": "agent008", "password": "Agent-Pass1!", "role": "ROLE_ADMIN"}, 1010, "role"),
        ({"username": 12345, "password": "Agent-Pass1!"}, 1009, "username"),
    ],
)
async def test_create_user_bad_input(run: Running, body: dict[str, Any], code: int, field: str) -> None:
    answer = await run.client.post("/v1/users", headers=await admin_headers(run.client), json=body)
    status, got, details = error(answer)
    assert (status, got) == (400, code)
    assert details.startswith(field), details


async def test_password_change_is_checked(run: Running) -> None:
    admin = await admin_headers(run.client)
    status, code, details = error(
        await run.client.put("/v1/users/admin", headers=admin, json={"password": "weak"})
    )
    assert (status, code) == (400, 1009) and details.startswith("password:")
    assert error(await run.client.put("/v1/users/admin", headers=admin, json={}))[1] == 1008


async def test_a_wrong_content_type_is_1025(run: Running) -> None:
    admin = await admin_headers(run.client)
    answer = await run.client.post(
        "/v1/users", headers=admin | {"Content-Type": "text/plain"}, content=b"a=b"
    )
    assert error(answer)[:2] == (400, 1025)
