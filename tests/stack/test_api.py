"""Every P0 endpoint of the contract against the running stack, good input and bad."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.stack.helpers import ADMIN_PASSWORD, login, new_user
from wabiz.local.stack import BUSINESS_CC, BUSINESS_NUMBER, Stack


def error_code(answer: httpx.Response) -> int:
    code: int = answer.json()["errors"][0]["code"]
    return code


def details(answer: httpx.Response) -> str:
    text: str = answer.json()["errors"][0]["details"]
    return text


# -- users and login -------------------------------------------------------------------------


def test_first_admin_login_requires_new_password(stack: Stack) -> None:
    url = stack.components["webapp"].url
    # The shared stack's first login changed the password: the old one is refused, the new one
    # works without body.
    assert httpx.post(f"{url}/v1/users/login", auth=("admin", "secret")).status_code == 401
    token = login(url, "admin", ADMIN_PASSWORD)
    answer = httpx.get(f"{url}/v1/users/admin", headers={"Authorization": f"Bearer {token}"})
    assert answer.json()["users"][0]["role"] == "ROLE_ADMIN"


def test_user_lifecycle_and_roles(stack: Stack, api: httpx.Client) -> None:
    url = stack.components["webapp"].url
    created = api.post("/v1/users", json={"username": "agent007", "password": "Agent-Pass1!"})
    assert created.status_code == 201, created.text
    assert created.json()["users"][0]["username"] == "agent007"
    assert (
        error_code(api.post("/v1/users", json={"username": "agent007", "password": "Agent-Pass1!"})) == 1004
    )

    token = login(url, "agent007", "Agent-Pass1!")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as user:
        assert user.get("/v1/users/agent007").json()["users"][0]["role"] == "ROLE_USER"
        forbidden = user.post("/v1/users", json={"username": "other01", "password": "Other-Pass1!"})
        assert forbidden.status_code == 403 and error_code(forbidden) == 1005
        assert user.get("/v1/settings/application").status_code == 403
        changed = user.put(
            "/v1/users/agent007", json={"password": "Changed-Pass2!", "old_password": "Agent-Pass1!"}
        )
        assert changed.status_code == 200, changed.text
        assert user.post("/v1/users/logout").status_code == 200
        assert user.get("/v1/users/agent007").status_code == 401

    assert api.delete("/v1/users/agent007").status_code == 200
    assert error_code(api.get("/v1/users/agent007")) == 1006
    assert api.delete("/v1/users/admin").status_code in (400, 403)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"username": "abc", "password": "Agent-Pass1!"}, 1009),
        ({"username": "agent008", "password": "short1!"}, 1009),
        ({"username": "agent008", "password": "nouppercase1!"}, 1009),
        ({"username": "agent008"}, 1008),
        ({"username": "agent008", "password": "Agent-Pass1!", "role": "x"}, 1010),
        ({"username": 12345, "password": "Agent-Pass1!"}, 1009),
    ],
)
def test_create_user_bad_input(api: httpx.Client, body: dict[str, Any], code: int) -> None:
    answer = api.post("/v1/users", json=body)
    assert answer.status_code == 400, answer.text
    assert error_code(answer) == code


def test_missing_expired_and_wrong_credentials(stack: Stack) -> None:
    url = stack.components["webapp"].url
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        answer = httpx.get(f"{url}/v1/users/admin", headers=headers)
        assert answer.status_code == 401, answer.text
        assert "errors" in answer.json()
    assert httpx.post(f"{url}/v1/users/login", auth=("admin", "Wrong-Pass1!")).status_code == 401
    assert httpx.post(f"{url}/v1/users/login").status_code == 401


# -- contacts --------------------------------------------------------------------------------


def test_contacts_by_sandbox_rule(api: httpx.Client) -> None:
    answer = api.post(
        "/v1/contacts",
        json={"blocking": "wait", "contacts": ["+1 631-555-1181", "+1 631-555-0000", "12", "abc"]},
    )
    assert answer.status_code == 200, answer.text
    contacts = {c["input"]: c for c in answer.json()["contacts"]}
    assert contacts["+1 631-555-1181"] == {
        "input": "+1 631-555-1181",
        "status": "valid",
        "wa_id": "16315551181",
    }
    for invalid in ("+1 631-555-0000", "12", "abc"):
        assert contacts[invalid]["status"] == "invalid"
        assert "wa_id" not in contacts[invalid]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"blocking": "wait"}, 1008),
        ({"blocking": "later", "contacts": ["+16315551181"]}, 1009),
        ({"blocking": "wait", "contacts": "+16315551181"}, 1009),
        ({"blocking": "wait", "contacts": ["+16315551181"], "extra": 1}, 1010),
    ],
)
def test_contacts_bad_input(api: httpx.Client, body: dict[str, Any], code: int) -> None:
    assert error_code(api.post("/v1/contacts", json=body)) == code


# -- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"to": "16315551181", "type": "text", "text": {"body": "x" * 4097}}, 1001),
        ({"to": "16315551181", "recipient_type": "group", "type": "text", "text": {"body": "x"}}, 1002),
        ({"to": "16315551181", "type": "image"}, 1008),
        ({"type": "text", "text": {"body": "x"}}, 1008),
        ({"to": "16315551181", "type": "text"}, 1008),
        ({"to": "16315551181", "type": "text", "text": {"body": 5}}, 1009),
        ({"to": "16315551181", "type": "carrier-pigeon", "carrier-pigeon": {}}, 1009),
        ({"to": "16315551181", "type": "text", "text": {"body": "x"}, "colour": "red"}, 1010),
        ({"to": "16315551181", "type": "image", "image": {"id": "no-such-media"}}, 1006),
        ({"to": "16315551181", "type": "location", "location": {"latitude": 91, "longitude": 0}}, 1009),
        ({"to": "not a number", "type": "text", "text": {"body": "x"}}, 1009),
        ({"to": BUSINESS_CC + BUSINESS_NUMBER, "type": "text", "text": {"body": "me"}}, 1021),
    ],
)
def test_send_bad_input(api: httpx.Client, body: dict[str, Any], code: int) -> None:
    answer = api.post("/v1/messages", json=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert error_code(answer) == code, answer.text


def test_send_every_p0_type_is_accepted(api: httpx.Client) -> None:
    user = new_user()
    objects: dict[str, Any] = {
        "text": {"body": "hi", "preview_url": False},
        "image": {"link": "https://example.com/cat.png", "caption": "cat"},
        "location": {"latitude": 52.52, "longitude": 13.40, "name": "Berlin", "address": "Mitte"},
        "contacts": [
            {"name": {"formatted_name": "Kerry", "first_name": "Kerry"}, "phones": [{"phone": "+1 631"}]}
        ],
        "interactive": {
            "type": "button",
            "body": {"text": "Pick one"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]},
        },
    }
    for kind, payload in objects.items():
        answer = api.post("/v1/messages", json={"to": user, "type": kind, kind: payload})
        assert answer.status_code in (200, 201), (kind, answer.text)
        assert answer.json()["messages"][0]["id"]


def test_interactive_limits(api: httpx.Client) -> None:
    buttons = [{"type": "reply", "reply": {"id": str(i), "title": f"B{i}"}} for i in range(4)]
    answer = api.post(
        "/v1/messages",
        json={
            "to": new_user(),
            "type": "interactive",
            "interactive": {"type": "button", "body": {"text": "too many"}, "action": {"buttons": buttons}},
        },
    )
    assert error_code(answer) == 1009
    assert "button" in details(answer)


# -- media -----------------------------------------------------------------------------------


def test_media_upload_download_delete(api: httpx.Client) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    upload = api.post("/v1/media", content=png, headers={"Content-Type": "image/png"})
    assert upload.status_code in (200, 201), upload.text
    media_id = upload.json()["media"][0]["id"]
    download = api.get(f"/v1/media/{media_id}")
    assert download.content == png and download.headers["content-type"].startswith("image/png")
    assert api.delete(f"/v1/media/{media_id}").status_code == 200
    assert error_code(api.get(f"/v1/media/{media_id}")) == 1006


def test_media_limits(api: httpx.Client) -> None:
    too_big_image = b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 1)
    answer = api.post("/v1/media", content=too_big_image, headers={"Content-Type": "image/jpeg"})
    assert answer.status_code == 400 and error_code(answer) == 1009
    assert error_code(api.post("/v1/media", content=b"", headers={"Content-Type": "image/png"})) in (
        1008,
        1009,
    )
    assert error_code(api.post("/v1/media", content=b"x", headers={"Content-Type": "image/gif"})) == 1009
    assert api.get("/v1/media/00000000-0000-0000-0000-000000000000").status_code == 404


# -- settings --------------------------------------------------------------------------------


def test_settings_patch_get_delete(api: httpx.Client) -> None:
    before = api.get("/v1/settings/application").json()["settings"]["application"]
    assert before["webhooks"]["max_concurrent_requests"] == 6
    answer = api.patch("/v1/settings/application", json={"webhooks": {"max_concurrent_requests": 12}})
    assert answer.status_code == 200, answer.text
    after = api.get("/v1/settings/application").json()["settings"]["application"]
    assert after["webhooks"]["max_concurrent_requests"] == 12
    assert after["webhooks"]["url"] == before["webhooks"]["url"], "PATCH changes only the fields given"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"webhooks": {"max_concurrent_requests": 7}}, 1009, "max_concurrent_requests"),
        ({"callback_persist": "yes"}, 1009, "callback_persist"),
        ({"webhooks": {"colour": "red"}}, 1010, "colour"),
        ({"media": {"auto_download": ["hologram"]}}, 1009, "auto_download"),
        ({"webhooks": {"url": "ftp://example.com"}}, 1009, "url"),
    ],
)
def test_settings_bad_input(api: httpx.Client, body: dict[str, Any], code: int, field: str) -> None:
    answer = api.patch("/v1/settings/application", json=body)
    assert answer.status_code == 400, answer.text
    assert error_code(answer) == code
    assert field in details(answer)


# -- account ---------------------------------------------------------------------------------


def test_account_registration_and_shards(api: httpx.Client) -> None:
    again = api.post(
        "/v1/account",
        json={"cc": BUSINESS_CC, "phone_number": BUSINESS_NUMBER, "method": "sms", "cert": "d2FiaXo="},
    )
    assert again.status_code in (201, 202), again.text
    assert api.get("/v1/account/shards").json()["account"]["shards"] == 1
    wrong = api.post(
        "/v1/account/shards", json={"cc": BUSINESS_CC, "phone_number": BUSINESS_NUMBER, "shards": 3}
    )
    assert error_code(wrong) == 1009
    assert error_code(api.post("/v1/account", json={"cc": "1", "method": "fax"})) in (1008, 1009)


# -- health, stats, metrics ------------------------------------------------------------------


def test_health_stats_metrics_with_bearer_and_apikey(stack: Stack, api: httpx.Client) -> None:
    health = api.get("/v1/health")
    assert health.status_code == 200
    assert health.json()["health"]["gateway_status"] == "connected"
    apikey = {"Authorization": f"Apikey {stack.secrets['api_key']}"}
    url = stack.components["webapp"].url
    assert httpx.get(f"{url}/v1/health", headers=apikey).status_code == 200
    app_stats = httpx.get(f"{url}/v1/stats/app", headers=apikey)
    assert app_stats.status_code == 200 and "meta" in app_stats.json()
    prom = httpx.get(f"{url}/v1/stats/db", params={"format": "prometheus"}, headers=apikey)
    assert prom.status_code == 200 and prom.headers["content-type"].startswith("text/plain")
    metrics = httpx.get(f"{url}/metrics", headers=apikey)
    assert metrics.status_code == 200 and "http_request" in metrics.text
    assert httpx.get(f"{url}/v1/users/admin", headers=apikey).status_code == 401, "Apikey is for probes only"
    assert httpx.get(f"{url}/v1/health", headers={"Authorization": "Apikey wrong-key-123"}).status_code == 401


def test_openapi_document(stack: Stack) -> None:
    document = httpx.get(stack.components["webapp"].url + "/openapi.json").json()
    assert "/v1/messages" in document["paths"]


# -- malformed requests on every endpoint ----------------------------------------------------

JSON_ENDPOINTS = [
    ("POST", "/v1/users"),
    ("PUT", "/v1/users/admin"),
    ("POST", "/v1/contacts"),
    ("POST", "/v1/messages"),
    ("PUT", "/v1/messages/some-id"),
    ("PATCH", "/v1/settings/application"),
    ("POST", "/v1/account"),
    ("POST", "/v1/account/verify"),
    ("POST", "/v1/account/shards"),
]


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
def test_malformed_json_everywhere(api: httpx.Client, method: str, path: str) -> None:
    for content, content_type in ((b"{not json", "application/json"), (b"a=b", "text/plain"), (b"[1]", None)):
        headers = {"Content-Type": content_type} if content_type else {"Content-Type": "application/json"}
        answer = api.request(method, path, content=content, headers=headers)
        assert 400 <= answer.status_code < 500, (method, path, content, answer.text)
        assert answer.json()["errors"][0]["code"] in (1009, 1025), answer.text


def test_oversize_body_is_refused(api: httpx.Client) -> None:
    answer = api.post("/v1/messages", content=b'{"to": "' + b"1" * 3_000_000 + b'"}')
    assert answer.status_code == 400 and error_code(answer) == 1025


def test_unknown_route_is_enveloped(api: httpx.Client) -> None:
    answer = api.get("/v1/nothing-here")
    assert answer.status_code == 404 and error_code(answer) == 1006
