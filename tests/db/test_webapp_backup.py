"""`/v1/settings/backup` and `/v1/settings/restore` against real databases.

Installation A is backed up and restored into installation B (another database): B then has A's
settings, users (their passwords work) and account, and B's CoreApp is asked to set A's business
profile. A restore that fails for any reason (wrong password, altered blob, a section that does not
fit) leaves B exactly as it was, its profile included. Each installation has a fake CoreApp, which
answers the profile calls as the network would.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from tests.db.webapp_harness import (
    ADMIN_PASSWORD,
    FakeCoreApp,
    Running,
    admin_headers,
    error,
    fake_coreapp,
    login,
    register_account,
    register_node,
    running,
    webapp_config,
)
from tests.tooling.certs import private_https_server
from tests.tooling.profiles import BACKED_UP_PROFILE, NETWORK_PROFILE, RESTORED_PROFILE
from wabiz.local.postgres import EmbeddedPostgres
from wabiz.webapp.backup.encryption import KdfParams, decrypt, encrypt

PASSWORD = "Backup-Pass1!"
AGENT, AGENT_PASSWORD = "agent", "Agent-Pass1!"
CHANGED = {"callback_backoff_delay_ms": 500, "webhooks": {"url": "https://example.com/hook"}}
PROFILE_CALLS = {
    ("GET", "/internal/profile"): (200, {"profile": NETWORK_PROFILE}),
    ("POST", "/internal/profile"): (200, {}),
}


@asynccontextmanager
async def live_coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    """A fake CoreApp of `run`'s installation that answers the profile calls, live for the whole
    test: its heartbeat is dated ahead, since the tests' password hashes can outlast the liveness
    window (`unhealthy_interval`) on a busy machine."""
    async with fake_coreapp() as fake:
        fake.answers.update(PROFILE_CALLS)
        await register_node(run, "node-a", fake.url)
        await run.sql("UPDATE nodes SET heartbeat_at = now() + interval '1 hour' WHERE id = 'node-a'")
        yield fake


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    async with live_coreapp(run) as fake:
        yield fake


@pytest.fixture
async def other(postgres: EmbeddedPostgres, template_database: str, tmp_path: Path) -> AsyncIterator[Running]:
    """Installation B: the WebApp on a database of its own."""
    name = f"{template_database}_other"
    with psycopg.connect(postgres.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    async with running(webapp_config(postgres.url(name), tmp_path / "other")) as started:
        yield started


@pytest.fixture
async def other_coreapp(other: Running) -> AsyncIterator[FakeCoreApp]:
    async with live_coreapp(other) as fake:
        yield fake


def profile_sets(coreapp: FakeCoreApp) -> list[Any]:
    """The bodies of the profile changes `coreapp` was asked for."""
    return [
        body for method, path, _, body in coreapp.requests if (method, path) == ("POST", "/internal/profile")
    ]


def opened(data: str) -> dict[str, Any]:
    sections: dict[str, Any] = orjson.loads(decrypt(data, PASSWORD))["sections"]
    return sections


async def _state(run: Running) -> dict[str, Any]:
    """What a restore may change, as rows."""
    return {
        table: [tuple(row) for row in await run.sql(query)]
        for table, query in {
            "settings": "SELECT name, value, version FROM settings ORDER BY name",
            "users": "SELECT username, role, password_hash FROM users ORDER BY username",
            "tokens": "SELECT digest FROM tokens ORDER BY digest",
            "account": "SELECT cc, phone_number, state, vname, shards FROM account",
        }.items()
    }


async def _installation_a(run: Running, headers: dict[str, str]) -> str:
    """A with changed settings, a user and a registered account; its backup's `data`."""
    assert (
        await run.client.patch("/v1/settings/application", headers=headers, json=CHANGED)
    ).status_code == 200
    new_user = {"username": AGENT, "password": AGENT_PASSWORD}
    assert (await run.client.post("/v1/users", headers=headers, json=new_user)).status_code == 201
    await register_account(run, shards=2)
    await run.sql("UPDATE account SET vname = 'Acme' WHERE id = 1")
    answer = await run.client.post("/v1/settings/backup", headers=headers, json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
    data: str = answer.json()["settings"]["data"]
    return data


async def test_restore_into_another_installation(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp, other: Running, other_coreapp: FakeCoreApp
) -> None:
    data = await _installation_a(run, headers)
    assert b"Agent-Pass1!" not in base64.b64decode(data)
    assert opened(data)["profile"] == BACKED_UP_PROFILE
    b_admin = await admin_headers(other.client)
    extra = {"username": "only-in-b", "password": "Other-Pass1!"}
    assert (await other.client.post("/v1/users", headers=b_admin, json=extra)).status_code == 201

    answer = await other.client.post(
        "/v1/settings/restore", headers=b_admin, json={"password": PASSWORD, "data": data}
    )
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"meta"}

    assert error(await other.client.get("/v1/settings/application", headers=b_admin))[:2] == (401, 1005), (
        "every token is revoked by a restore"
    )
    b_admin = {"Authorization": f"Bearer {await login(other.client, 'admin', ADMIN_PASSWORD)}"}
    settings = (await other.client.get("/v1/settings/application", headers=b_admin)).json()["settings"]
    assert settings["application"]["callback_backoff_delay_ms"] == 500
    assert settings["application"]["webhooks"]["url"] == "https://example.com/hook"
    assert await login(other.client, AGENT, AGENT_PASSWORD)
    users = [row.username for row in await other.sql("SELECT username FROM users ORDER BY username")]
    assert users == ["admin", AGENT], "the users are A's"
    assert (await _state(other))["account"] == [("1", "5550001234", "registered", "Acme", 2)]
    assert (await other.client.get("/v1/account/shards", headers=b_admin)).json()["account"] == {"shards": 2}
    assert profile_sets(other_coreapp) == [RESTORED_PROFILE], "A's profile, set on B's number"


