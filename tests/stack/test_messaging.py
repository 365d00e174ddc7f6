"""Messages end to end: WebApp → CoreApp → sandbox → statuses → the business webhook."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tests.stack.helpers import Receiver, Sandbox, new_user, wait_status
from tests.tooling.waiting import eventually


def send_text(api: httpx.Client, to: str, body: str = "hello") -> str:
    answer = api.post("/v1/messages", json={"to": to, "type": "text", "text": {"body": body}})
    assert answer.status_code in (200, 201), answer.text
    message_id: str = answer.json()["messages"][0]["id"]
    return message_id


def open_window(sandbox: Sandbox, user: str) -> None:
    """A user who wrote in the last 24 h may receive free-form messages."""
    sandbox.inbound({"from": user, "type": "text", "text": {"body": "hi"}})


def test_text_send_produces_sent_delivered_read_callbacks(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    user = new_user()
    open_window(sandbox, user)
    message_id = send_text(api, user)

    def all_three() -> list[dict[str, Any]] | None:
        statuses = receiver.statuses_for(message_id)
        return statuses if {"sent", "delivered", "read"} <= {s["status"] for s in statuses} else None

    statuses = eventually(all_three, timeout=15, what="sent, delivered and read callbacks")
    assert {status["status"] for status in statuses} == {"sent", "delivered", "read"}
    for kind in ("sent", "delivered", "read"):
        copies = [status for status in statuses if status["status"] == kind]
        assert all(copy == copies[0] for copy in copies), (
            f"callbacks are at least once: {kind} repeated as is"
        )
    assert {status["recipient_id"] for status in statuses} == {user}
    assert sandbox.received(to=user)["unique"] == 1


def test_callbacks_are_signed(sandbox: Sandbox, receiver: Receiver) -> None:
    user = new_user()
    open_window(sandbox, user)
    eventually(lambda: receiver.messages_from(user), timeout=15, what="the inbound message callback")
    signed = [c for c in receiver.callbacks() if c["body"].get("messages", [{}])[0].get("from") == user]
    assert signed and all(c["signature_valid"] is True for c in signed)


def test_inbound_text_reaches_webhook(sandbox: Sandbox, receiver: Receiver) -> None:
    user = new_user()
    wamid = sandbox.inbound({"from": user, "type": "text", "text": {"body": "ping"}, "profile_name": "Kerry"})
    messages = eventually(lambda: receiver.messages_from(user), timeout=15, what="inbound text callback")
    assert messages[0]["id"] == wamid
    assert messages[0]["type"] == "text"
    assert messages[0]["text"] == {"body": "ping"}
    assert messages[0]["timestamp"].isdigit()


def test_inbound_image_reaches_webhook_and_is_fetchable(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    user = new_user()
    picture = b"\x89PNG\r\n\x1a\n" + b"wabiz-test-image" * 64
    sandbox.inbound(
        {
            "from": user,
            "type": "image",
            "image": {
                "mime_type": "image/png",
                "data": base64.b64encode(picture).decode(),
                "caption": "look",
            },
        }
    )
    messages = eventually(lambda: receiver.messages_from(user), timeout=15, what="inbound image callback")
    image = messages[0]["image"]
    assert image["mime_type"] == "image/png"
    assert image["caption"] == "look"
    fetched = api.get(f"/v1/media/{image['id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.content == picture
    assert fetched.headers["content-type"].startswith("image/png")


def test_mark_inbound_message_read(api: httpx.Client, sandbox: Sandbox, receiver: Receiver) -> None:
    user = new_user()
    wamid = sandbox.inbound({"from": user, "type": "text", "text": {"body": "read me"}})
    eventually(lambda: receiver.messages_from(user), timeout=15, what="inbound callback")
    answer = api.put(f"/v1/messages/{wamid}", json={"status": "read"})
    assert answer.status_code == 200, answer.text
    assert api.put("/v1/messages/unknown-id", json={"status": "read"}).json()["errors"][0]["code"] == 1006


def test_470_outside_customer_service_window(api: httpx.Client, receiver: Receiver) -> None:
    user = new_user()  # never wrote to us: the 24 h window is closed
    message_id = send_text(api, user)
    failed = wait_status(receiver, message_id, "failed")
    assert failed[0]["errors"][0]["code"] == 470


def test_template_allowed_outside_window(api: httpx.Client, receiver: Receiver) -> None:
    user = new_user()
    answer = api.post(
        "/v1/messages",
        json={
            "to": user,
            "type": "template",
            "template": {
                "namespace": "wabiz_sandbox",
                "name": "hello_world",
                "language": {"policy": "deterministic", "code": "en_US"},
                "components": [],
            },
        },
    )
    assert answer.status_code in (200, 201), answer.text
    message_id = answer.json()["messages"][0]["id"]
    wait_status(receiver, message_id, "delivered")


def test_non_user_fails_with_1013(api: httpx.Client, receiver: Receiver) -> None:
    message_id = send_text(api, "14155550000")  # ends in 0000: not a WhatsApp user, never checked
    failed = wait_status(receiver, message_id, "failed")
    assert failed[0]["errors"][0]["code"] == 1013


def test_media_message_by_uploaded_id(api: httpx.Client, sandbox: Sandbox, receiver: Receiver) -> None:
    user = new_user()
    open_window(sandbox, user)
    upload = api.post("/v1/media", content=b"%PDF-1.4 test", headers={"Content-Type": "application/pdf"})
    assert upload.status_code in (200, 201), upload.text
    media_id = upload.json()["media"][0]["id"]
    answer = api.post(
        "/v1/messages",
        json={
            "to": user,
            "type": "document",
            "document": {"id": media_id, "filename": "a.pdf", "caption": "doc"},
        },
    )
    assert answer.status_code in (200, 201), answer.text
    message_id = answer.json()["messages"][0]["id"]
    wait_status(receiver, message_id, "delivered")
    sent = sandbox.received(to=user)["messages"]
    assert sent[0]["type"] == "document"
    assert sent[0]["body"]["document"]["filename"] == "a.pdf"


def test_send_to_a_contact_known_invalid_is_refused_at_once(api: httpx.Client) -> None:
    checked = api.post("/v1/contacts", json={"blocking": "wait", "contacts": ["+1 212 555 0000"]})
    assert checked.json()["contacts"][0]["status"] == "invalid"
    answer = api.post("/v1/messages", json={"to": "12125550000", "type": "text", "text": {"body": "x"}})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == 1013
