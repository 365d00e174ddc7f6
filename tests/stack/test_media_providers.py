"""An image sent by `link` through a media provider whose server wants Basic credentials: the
CoreApp fetches it with them, uploads it, and the sandbox receives it by id, the very bytes."""

from __future__ import annotations

import httpx

from tests.stack.helpers import Receiver, Sandbox, new_user, wait_status
from tests.tooling.media_server import protected_media
from wabiz.local.stack import Stack

PROVIDERS = "/v1/settings/application/media/providers"
PICTURE = b"\x89PNG\r\n\x1a\n" + b"wabiz-provider-image" * 64


def test_an_image_link_fetched_through_a_basic_auth_provider(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver, stack: Stack
) -> None:
    user = new_user()
    sandbox.inbound({"from": user, "type": "text", "text": {"body": "hi"}})  # opens the 24 h window
    provider = {
        "name": "photos",
        "type": "www",
        "config": {"basic": {"username": "shop", "password": "Ph0tos!"}},
    }
    assert api.post(PROVIDERS, json=[provider]).status_code == 200
    try:
        with protected_media(PICTURE, "image/png", "shop", "Ph0tos!") as media:
            image = {"link": media.url, "provider": {"name": "photos"}, "caption": "fresh"}
            answer = api.post("/v1/messages", json={"to": user, "type": "image", "image": image})
            assert answer.status_code == 201, answer.text
            wait_status(receiver, answer.json()["messages"][0]["id"], "delivered")
        assert media.authorizations[0] is not None and media.authorizations[0].startswith("Basic ")
    finally:
        assert api.delete(f"{PROVIDERS}/photos").status_code == 200
    sent = sandbox.received(to=user)["messages"]
    body = sent[-1]["body"]["image"]
    assert body["caption"] == "fresh" and "link" not in body, "sent by id, not as a link"
    sandbox_url = stack.components["sandbox"].url
    token = {"Authorization": f"Bearer {stack.secrets['sandbox_token']}"}
    assert httpx.get(f"{sandbox_url}/media-download/{body['id']}", headers=token).content == PICTURE
