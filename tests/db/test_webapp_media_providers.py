"""`/v1/settings/application/media/providers` on a real database, and sends naming a provider."""

from __future__ import annotations

import pytest

from tests.db.webapp_harness import Running, error, login, registered_coreapp, stored_sends

URL = "/v1/settings/application/media/providers"
BASIC = {"name": "cdn", "type": "www", "config": {"basic": {"username": "bob", "password": "s3cret-pw"}}}
BEARER = {"name": "files", "type": "www", "config": {"bearer": "tok-123"}}


def _providers(answer_json: dict[str, object]) -> object:
    return answer_json["settings"]["application"]["media"]["providers"]  # type: ignore[index]


async def test_add_replace_list_delete(run: Running, headers: dict[str, str]) -> None:
    empty = await run.client.get(URL, headers=headers)
    assert (empty.status_code, _providers(empty.json())) == (200, [])
    added = await run.client.post(URL, headers=headers, json=[BASIC, BEARER])
    assert added.status_code == 200, added.text
    assert _providers(added.json()) == [
        {"name": "cdn", "type": "www", "config": {"basic": {"username": "bob", "password": "********"}}},
        {"name": "files", "type": "www", "config": {"bearer": "********"}},
    ]
    assert "s3cret-pw" not in added.text and "tok-123" not in added.text
    replaced = await run.client.post(URL, headers=headers, json=[BASIC | {"config": {"bearer": "t2"}}])
    listed = _providers((await run.client.get(URL, headers=headers)).json())
    assert listed == _providers(replaced.json())
    assert listed == [
        {"name": "cdn", "type": "www", "config": {"bearer": "********"}},
        {"name": "files", "type": "www", "config": {"bearer": "********"}},
    ]
    stored = await run.sql("SELECT value FROM settings WHERE name = 'media_providers'")
    assert stored[0].value["providers"][0]["config"] == {"bearer": "t2"}, "the CoreApps need the secret"
    assert (await run.client.delete(f"{URL}/cdn", headers=headers)).status_code == 200
    assert [p["name"] for p in _providers((await run.client.get(URL, headers=headers)).json())] == ["files"]
    assert error(await run.client.delete(f"{URL}/cdn", headers=headers))[:2] == (404, 1006)


@pytest.mark.parametrize(
    ("body", "code"),
    [([BASIC | {"type": "ftp"}], 1009), ([BASIC | {"extra": 1}], 1010), ({"providers": [BASIC]}, 1025)],
)
async def test_bad_providers(run: Running, headers: dict[str, str], body: object, code: int) -> None:
    assert error(await run.client.post(URL, headers=headers, json=body))[:2] == (400, code)
    assert await run.sql("SELECT value FROM settings WHERE name = 'media_providers'") == []


async def test_admins_only(run: Running, headers: dict[str, str]) -> None:
    created = await run.client.post(
        "/v1/users", headers=headers, json={"username": "sender", "password": "Send3r-Pass!"}
    )
    assert created.status_code == 201
    user = {"Authorization": f"Bearer {await login(run.client, 'sender', 'Send3r-Pass!')}"}
    assert error(await run.client.get(URL, headers=user))[:2] == (403, 1005)
    assert error(await run.client.post(URL, headers=user, json=[BASIC]))[:2] == (403, 1005)
    assert error(await run.client.delete(f"{URL}/cdn", headers=user))[:2] == (403, 1005)


async def test_a_send_naming_an_unknown_provider_is_1009(run: Running, headers: dict[str, str]) -> None:
    image = {"link": "https://cdn.example.com/a.jpg", "provider": {"name": "cdn"}}
    message = {"to": "16315551181", "type": "image", "image": image}
    async with registered_coreapp(run, {}) as coreapp:
        status, code, details = error(await run.client.post("/v1/messages", headers=headers, json=message))
        assert (status, code) == (400, 1009)
        assert details.startswith("image.provider.name: no media provider named 'cdn'")
        assert coreapp.requests == []
        await run.client.post(URL, headers=headers, json=[BASIC])
        sent = await run.client.post("/v1/messages", headers=headers, json=message)
        assert sent.status_code == 201, sent.text
        assert (await stored_sends(run))[-1]["image"] == image
