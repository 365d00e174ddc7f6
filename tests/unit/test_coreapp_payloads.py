"""Pure translations of the CoreApp: On-Premises → Cloud API sends, Cloud webhooks → callbacks."""

from __future__ import annotations

from typing import Any

import pytest

from wabiz.coreapp import payloads
from wabiz.coreapp.app import api_error_for
from wabiz.gateway.base import UpstreamError
from wabiz.kit.errors import InvalidParameter, NotReady

ENVELOPE = {
    "messaging_product": "whatsapp",
    "recipient_type": "individual",
    "biz_opaque_callback_data": "gB1",
}


def _send(kind: str, typed: Any, **common: Any) -> dict[str, Any]:
    return {"to": "16315551181", "recipient_type": "individual", "type": kind, kind: typed, **common}


def test_text_with_preview_url_and_reply_context() -> None:
    message = _send("text", {"body": "hi"}, preview_url=True, context={"message_id": "wamid.in"}, ttl=60)
    assert payloads.to_cloud(message, "gB1") == {
        **ENVELOPE,
        "to": "16315551181",
        "type": "text",
        "text": {"body": "hi", "preview_url": True},
        "context": {"message_id": "wamid.in"},
    }, "ttl has no Cloud API counterpart and is dropped"


@pytest.mark.parametrize("kind", ["image", "video", "audio", "document", "sticker"])
def test_media_by_our_id_goes_out_with_the_upstream_id(kind: str) -> None:
    typed = {"id": "our-media", "caption": "c", "filename": "f.pdf", "provider": {"name": "cdn"}}
    body = payloads.to_cloud(_send(kind, typed), "gB1", "their-media")
    assert body[kind] == {"id": "their-media", "caption": "c", "filename": "f.pdf"}
    assert body["type"] == kind
    assert typed["id"] == "our-media", "the stored message is not modified"


def test_media_by_link_passes_through() -> None:
    body = payloads.to_cloud(_send("image", {"link": "https://cdn.example/p.png", "caption": "c"}), "gB1")
    assert body["image"] == {"link": "https://cdn.example/p.png", "caption": "c"}


def test_template_drops_the_on_prem_only_fields() -> None:
    components = [{"type": "body", "parameters": [{"type": "text", "text": "42"}]}]
    template = {
        "namespace": "ns",
        "name": "order_update",
        "language": {"policy": "deterministic", "code": "en_US"},
        "components": components,
    }
    assert payloads.to_cloud(_send("template", template), "gB1")["template"] == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": components,
    }


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        ("location", {"longitude": 2.35, "latitude": 48.85, "name": "Paris", "address": "Rue"}),
        ("contacts", [{"name": {"formatted_name": "K", "first_name": "K"}, "phones": [{"phone": "+1"}]}]),
        (
            "interactive",
            {
                "type": "button",
                "body": {"text": "ok?"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "y", "title": "Yes"}}]},
            },
        ),
        (
            "interactive",
            {
                "type": "list",
                "body": {"text": "pick"},
                "action": {
                    "button": "Menu",
                    "sections": [{"title": "s", "rows": [{"id": "1", "title": "a"}]}],
                },
            },
        ),
        ("reaction", {"message_id": "wamid.in", "emoji": "👍"}),
    ],
)
def test_other_types_pass_through_unchanged(kind: str, typed: Any) -> None:
    body = payloads.to_cloud(_send(kind, typed), "gB1")
    assert body == {**ENVELOPE, "to": "16315551181", "type": kind, kind: typed}


@pytest.mark.parametrize(
    ("cloud", "ours"),
    [
        (131047, 470),
        (131026, 1013),
        (130429, 429),
        (131051, 501),
        (131056, 471),
        (132000, 2000),
        (132001, 2001),
        (131052, 400),
    ],
)
def test_cloud_codes_map_to_the_contract(cloud: int, ours: int) -> None:
    item = payloads.status_item(
        "gB1", "1631", {"status": "failed", "timestamp": 1, "errors": [{"code": cloud}]}
    )
    assert item["errors"] == [{"code": ours, "title": payloads.ERROR_CODES[cloud][1]}]


