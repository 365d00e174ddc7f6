"""Every message type of `POST /v1/messages`, valid and invalid, with the exact contract codes."""

from __future__ import annotations

from typing import Any

import pytest

from wabiz.kit.errors import ApiError
from wabiz.webapp.messages.rules import media_objects, parse_message

TO = {"to": "16315551181"}
BUTTON = {"type": "reply", "reply": {"id": "a", "title": "A"}}
ROW = {"id": "r", "title": "Row"}
TEMPLATE: dict[str, Any] = {
    "namespace": "ns",
    "name": "shipping",
    "language": {"policy": "deterministic", "code": "en_US"},
    "components": [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x/y.png"}}]},
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Kerry"},
                {
                    "type": "currency",
                    "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": 1000},
                },
                {"type": "date_time", "date_time": {"fallback_value": "today", "day_of_week": 5}},
            ],
        },
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": 0,
            "parameters": [{"type": "payload", "payload": "p"}],
        },
    ],
}
CARD = {
    "name": {"formatted_name": "Kerry Fisher", "first_name": "Kerry"},
    "phones": [{"phone": "+1 631-555-1181", "type": "CELL", "wa_id": "16315551181"}],
    "emails": [{"email": "kerry@example.com", "type": "WORK"}],
    "addresses": [{"street": "1 Main St", "city": "Menlo Park", "country_code": "us", "type": "WORK"}],
    "org": {"company": "wabiz", "title": "tester"},
    "urls": [{"url": "https://example.com", "type": "WORK"}],
    "birthday": "1990-01-31",
}


def _interactive(kind: str, action: dict[str, Any], **parts: Any) -> dict[str, Any]:
    return {"type": "interactive", "interactive": {"type": kind, "action": action, **parts}}


BODY = {"body": {"text": "Pick"}}
VALID: list[dict[str, Any]] = [
    {"type": "text", "text": {"body": "hi"}},
    {"type": "text", "text": {"body": "x" * 4096, "preview_url": True}, "preview_url": True, "ttl": 3600},
    {
        "type": "text",
        "text": {"body": "re"},
        "context": {"message_id": "wamid.1"},
        "recipient_type": "individual",
    },
    {"type": "image", "image": {"link": "https://x/cat.png", "caption": "cat", "provider": {"name": "cdn"}}},
    {"type": "image", "image": {"id": "m1"}},
    {"type": "video", "video": {"id": "m1", "caption": "clip"}},
    {"type": "audio", "audio": {"id": "m1"}},
    {"type": "document", "document": {"link": "https://x/a.pdf", "caption": "a", "filename": "a.pdf"}},
    {"type": "sticker", "sticker": {"id": "m1"}},
    {
        "type": "location",
        "location": {"latitude": 52, "longitude": 13.4, "name": "Berlin", "address": "Mitte"},
    },
    {"type": "contacts", "contacts": [CARD]},
    {"type": "template", "template": TEMPLATE},
    _interactive("button", {"buttons": [BUTTON] * 3}, **BODY, footer={"text": "f"}),
    _interactive("list", {"button": "Menu", "sections": [{"title": "S", "rows": [ROW] * 10}]}, **BODY),
    _interactive("product", {"catalog_id": "c", "product_retailer_id": "p"}),
    _interactive(
        "product_list",
        {"catalog_id": "c", "sections": [{"title": "S", "product_items": [{"product_retailer_id": "p"}]}]},
        header={"type": "text", "text": "Our shop"},
        **BODY,
    ),
]


@pytest.mark.parametrize("message", VALID, ids=lambda m: str(m["type"]))
def test_valid_messages(message: dict[str, Any]) -> None:
    parsed = parse_message(TO | message)
    assert parsed.type == message["type"]
    dumped = parsed.model_dump(exclude_none=True)
    assert parse_message(dumped) == parsed, "what the CoreApp receives is itself a valid message"


def _two_sections(**first: Any) -> dict[str, Any]:
    sections = [{"rows": [ROW]} | first, {"title": "B", "rows": [ROW]}]
    return _interactive("list", {"button": "Menu", "sections": sections}, **BODY)


