"""The sandbox's business profile, photo uploads, two-step PIN, phone number and templates, over HTTP.

Same app and fixtures as test_sandbox_app.py: one registered business number (BUSINESS).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.unit.test_sandbox_app import AUTH, BUSINESS, hook, sandbox

__all__ = ["hook", "sandbox"]  # the fixtures of test_sandbox_app.py
PROFILE = f"/v21.0/{BUSINESS}/whatsapp_business_profile"
PNG = b"\x89PNG\r\n\x1a\n" + b"wabiz" * 10


def cloud_error(answer: httpx.Response) -> tuple[int, int]:
    return answer.status_code, answer.json()["error"]["code"]


async def read_profile(sandbox: httpx.AsyncClient) -> dict[str, Any]:
    answer = await sandbox.get(PROFILE, headers=AUTH)
    assert answer.status_code == 200, answer.text
    (profile,) = answer.json()["data"]
    assert profile.pop("messaging_product") == "whatsapp"
    return dict(profile)


async def update(sandbox: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await sandbox.post(PROFILE, json={"messaging_product": "whatsapp"} | fields, headers=AUTH)


async def upload(sandbox: httpx.AsyncClient, data: bytes, mime_type: str = "image/png") -> str:
    params = {"file_length": str(len(data)), "file_type": mime_type}
    session = await sandbox.post("/v21.0/app/uploads", params=params, headers=AUTH)
    assert session.status_code == 200, session.text
    upload_id = session.json()["id"]
    assert upload_id.startswith("upload:")
    answer = await sandbox.post(f"/v21.0/{upload_id}", content=data, headers=AUTH | {"file_offset": "0"})
    assert answer.status_code == 200, answer.text
    handle: str = answer.json()["h"]
    return handle


async def test_the_profile_changes_only_the_fields_given(sandbox: httpx.AsyncClient) -> None:
    assert await read_profile(sandbox) == {}
    fields = {
        "about": "Succulents!",
        "address": "1 Main St",
        "description": "We sell plants.",
        "email": "shop@example.com",
        "vertical": "RETAIL",
        "websites": ["https://example.com", "http://example.org/shop"],
    }
    assert (await update(sandbox, **fields)).json() == {"success": True}
    assert (await update(sandbox, about="Cacti too")).status_code == 200
    assert await read_profile(sandbox) == fields | {"about": "Cacti too"}


@pytest.mark.parametrize(
    "body",
    [
        {"about": "hi"},  # no messaging_product
        {"messaging_product": "whatsapp", "about": ""},
        {"messaging_product": "whatsapp", "about": "x" * 140},
        {"messaging_product": "whatsapp", "address": "x" * 257},
        {"messaging_product": "whatsapp", "description": "x" * 513},
        {"messaging_product": "whatsapp", "email": "not an address"},
        {"messaging_product": "whatsapp", "websites": ["https://a", "https://b", "https://c"]},
        {"messaging_product": "whatsapp", "websites": ["ftp://example.com"]},
        {"messaging_product": "whatsapp", "vertical": "Automotive"},
        {"messaging_product": "whatsapp", "profile_picture_handle": "2:unknown"},
        {"messaging_product": "whatsapp", "colour": "green"},
    ],
)
async def test_a_bad_profile_is_refused_like_the_cloud_api(
    sandbox: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert cloud_error(await sandbox.post(PROFILE, json=body, headers=AUTH)) == (400, 100)
    assert await read_profile(sandbox) == {}, "nothing of a refused change is kept"


async def test_the_photo_goes_up_by_handle_and_comes_down_by_a_public_link(
    sandbox: httpx.AsyncClient,
) -> None:
    assert (await update(sandbox, profile_picture_handle=await upload(sandbox, PNG))).status_code == 200
    first = (await read_profile(sandbox))["profile_picture_url"]
    photo = await sandbox.get(first, headers={"Authorization": ""})
    assert (photo.status_code, photo.content, photo.headers["content-type"]) == (200, PNG, "image/png")

    await update(sandbox, profile_picture_handle=await upload(sandbox, b"\xff\xd8jpeg", "image/jpeg"))
    second = (await read_profile(sandbox))["profile_picture_url"]
    assert second != first
    assert (await sandbox.get(second)).content == b"\xff\xd8jpeg"
    assert cloud_error(await sandbox.get(first)) == (404, 100), "the replaced photo is gone"


async def test_only_an_uploaded_image_becomes_the_photo(sandbox: httpx.AsyncClient) -> None:
    pdf = await upload(sandbox, b"%PDF-1.4", "application/pdf")
    assert cloud_error(await update(sandbox, profile_picture_handle=pdf)) == (400, 100)


@pytest.mark.parametrize(
    ("params", "offset", "data"),
    [
        ({"file_length": "0", "file_type": "image/png"}, "0", b""),
        ({"file_length": "3", "file_type": "image/gif"}, "0", b"gif"),
        ({"file_type": "image/png"}, "0", b"png"),
        ({"file_length": "3", "file_type": "image/png"}, "1", b"png"),
        ({"file_length": "3", "file_type": "image/png"}, None, b"png"),
        ({"file_length": "4", "file_type": "image/png"}, "0", b"png"),
    ],
)
async def test_bad_uploads_are_refused(
    sandbox: httpx.AsyncClient, params: dict[str, str], offset: str | None, data: bytes
) -> None:
    session = await sandbox.post("/v21.0/app/uploads", params=params, headers=AUTH)
    if session.status_code != 200:
        assert cloud_error(session) == (400, 100)
        return
    headers = AUTH | ({"file_offset": offset} if offset is not None else {})
    assert cloud_error(
        await sandbox.post(f"/v21.0/{session.json()['id']}", content=data, headers=headers)
    ) == (
        400,
        100,
    )


async def test_an_upload_session_takes_one_file(sandbox: httpx.AsyncClient) -> None:
    session = await sandbox.post(
        "/v21.0/app/uploads", params={"file_length": "3", "file_type": "image/png"}, headers=AUTH
    )
    path, headers = f"/v21.0/{session.json()['id']}", AUTH | {"file_offset": "0"}
    assert (await sandbox.post(path, content=b"png", headers=headers)).status_code == 200
    assert cloud_error(await sandbox.post(path, content=b"png", headers=headers)) == (400, 100)
    assert cloud_error(await sandbox.post(path, content=b"png")) == (401, 190), "the token is needed"


async def test_the_pin_is_set_on_the_phone_number(sandbox: httpx.AsyncClient) -> None:
    answer = await sandbox.post(f"/v21.0/{BUSINESS}", json={"pin": "246810"}, headers=AUTH)
    assert answer.json() == {"success": True}
    for body in ({"pin": "12345"}, {"pin": 246810}, {"pin": "24681a"}, {"pin": "246810", "x": 1}, {}):
        answer = await sandbox.post(f"/v21.0/{BUSINESS}", json=body, headers=AUTH)
        assert cloud_error(answer) == (400, 100), body
    unknown = await sandbox.post("/v21.0/19999999999", json={"pin": "246810"}, headers=AUTH)
    assert cloud_error(unknown) == (503, 131016), "an unknown number, as for sends (just started)"


async def test_a_phone_number_id_answers_the_number_and_other_ids_media(sandbox: httpx.AsyncClient) -> None:
    answer = await sandbox.get(f"/v21.0/{BUSINESS}", headers=AUTH)
    assert answer.json() == {
        "verified_name": f"wabiz sandbox {BUSINESS}",
        "display_phone_number": f"+{BUSINESS}",
        "quality_rating": "GREEN",
        "code_verification_status": "VERIFIED",
        "id": BUSINESS,
    }
    assert cloud_error(await sandbox.get("/v21.0/19999999999", headers=AUTH)) == (404, 100)


async def test_message_templates_list_the_catalogue(sandbox: httpx.AsyncClient) -> None:
    answer = await sandbox.get(f"/v21.0/waba-{BUSINESS}/message_templates", headers=AUTH)
    assert answer.status_code == 200, answer.text
    listing = answer.json()
    by_key = {(t["name"], t["language"]): t for t in listing["data"]}
    assert set(by_key) == {
        ("hello_world", "en_US"),
        ("order_update", "en_US"),
        ("order_update", "es"),
        ("otp", "en_US"),
    }
    order = by_key[("order_update", "es")]
    assert (order["status"], order["category"]) == ("APPROVED", "UTILITY")
    assert order["components"] == [{"type": "BODY", "text": "order_update {{1}} {{2}}"}]
    assert listing["paging"]["cursors"] == {
        "before": listing["data"][0]["id"],
        "after": listing["data"][-1]["id"],
    }
    for unknown in ("waba-19999999999", BUSINESS):
        assert cloud_error(await sandbox.get(f"/v21.0/{unknown}/message_templates", headers=AUTH)) == (
            400,
            100,
        )