def test_unknown_cloud_codes_become_500_with_the_upstream_words() -> None:
    error = {"code": 131000, "title": "Something went wrong", "error_data": {"details": "try later"}}
    item = payloads.status_item("gB1", "1631", {"status": "failed", "timestamp": "1", "errors": [error]})
    assert item["errors"] == [
        {"code": 500, "title": "Generic error", "details": "upstream error 131000: try later"}
    ]


def test_status_item_is_keyed_by_our_id_and_keeps_pricing() -> None:
    status = {
        "id": "wamid.x",
        "status": "delivered",
        "timestamp": 1700000000,
        "recipient_id": "ignored",
        "biz_opaque_callback_data": "gB1",
        "conversation": {"id": "c"},
        "pricing": {"billable": False},
    }
    assert payloads.status_item("gB1", "16315551181", status) == {
        "id": "gB1",
        "recipient_id": "16315551181",
        "status": "delivered",
        "timestamp": "1700000000",
        "conversation": {"id": "c"},
        "pricing": {"billable": False},
    }


def test_failed_item_for_a_refused_send() -> None:
    assert payloads.failed_item("gB1", "1631", 131051, "no", 5) == {
        "id": "gB1",
        "recipient_id": "1631",
        "status": "failed",
        "timestamp": "5",
        "errors": [{"code": 501, "title": "Unsupported message type"}],
    }


def test_out_of_band_errors_carry_details() -> None:
    payload = payloads.errors_payload(
        [{"code": 131026, "title": "Message undeliverable", "message": "not on WhatsApp"}, {"code": 1}]
    )
    assert payload == {
        "errors": [
            {"code": 1013, "title": "User is not valid", "details": "not on WhatsApp"},
            {"code": 500, "title": "Generic error", "details": "Generic error"},
        ]
    }


def test_inbound_media_callback_carries_our_media_id() -> None:
    message: dict[str, Any] = {
        "from": "1631",
        "id": "wamid.in",
        "timestamp": "1",
        "type": "image",
        "image": {"id": "up", "mime_type": "image/png", "sha256": "ab", "caption": "look"},
    }
    contacts = [{"profile": {"name": "Other"}, "wa_id": "999"}, {"profile": {"name": "K"}, "wa_id": "1631"}]
    payload = payloads.inbound_payload(contacts, message, "ours")
    assert payload["messages"][0]["image"] == {
        "id": "ours",
        "mime_type": "image/png",
        "sha256": "ab",
        "caption": "look",
    }
    assert payload["contacts"] == [contacts[1]], "only the sender's contact"
    assert message["image"]["id"] == "up", "the input is not modified"
    assert payloads.inbound_media(message) == ("up", "image/png", "ab")


def test_inbound_text_is_passed_flat() -> None:
    message = {"from": "1631", "id": "w", "timestamp": "1", "type": "text", "text": {"body": "hi"}}
    assert payloads.inbound_payload([], message, None) == {"contacts": [], "messages": [message]}
    assert payloads.inbound_media(message) is None


def test_changes_reads_only_message_values() -> None:
    hook = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "changes": [
                    {"field": "messages", "value": {"statuses": []}},
                    {"field": "account_update", "value": {}},
                ]
            },
            {"changes": [{"field": "messages", "value": "garbage"}]},
        ],
    }
    assert list(payloads.changes(hook)) == [{"statuses": []}]
    assert list(payloads.changes({})) == []


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (UpstreamError(0, "Upstream unreachable", "refused", retryable=True), NotReady),
        (UpstreamError(136025, "Verification code is incorrect"), InvalidParameter),
    ],
)
def test_upstream_failures_of_internal_calls_become_contract_errors(
    error: UpstreamError, expected: type
) -> None:
    assert type(api_error_for(error)) is expected


def test_other_upstream_refusals_keep_the_upstream_code() -> None:
    error = api_error_for(UpstreamError(131009, "Parameter value is not valid", "bad id"))
    assert (error.code, error.details) == (
        1000,
        "upstream error 131009 (Parameter value is not valid): bad id",
    )
