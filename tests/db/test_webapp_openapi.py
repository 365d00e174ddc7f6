"""`/openapi.json` is good enough to generate a client from, and the WebApp answers as it says.

The first test reads the document: a valid OpenAPI 3.1 document, one readable and unique
operationId per operation, models as named components, a schema for every answer, and a success
for every operation but those that only refuse. The second calls every operation once with a
request that succeeds (or, for those, is refused as documented) against the real app and
database, and holds each answer to the document (`openapi_conformance.py`): a documented schema
that is wrong fails it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.db.openapi_conformance import Conformance, operations
from tests.db.webapp_harness import (
    ADMIN_PASSWORD,
    API_KEY,
    BUSINESS_CC,
    BUSINESS_NUMBER,
    FakeCoreApp,
    Running,
    login,
    register_node,
    registered_coreapp,
)
from tests.tooling.certs import private_https_server

USER = "16315551181"
INBOUND = "wamid.HBg+Tw/1=="  # ids may hold `/`
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PEM_TYPE = {"Content-Type": "application/x-pem-file"}
REFUSAL = {"errors": [{"code": 1009, "title": "t", "details": "use WhatsApp Manager"}]}
NETWORK_PROFILE = {
    "about": "Succulents!",
    "address": "1 Main St",
    "vertical": "PROF_SERVICES",
    "websites": ["https://example.com"],
    "profile_picture_url": "https://cdn.example/photo.png",
}
ANSWERS: dict[tuple[str, str], tuple[int, Any]] = {
    ("PUT", f"/internal/messages/{INBOUND}"): (200, {}),
    ("POST", "/internal/contacts"): (200, {"valid": {USER: True}}),
    ("POST", "/internal/account"): (200, {"state": "pending", "vname": "wabiz"}),
    ("POST", "/internal/account/verify"): (200, {"state": "registered"}),
    ("GET", "/internal/profile"): (200, {"profile": NETWORK_PROFILE}),
    ("POST", "/internal/profile"): (200, {}),
    ("GET", "/internal/profile/photo"): (200, PNG),
    ("POST", "/internal/profile/photo"): (200, {}),
    ("DELETE", "/internal/profile/photo"): (400, REFUSAL),
    ("POST", "/internal/account/two-step"): (200, {}),
    ("DELETE", "/internal/account/two-step"): (400, REFUSAL),
}
# What never succeeds, by design: the network cannot do it, or TLS ends at the Ingress.
REFUSED = {"remove_photo", "remove_two_step", "upload_external_certificate", "download_external_ca"}
OPERATION_ID = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# A class name; a model read and written differently is two (-Input, -Output). Two models of one
# name in different modules would get their module's path instead: a class to rename.
COMPONENT = re.compile(r"[A-Z][A-Za-z0-9]*(-Input|-Output)?")


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    async with registered_coreapp(run, ANSWERS) as fake:
        yield fake


async def test_the_document_names_and_describes_every_operation(run: Running) -> None:
    document = (await run.client.get("/openapi.json")).json()
    validate(document)
    names = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(names) == len(set(names)), "operationIds are unique"
    assert [name for name in names if not OPERATION_ID.fullmatch(name)] == []
    assert [name for name in document["components"]["schemas"] if not COMPONENT.fullmatch(name)] == []
    never_succeed = set()
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            for media_type, content in answer.get("content", {}).items():
                assert content.get("schema"), f"{method} {path}: {status} {media_type} has no schema"
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            assert content.get("schema"), f"{method} {path}: a {media_type} body has no schema"
        if not any(status.startswith("2") for status in operation["responses"]):
            never_succeed.add(operation["operationId"])
    removed_groups = {name for name in names if name.startswith("removed_group")}
    assert never_succeed == REFUSED | removed_groups
    assert {name.rsplit("_", 1)[-1] for name in removed_groups} == {"get", "post", "put", "patch", "delete"}


async def test_every_operation_answers_as_documented(
    run: Running, conformance: Conformance, coreapp: FakeCoreApp, tmp_path: Path
) -> None:
    client = run.client
    token = await login(client, "admin", "secret", new_password=ADMIN_PASSWORD)
    admin = {"Authorization": f"Bearer {token}"}
    await _users(client, admin)
    await _messages_contacts_and_media(run, admin)
    await _settings_and_providers(client, admin)
    await _profile(run, admin)
    await _account(run, admin, coreapp)
    await _health_stats_and_support(run, admin)
    await _certificates(client, admin, tmp_path)
    await _gc_and_groups(client, admin)
    await _backup_and_restore(client, admin)
    document = run.app.openapi()
    assert conformance.proven() == {operation["operationId"] for _, _, operation in operations(document)}


async def _beat(run: Running) -> None:
    """The fake CoreApp's heartbeat: on a loaded machine the calls before may have taken longer
    than `unhealthy_interval`, after which no CoreApp counts as live."""
    await run.sql("UPDATE nodes SET heartbeat_at = now()")
    await run.state.shard_maps.get(fresh=True)


async def _call(
    client: httpx.AsyncClient, method: str, path: str, status: int, **kwargs: Any
) -> httpx.Response:
    answer = await client.request(method, path, **kwargs)
    assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer


async def _users(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    agent = {"username": "agent", "password": "Agent-Pass1!"}
    await _call(client, "POST", "/v1/users", 201, headers=admin, json=agent)
    await _call(client, "GET", "/v1/users/agent", 200, headers=admin)
    await _call(client, "PUT", "/v1/users/agent", 200, headers=admin, json={"password": "Agent-Pass2!"})
    token = await login(client, "agent", "Agent-Pass2!")
    await _call(client, "POST", "/v1/users/logout", 200, headers={"Authorization": f"Bearer {token}"})
    await _call(client, "DELETE", "/v1/users/agent", 200, headers=admin)


async def _messages_contacts_and_media(run: Running, admin: dict[str, str]) -> None:
    client = run.client
    await _beat(run)
    body = {"blocking": "wait", "contacts": ["+1 631-555-1181", "12"]}
    await _call(client, "POST", "/v1/contacts", 200, headers=admin, json=body)
    image = await _call(
        client, "POST", "/v1/media", 201, headers=admin | {"Content-Type": "image/png"}, content=PNG
    )
    media_id = image.json()["media"][0]["id"]
    message = {"to": USER, "type": "image", "image": {"id": media_id, "caption": "ours"}}
    await _call(client, "POST", "/v1/messages", 201, headers=admin, json=message)
    await run.sql(
        "INSERT INTO messages (id, direction, wa_id, shard, type, status)"
        " VALUES (:id, 'in', :w, 0, 'text', 'received')",
        id=INBOUND,
        w=USER,
    )
    await _call(client, "PUT", f"/v1/messages/{INBOUND}", 200, headers=admin, json={"status": "read"})
    assert (await _call(client, "GET", f"/v1/media/{media_id}", 200, headers=admin)).content == PNG
    await _call(client, "DELETE", f"/v1/media/{media_id}", 200, headers=admin)


async def _settings_and_providers(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    settings, providers = "/v1/settings/application", "/v1/settings/application/media/providers"
    await _call(client, "GET", settings, 200, headers=admin)
    patch = {"callback_backoff_delay_ms": "5000", "media": {"auto_download": ["image"]}}
    await _call(client, "PATCH", settings, 200, headers=admin, json=patch)
    await _call(client, "DELETE", settings, 200, headers=admin)
    added = [
        {"name": "basic", "type": "www", "config": {"basic": {"username": "u", "password": "p"}}},
        {"name": "bearer", "type": "www", "config": {"bearer": "token"}},
        {"name": "token", "type": "www", "config": {"bearer": {"token": "token"}}},
    ]
    await _call(client, "POST", providers, 200, headers=admin, json=added)
    await _call(client, "GET", providers, 200, headers=admin)
    await _call(client, "DELETE", f"{providers}/bearer", 200, headers=admin)


async def _profile(run: Running, admin: dict[str, str]) -> None:
    client = run.client
    await _beat(run)
    profile, about, photo = (
        "/v1/settings/business/profile",
        "/v1/settings/profile/about",
        "/v1/settings/profile/photo",
    )
    await _call(client, "GET", profile, 200, headers=admin)
    await _call(client, "POST", profile, 200, headers=admin, json={"description": "Plants", "email": None})
    await _call(client, "GET", about, 200, headers=admin)
    await _call(client, "PATCH", about, 200, headers=admin, json={"text": "Open 9-5"})
    await _call(client, "GET", photo, 200, headers=admin)
    await _call(client, "GET", photo, 200, headers=admin, params={"format": "link"})
    await _call(client, "POST", photo, 200, headers=admin | {"Content-Type": "image/png"}, content=PNG)
    await _call(client, "DELETE", photo, 400, headers=admin)
    await _call(client, "POST", "/v1/settings/account/two-step", 200, headers=admin, json={"pin": "123456"})
    await _call(client, "DELETE", "/v1/settings/account/two-step", 400, headers=admin)


async def _account(run: Running, admin: dict[str, str], coreapp: FakeCoreApp) -> None:
    client = run.client
    await _beat(run)
    number = {"cc": BUSINESS_CC, "phone_number": BUSINESS_NUMBER}
    registration = number | {"method": "sms", "cert": "d2FiaXo=", "pin": None}
    await _call(client, "POST", "/v1/account", 202, headers=admin, json=registration)
    await _call(client, "POST", "/v1/account/verify", 201, headers=admin, json={"code": "123456"})
    coreapp.answers[("POST", "/internal/account")] = (200, {"state": "registered"})
    await _call(client, "POST", "/v1/account", 201, headers=admin, json=registration)
    await _call(client, "GET", "/v1/account/shards", 200, headers=admin)
    await _call(client, "POST", "/v1/account/shards", 201, headers=admin, json=number | {"shards": 1})


async def _health_stats_and_support(run: Running, admin: dict[str, str]) -> None:
    client, probe = run.client, {"Authorization": f"Apikey {API_KEY}"}
    await _call(client, "GET", "/v1/health", 200, headers=probe)
    await register_node(run, "node-b", "http://b", shards=(), master=False)
    await _call(client, "GET", "/v1/health", 200, headers=probe)
    for kind in ("app", "db"):
        await _call(client, "GET", f"/v1/stats/{kind}", 200, headers=admin)
        await _call(client, "GET", f"/v1/stats/{kind}", 200, headers=probe, params={"format": "prometheus"})
    await _call(client, "GET", "/metrics", 200, headers=probe)
    await _call(client, "GET", "/v1/support", 200, headers=admin)


async def _certificates(client: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path) -> None:
    pem = private_https_server(tmp_path).ca_pem
    bundle = "/v1/certificates/webhooks/ca"
    await _call(client, "POST", bundle, 200, headers=admin | {"Content-Type": "text/plain"}, content=pem)
    assert (await _call(client, "GET", bundle, 200, headers=admin)).content == pem
    await _call(client, "DELETE", bundle, 200, headers=admin)
    await _call(client, "POST", "/v1/certificates/external", 400, headers=admin | PEM_TYPE, content=pem)
    await _call(client, "GET", "/v1/certificates/external/ca", 400, headers=admin)


async def _gc_and_groups(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for kind in ("media", "message"):
        await _call(client, "PUT", f"/v1/services/{kind}/gc", 200, headers=admin)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        for path in ("/v1/groups", "/v1/groups/g1/participants"):
            await _call(client, method, path, 410, headers=admin)


async def _backup_and_restore(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """Last: a restore revokes every token."""
    password = {"password": "Backup-Pass1!"}
    data = (await _call(client, "POST", "/v1/settings/backup", 200, headers=admin, json=password)).json()
    restore = password | {"data": data["settings"]["data"]}
    await _call(client, "POST", "/v1/settings/restore", 200, headers=admin, json=restore)