async def test_restoring_into_the_same_installation_puts_it_back(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    data = await _installation_a(run, headers)
    assert (await run.client.delete("/v1/settings/application", headers=headers)).status_code == 200
    body = {"password": PASSWORD, "data": data}
    assert (await run.client.post("/v1/settings/restore", headers=headers, json=body)).status_code == 200
    assert await run.sql("SELECT value FROM settings WHERE name = 'application'") == [(CHANGED,)]
    assert profile_sets(coreapp) == [RESTORED_PROFILE]


async def test_the_webhooks_ca_and_the_media_providers_come_back(
    run: Running, headers: dict[str, str], tmp_path: Path
) -> None:
    pem = private_https_server(tmp_path).ca_pem
    ca, providers = "/v1/certificates/webhooks/ca", "/v1/settings/application/media/providers"
    stored = await run.client.post(ca, headers=headers | {"Content-Type": "text/plain"}, content=pem)
    assert stored.status_code == 200, stored.text
    provider = {"name": "cdn", "type": "www", "config": {"basic": {"username": "u", "password": "p-secret"}}}
    assert (await run.client.post(providers, headers=headers, json=[provider])).status_code == 200
    answer = await run.client.post("/v1/settings/backup", headers=headers, json={"password": PASSWORD})
    assert (await run.client.delete(ca, headers=headers)).status_code == 200
    assert (await run.client.delete(f"{providers}/cdn", headers=headers)).status_code == 200

    body = {"password": PASSWORD, "data": answer.json()["settings"]["data"]}
    assert (await run.client.post("/v1/settings/restore", headers=headers, json=body)).status_code == 200
    token = await login(run.client, "admin", ADMIN_PASSWORD)  # a restore revokes every token
    headers = {"Authorization": f"Bearer {token}"}
    assert (await run.client.get(ca, headers=headers)).text == pem.decode()
    listed = (await run.client.get(providers, headers=headers)).json()
    assert [p["name"] for p in listed["settings"]["application"]["media"]["providers"]] == ["cdn"]
    ((stored_providers,),) = await run.sql("SELECT value FROM settings WHERE name = 'media_providers'")
    assert "p-secret" in orjson.dumps(stored_providers).decode(), "the credentials, not their mask"


def _altered(data: str) -> str:
    raw = bytearray(base64.b64decode(data))
    raw[-20] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _sealed(document: dict[str, Any]) -> str:
    return encrypt(orjson.dumps(document), PASSWORD, KdfParams(log2_n=14))


def _document(**sections: Any) -> dict[str, Any]:
    return {"format": "wabiz-backup", "wabiz_version": "0", "created_at": "2026-01-01", "sections": sections}


async def _refused_without_change(target: Running, headers: dict[str, str], password: str, data: str) -> str:
    """Restore `data` into `target`, which must refuse it (400, 1009) and stay as it was; the details."""
    before = await _state(target)
    answer = await target.client.post(
        "/v1/settings/restore", headers=headers, json={"password": password, "data": data}
    )
    status, code, details = error(answer)
    assert (status, code) == (400, 1009)
    assert await _state(target) == before
    assert (await target.client.get("/v1/settings/application", headers=headers)).status_code == 200
    return details


async def test_a_wrong_password_or_an_altered_blob_changes_nothing(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp, other: Running, other_coreapp: FakeCoreApp
) -> None:
    data = await _installation_a(run, headers)
    b_admin = await admin_headers(other.client)
    assert "password does not open" in await _refused_without_change(other, b_admin, "Wrong-Pass1!", data)
    assert "altered" in await _refused_without_change(other, b_admin, PASSWORD, _altered(data))
    assert other_coreapp.requests == [], "nor the profile"


ADMIN_WITH_A_COSTLY_HASH = {
    "username": "admin",
    "role": "ROLE_ADMIN",
    "password_hash": "scrypt$1073741824$8$1$AA==$AA==",
    "password_change_required": False,
}


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        pytest.param("bm90IGEgYmFja3Vw", "not a wabiz backup", id="not-a-backup"),
        pytest.param("%%%", "not base64", id="not-base64"),
        pytest.param(_sealed({"hello": 1}), "not a backup document", id="not-a-document"),
        pytest.param(_sealed(_document(groups={})), "cannot restore: groups", id="unknown-section"),
        pytest.param(
            _sealed(_document(profile={"business": {"websites": ["ftp://x"]}, "about": None})),
            "section profile: business.websites[0]",
            id="bad-profile",
        ),
        pytest.param(
            _sealed(_document(settings={"overrides": {"heartbeat_interval": 0}})),
            "section settings: overrides: heartbeat_interval",
            id="bad-settings",
        ),
        pytest.param(
            _sealed(_document(settings={"overrides": {"webhooks": {"url": "ftp://x"}}})),
            "section settings: overrides: webhooks.url",
            id="bad-webhook",
        ),
        pytest.param(
            _sealed(_document(users={"users": [ADMIN_WITH_A_COSTLY_HASH]})),
            "section users: users[0].password_hash",
            id="costly-hash",
        ),
        pytest.param(_sealed(_document(users={"users": []})), "built-in admin", id="no-admin"),
        pytest.param(
            _sealed(
                _document(
                    account={"cc": "1", "phone_number": "5", "state": "odd", "vname": None, "shards": 1}
                )
            ),
            "section account: state",
            id="bad-account",
        ),
    ],
)
async def test_a_backup_that_does_not_fit_changes_nothing(
    run: Running, headers: dict[str, str], data: str, needle: str
) -> None:
    details = await _refused_without_change(run, headers, PASSWORD, data)
    assert needle in details, details