INVALID: list[tuple[dict[str, Any], int, str]] = [
    ({"text": {"body": "x"}}, 1008, "type is required"),
    ({"type": "carrier-pigeon"}, 1009, "type: 'carrier-pigeon' is not a message type"),
    ({"type": 5}, 1009, "type: 5"),
    ({"to": None, "type": "text", "text": {"body": "x"}}, 1008, "to is required"),  # null = absent
    ({"to": 16315551181, "type": "text", "text": {"body": "x"}}, 1009, "to:"),
    ({"type": "text"}, 1008, "text is required"),
    ({"type": "text", "text": {"body": "x" * 4097}}, 1001, "text.body has 4097 characters"),
    ({"type": "text", "text": {"body": 5}}, 1009, "text.body:"),
    ({"type": "text", "text": {"body": ""}}, 1009, "text.body:"),
    ({"type": "text", "text": {"body": "x"}, "image": {"id": "m"}}, 1010, "image is not a known parameter"),
    ({"type": "text", "text": {"body": "x"}, "recipient_type": "group"}, 1002, "recipient_type"),
    ({"type": "text", "text": {"body": "x"}, "colour": "red"}, 1010, "colour"),
    ({"type": "text", "text": {"body": "x"}, "ttl": 0}, 1009, "ttl:"),
    ({"type": "text", "text": {"body": "x"}, "preview_url": "yes"}, 1009, "preview_url:"),
    ({"type": "text", "text": {"body": "x"}, "context": {}}, 1008, "context.message_id is required"),
    ({"type": "image", "image": {}}, 1009, "image: give exactly one of id"),
    ({"type": "image", "image": {"id": "m", "link": "https://x"}}, 1009, "image: give exactly one of id"),
    ({"type": "image", "image": {"link": "ftp://x"}}, 1009, "image.link:"),
    ({"type": "image", "image": {"id": "m", "provider": {"name": "cdn"}}}, 1010, "image.provider"),
    ({"type": "image", "image": {"id": "m", "filename": "a.png"}}, 1010, "image.filename"),
    ({"type": "audio", "audio": {"id": "m", "caption": "no"}}, 1010, "audio.caption"),
    ({"type": "sticker", "sticker": {"id": "m", "filename": "s.webp"}}, 1010, "sticker.filename"),
    ({"type": "location", "location": {"latitude": 91, "longitude": 0}}, 1009, "location.latitude:"),
    ({"type": "location", "location": {"latitude": 1}}, 1008, "location.longitude is required"),
    ({"type": "location", "location": {"latitude": "1", "longitude": 0}}, 1009, "location.latitude:"),
    ({"type": "contacts", "contacts": []}, 1009, "contacts:"),
    ({"type": "contacts", "contacts": [{"phones": []}]}, 1008, "contacts[0].name is required"),
    ({"type": "contacts", "contacts": [CARD | {"birthday": "31.1.1990"}]}, 1009, "contacts[0].birthday:"),
    ({"type": "contacts", "contacts": [CARD | {"photo": "x"}]}, 1010, "contacts[0].photo"),
    (
        {"type": "template", "template": TEMPLATE | {"language": {"policy": "fallback", "code": "en"}}},
        1009,
        "template.language.policy:",
    ),
    ({"type": "template", "template": {"name": "t", "language": {"code": "en"}}}, 1008, "template.namespace"),
    (
        {
            "type": "template",
            "template": TEMPLATE | {"components": [{"type": "body", "parameters": [{"type": "text"}]}]},
        },
        1008,
        "template.components[0].parameters[0].text is required",
    ),
    (
        {"type": "template", "template": TEMPLATE | {"components": [{"type": "button", "parameters": []}]}},
        1008,
        "template.components[0]: a button component needs sub_type and index",
    ),
    (
        {
            "type": "template",
            "template": TEMPLATE
            | {
                "components": [
                    {
                        "type": "header",
                        "parameters": [{"type": "image", "image": {"id": "a", "link": "https://b"}}],
                    }
                ]
            },
        },
        1009,
        "template.components[0].parameters[0].image: give exactly one",
    ),
    (_interactive("button", {"buttons": [BUTTON] * 4}, **BODY), 1009, "interactive.action.buttons:"),
    (
        _interactive(
            "button", {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "x" * 21}}]}, **BODY
        ),
        1009,
        "interactive.action.buttons[0].reply.title:",
    ),
    (_interactive("button", {"buttons": [BUTTON]}), 1008, "interactive.body is required in a button message"),
    (
        _interactive("button", {"buttons": [BUTTON], "button": "Menu"}, **BODY),
        1010,
        "interactive.action.button does",
    ),
    (
        _interactive("list", {"button": "Menu", "sections": [{"title": "S", "rows": [ROW] * 11}]}, **BODY),
        1009,
        "interactive.action.sections: at most 10 rows in total, got 11",
    ),
    (
        _interactive("list", {"sections": [{"rows": [ROW]}]}, **BODY),
        1008,
        "interactive.action.button is required",
    ),
    (
        _interactive("list", {"button": "Menu", "sections": [{"title": "S"}]}, **BODY),
        1008,
        "interactive.action.sections[0].rows",
    ),
    (_two_sections(), 1008, "interactive.action.sections[0].title is required"),
    (
        _two_sections(title="A", product_items=[{"product_retailer_id": "p"}]),
        1010,
        "interactive.action.sections[0].product_items",
    ),
    (
        _interactive("product", {"catalog_id": "c"}),
        1008,
        "interactive.action.product_retailer_id is required",
    ),
    (
        _interactive("product_list", {"catalog_id": "c", "sections": [{"product_items": []}]}, **BODY),
        1008,
        "interactive.header is required",
    ),
    (
        _interactive("button", {"buttons": [BUTTON]}, header={"type": "image"}, **BODY),
        1008,
        "interactive.header.image is required",
    ),
    (_interactive("carousel", {}), 1009, "interactive.type:"),
    ({"type": "interactive", "interactive": {"type": "button"}}, 1008, "interactive.action is required"),
]


@pytest.mark.parametrize(("message", "code", "details"), INVALID, ids=lambda v: str(v)[:40])
def test_invalid_messages(message: dict[str, Any], code: int, details: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_message(TO | message)
    assert caught.value.code == code
    assert caught.value.details.startswith(details), caught.value.details


def test_a_body_that_is_no_object_is_1025() -> None:
    with pytest.raises(ApiError) as caught:
        parse_message([TO])
    assert caught.value.code == 1025


def test_media_objects_are_found_everywhere() -> None:
    header = {"type": "image", "image": {"id": "h"}}
    interactive = parse_message(TO | _interactive("button", {"buttons": [BUTTON]}, header=header, **BODY))
    assert [(path, media.id) for path, media in media_objects(interactive)] == [
        ("interactive.header.image", "h")
    ]
    template = parse_message(TO | {"type": "template", "template": TEMPLATE})
    assert [path for path, _ in media_objects(template)] == ["template.components[0].parameters[0].image"]
    document = parse_message(TO | {"type": "document", "document": {"id": "d"}})
    assert [(path, media.id) for path, media in media_objects(document)] == [("document", "d")]
