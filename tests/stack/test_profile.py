"""The business profile end to end: set through the WebApp, read back from the network (the sandbox).

What it sets stays on the shared stack's sandbox: no other test reads the profile.
"""

from __future__ import annotations

from typing import Any

import httpx

from wabiz.local.stack import BUSINESS_CC, BUSINESS_NUMBER, Stack
from wabiz.sandbox.samples import tiny_png

PNG = tiny_png()


def network_profile(stack: Stack) -> dict[str, Any]:
    """The profile as the sandbox has it, asked the way the Cloud API is asked."""
    pnid = f"{BUSINESS_CC}{BUSINESS_NUMBER}"
    answer = httpx.get(
        f"{stack.components['sandbox'].url}/v21.0/{pnid}/whatsapp_business_profile",
        headers={"Authorization": f"Bearer {stack.secrets['sandbox_token']}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    profile: dict[str, Any] = answer.json()["data"][0]
    return profile


def test_about_profile_and_photo_set_through_the_webapp_are_the_network_s(
    api: httpx.Client, stack: Stack
) -> None:
    about = api.patch("/v1/settings/profile/about", json={"text": "Succulent specialists"})
    assert about.status_code == 200, about.text
    profile = {
        "address": "1 Hacker Way",
        "description": "Plants, shipped.",
        "email": "shop@example.com",
        "vertical": "Shopping and Retail",
        "websites": ["https://example.com"],
    }
    answer = api.post("/v1/settings/business/profile", json=profile)
    assert answer.status_code == 200, answer.text
    photo = api.post("/v1/settings/profile/photo", content=PNG, headers={"Content-Type": "image/png"})
    assert photo.status_code == 200, photo.text

    network = network_profile(stack)
    assert network["about"] == "Succulent specialists"
    assert {key: network[key] for key in profile} == profile | {"vertical": "RETAIL"}
    picture = httpx.get(network["profile_picture_url"], timeout=10)
    assert (picture.content, picture.headers["content-type"]) == (PNG, "image/png")

    assert api.get("/v1/settings/profile/about").json()["settings"]["profile"]["about"]["text"] == (
        "Succulent specialists"
    )
    assert api.get("/v1/settings/business/profile").json()["settings"]["business"]["profile"] == profile
    assert api.get("/v1/settings/profile/photo").content == PNG
    link = api.get("/v1/settings/profile/photo", params={"format": "link"}).json()
    assert link["settings"]["profile"]["photo"]["link"] == network["profile_picture_url"]


def test_two_step_verification_is_set_but_cannot_be_turned_off(api: httpx.Client) -> None:
    assert api.post("/v1/settings/account/two-step", json={"pin": "246810"}).status_code == 200
    refused = api.delete("/v1/settings/account/two-step")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == 1009
    assert "WhatsApp Manager" in refused.json()["errors"][0]["details"]