async def test_a_backup_without_a_section_leaves_that_part_alone(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    await register_account(run)
    data = _sealed(_document(settings={"overrides": {"pass_through": True}}))
    users_before = (await _state(run))["users"]
    body = {"password": PASSWORD, "data": data}
    assert (await run.client.post("/v1/settings/restore", headers=headers, json=body)).status_code == 200
    assert (await _state(run))["users"] == users_before
    assert await run.sql("SELECT value FROM settings WHERE name = 'application'") == [
        ({"pass_through": True},)
    ]
    assert coreapp.requests == [], "the profile is left as it is"


async def test_an_unregistered_number_s_backup_has_no_profile(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    answer = await run.client.post("/v1/settings/backup", headers=headers, json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert "profile" not in opened(answer.json()["settings"]["data"])
    assert coreapp.requests == [], "the network keeps no profile for an unregistered number"


async def test_a_registered_number_s_backup_needs_a_coreapp(run: Running, headers: dict[str, str]) -> None:
    await register_account(run)
    answer = await run.client.post("/v1/settings/backup", headers=headers, json={"password": PASSWORD})
    status, code, details = error(answer)
    assert (status, code) == (503, 1011)
    assert details.startswith("the backup needs the business profile, which could not be read: no CoreApp")


async def test_a_profile_that_cannot_be_set_is_said_and_set_by_restoring_again(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp, other: Running
) -> None:
    data = await _installation_a(run, headers)
    body = {"password": PASSWORD, "data": data}
    answer = await other.client.post(
        "/v1/settings/restore", headers=await admin_headers(other.client), json=body
    )
    status, code, details = error(answer)
    assert (status, code) == (503, 1011)
    assert details.startswith("the backup was restored except the business profile"), details
    assert "restore the same backup again" in details
    assert (await _state(other))["account"] == [("1", "5550001234", "registered", "Acme", 2)], "restored"

    async with live_coreapp(other) as other_coreapp:
        b_admin = {"Authorization": f"Bearer {await login(other.client, 'admin', ADMIN_PASSWORD)}"}
        again = await other.client.post("/v1/settings/restore", headers=b_admin, json=body)
        assert again.status_code == 200, again.text
        assert profile_sets(other_coreapp) == [RESTORED_PROFILE]


@pytest.mark.parametrize(
    ("path", "body", "code", "field"),
    [
        ("/v1/settings/backup", {}, 1008, "password"),
        ("/v1/settings/backup", {"password": "short"}, 1009, "password"),
        ("/v1/settings/backup", {"password": 12345678}, 1009, "password"),
        ("/v1/settings/backup", {"password": PASSWORD, "extra": 1}, 1010, "extra"),
        ("/v1/settings/restore", {"password": PASSWORD}, 1008, "data"),
        ("/v1/settings/restore", {"password": PASSWORD, "data": ""}, 1009, "data"),
    ],
)
async def test_bodies_are_checked(
    run: Running, headers: dict[str, str], path: str, body: Any, code: int, field: str
) -> None:
    status, got, details = error(await run.client.post(path, headers=headers, json=body))
    assert (status, got) == (400, code)
    assert field in details, details


@pytest.mark.parametrize("path", ["/v1/settings/backup", "/v1/settings/restore"])
async def test_backup_and_restore_are_for_admins(run: Running, headers: dict[str, str], path: str) -> None:
    new_user = {"username": AGENT, "password": AGENT_PASSWORD}
    assert (await run.client.post("/v1/users", headers=headers, json=new_user)).status_code == 201
    user = {"Authorization": f"Bearer {await login(run.client, AGENT, AGENT_PASSWORD)}"}
    body = {"password": PASSWORD, "data": "x"}
    assert error(await run.client.post(path, headers=user, json=body))[:2] == (403, 1005)
    assert error(await run.client.post(path, json=body))[:2] == (401, 1005)
