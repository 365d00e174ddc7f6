"""The profile, About, photo and two-step endpoints: validation, shapes, what reaches the CoreApp."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.db.webapp_harness import FakeCoreApp, Running, error, login, registered_coreapp
from tests.tooling.profiles import NETWORK_PROFILE

PROFILE = "/v1/settings/business/profile"
ABOUT, PHOTO, TWO_STEP = (
    "/v1/settings/profile/about",
    "/v1/settings/profile/photo",
    "/v1/settings/account/two-step",
)
UNSUPPORTED = {"errors": [{"code": 1009, "title": "t", "details": "turn it off in WhatsApp Manager"}]}


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    answers: dict[tuple[str, str], tuple[int, Any]] = {
        ("GET", "/internal/profile"): (200, {"profile": NETWORK_PROFILE}),
        ("POST", "/internal/profile"): (200, {}),
        ("GET", "/internal/profile/photo"): (200, b"\x89PNG-photo"),
        ("POST", "/internal/profile/photo"): (200, {}),
        ("DELETE", "/internal/profile/photo"): (400, UNSUPPORTED),
        ("POST", "/internal/account/two-step"): (200, {}),
        ("DELETE", "/internal/account/two-step"): (400, UNSUPPORTED),
    }
    async with registered_coreapp(run, answers) as fake:
        yield fake


def sent(coreapp: FakeCoreApp) -> tuple[str, str, Any]:
    method, path, _, body = coreapp.requests[-1]
    return method, path, body


async def test_the_business_profile_in_the_on_premises_shape(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    answer = await run.client.get(PROFILE, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["settings"] == {
        "business": {
            "profile": {
                "address": "1 Main St",
                "description": "",
                "email": "shop@example.com",
                "vertical": "Professional Services",
                "websites": ["https://example.com"],
            }
        }
    }


async def test_a_profile_change_reaches_the_network_in_its_words(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    body = {"address": "2 Side St", "vertical": "Shopping and Retail", "email": None, "websites": []}
    answer = await run.client.post(PROFILE, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    assert sent(coreapp) == (
        "POST",
        "/internal/profile",
        {"address": "2 Side St", "vertical": "RETAIL", "websites": []},
    )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, 1008, "give at least one"),
        ({"websites": ["https://a", "https://b", "https://c"]}, 1009, "websites"),
        ({"vertical": "Spaceships"}, 1009, "vertical"),
        ({"about": "x"}, 1010, "about"),
    ],
)
async def test_bad_profile_changes(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp, body: dict[str, Any], code: int, field: str
) -> None:
    status, got, details = error(await run.client.post(PROFILE, headers=headers, json=body))
    assert (status, got) == (400, code)
    assert details.startswith(field), details
    assert coreapp.requests == [], "nothing reaches the CoreApp"


async def test_about(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    answer = await run.client.get(ABOUT, headers=headers)
    assert answer.json()["settings"] == {"profile": {"about": {"text": "Succulents!"}}}
    assert (await run.client.patch(ABOUT, headers=headers, json={"text": "Cacti too"})).status_code == 200
    assert sent(coreapp) == ("POST", "/internal/profile", {"about": "Cacti too"})
    for body in ({"text": "x" * 140}, {"text": ""}, {}):
        assert error(await run.client.patch(ABOUT, headers=headers, json=body))[0] == 400


async def test_the_photo_as_bytes_or_as_a_link(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    photo = await run.client.get(PHOTO, headers=headers)
    assert (photo.status_code, photo.content, photo.headers["content-type"]) == (
        200,
        b"\x89PNG-photo",
        "image/png",
    )
    link = await run.client.get(PHOTO, headers=headers, params={"format": "link"})
    assert link.json()["settings"] == {"profile": {"photo": {"link": "https://cdn.example/photo.png"}}}
    assert error(await run.client.get(PHOTO, headers=headers, params={"format": "base64"}))[:2] == (400, 1009)


async def test_no_photo_is_1006(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    coreapp.answers[("GET", "/internal/profile")] = (200, {"profile": {}})
    assert error(await run.client.get(PHOTO, headers=headers, params={"format": "link"}))[:2] == (404, 1006)


async def test_a_new_photo_goes_to_the_coreapp_as_it_came(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    image = b"\xff\xd8\xff-jpeg-bytes"
    answer = await run.client.post(PHOTO, headers=headers | {"Content-Type": "image/jpeg"}, content=image)
    assert answer.status_code == 200, answer.text
    method, path, sent_headers, body = coreapp.requests[-1]
    assert (method, path, body) == ("POST", "/internal/profile/photo", image)
    assert sent_headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("content_type", "size", "code"),
    [
        ("image/gif", 10, 1009),
        ("application/json", 10, 1009),
        ("image/png", 0, 1009),
        ("image/png", 5 * 1024 * 1024 + 1, 1009),
    ],
)
async def test_bad_photos(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp, content_type: str, size: int, code: int
) -> None:
    answer = await run.client.post(
        PHOTO, headers=headers | {"Content-Type": content_type}, content=b"x" * size
    )
    assert error(answer)[:2] == (400, code)
    assert coreapp.requests == []


async def test_two_step(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    assert (await run.client.post(TWO_STEP, headers=headers, json={"pin": "246810"})).status_code == 200
    assert sent(coreapp) == ("POST", "/internal/account/two-step", {"pin": "246810"})
    assert error(await run.client.post(TWO_STEP, headers=headers, json={"pin": "2468"}))[:2] == (400, 1009)


async def test_what_the_network_cannot_do_is_refused_as_the_coreapp_says(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    for path in (TWO_STEP, PHOTO):
        assert error(await run.client.delete(path, headers=headers)) == (
            400,
            1009,
            "turn it off in WhatsApp Manager",
        )


async def test_only_admins(run: Running, headers: dict[str, str], coreapp: FakeCoreApp) -> None:
    await run.client.post(
        "/v1/users", headers=headers, json={"username": "agent007", "password": "Agent-Pass1!"}
    )
    user = {"Authorization": f"Bearer {await login(run.client, 'agent007', 'Agent-Pass1!')}"}
    for method, path in (("GET", PROFILE), ("GET", ABOUT), ("GET", PHOTO), ("DELETE", TWO_STEP)):
        assert error(await run.client.request(method, path, headers=user))[:2] == (403, 1005), path
    assert coreapp.requests == []


async def test_without_a_coreapp_is_1011(run: Running, headers: dict[str, str]) -> None:
    assert error(await run.client.get(PROFILE, headers=headers))[:2] == (503, 1011)


async def test_openapi_documents_the_bodies_and_answers(run: Running) -> None:
    document = (await run.client.get("/openapi.json")).json()
    paths = document["paths"]
    profile = paths[PROFILE]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert profile == {"$ref": "#/components/schemas/BusinessProfile"}
    fields = document["components"]["schemas"]["BusinessProfile"]["properties"]
    assert set(fields) == {"address", "description", "email", "vertical", "websites"}
    assert set(paths[TWO_STEP]) == {"post", "delete"}
    assert "400" in paths[TWO_STEP]["delete"]["responses"], "the refusal is documented"
    photo = paths[PHOTO]
    assert set(photo["post"]["requestBody"]["content"]) == {"image/jpeg", "image/png"}
    assert set(photo["get"]["responses"]["200"]["content"]) == {"image/jpeg", "image/png", "application/json"}
    assert [p["name"] for p in photo["get"]["parameters"]] == ["format"]
    assert set(paths[ABOUT]) == {"get", "patch"}
