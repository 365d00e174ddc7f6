"""Media providers: what is accepted, how credentials are shown and sent (`kit/media_providers.py`),
and which fetched types a message kind may carry (`coreapp/link_media.py`)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError

from wabiz.coreapp.link_media import limit_for
from wabiz.coreapp.payloads import to_cloud
from wabiz.gateway.base import UpstreamError
from wabiz.kit.errors import ApiError
from wabiz.kit.media_providers import MASK, MediaProvider, added, authorization, masked
from wabiz.webapp.messages.rules import parse_message
from wabiz.webapp.providers.service import parse_providers

BASIC = {"name": "cdn", "type": "www", "config": {"basic": {"username": "bob", "password": "s3cret:pw"}}}
BEARER = {"name": "files", "type": "www", "config": {"bearer": "tok-123"}}
BEARER_OBJECT = {"name": "files2", "type": "www", "config": {"bearer": {"token": "tok-456"}}}


def test_both_on_premises_shapes_are_accepted_and_masked() -> None:
    basic, bearer, bearer_object = parse_providers([BASIC, BEARER, BEARER_OBJECT])
    assert masked(basic)["config"] == {"basic": {"username": "bob", "password": MASK}}
    assert masked(bearer)["config"] == {"bearer": MASK}
    assert masked(bearer_object)["config"] == {"bearer": {"token": MASK}}
    assert basic.config.basic is not None and basic.config.basic.password == "s3cret:pw", "stored as sent"


def test_the_authorization_header() -> None:
    basic, bearer, bearer_object = parse_providers([BASIC, BEARER, BEARER_OBJECT])
    assert authorization(basic) == "Basic " + base64.b64encode(b"bob:s3cret:pw").decode()
    assert authorization(bearer) == "Bearer tok-123"
    assert authorization(bearer_object) == "Bearer tok-456"


def test_adding_replaces_by_name_in_place() -> None:
    first, second = parse_providers([BASIC, BEARER])
    (replacement,) = parse_providers([BASIC | {"config": {"bearer": "new"}}])
    assert [p.name for p in added([first, second], [replacement])] == ["cdn", "files"]
    assert added([first, second], [replacement])[0] is replacement


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, 1025, "list"),
        ([], 1009, "at least 1"),
        ([BASIC | {"type": "s3"}], 1009, "[0].type"),
        ([BASIC | {"name": "../etc"}], 1009, "[0].name"),
        ([BASIC | {"config": {}}], 1009, "exactly one"),
        (
            [BASIC | {"config": {"basic": {"username": "a"}, "bearer": "b"}}],
            1008,
            "[0].config.basic.password",
        ),
        ([BASIC | {"config": {"basic": {"username": "a:b", "password": "p"}}}], 1009, "username"),
        ([BASIC | {"colour": "red"}], 1010, "[0].colour"),
    ],
)
def test_bad_providers_name_the_field(body: Any, code: int, field: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_providers(body)
    assert raised.value.code == code
    assert field in raised.value.details, raised.value.details


def test_a_provider_goes_only_with_the_messages_own_media() -> None:
    link = {"link": "https://example.com/a.jpg", "provider": {"name": "cdn"}}
    assert parse_message({"to": "16315551181", "type": "image", "image": link})
    header = {"type": "image", "image": link}
    action = {"buttons": [{"type": "reply", "reply": {"id": "1", "title": "ok"}}]}
    interactive = {"type": "button", "header": header, "body": {"text": "hi"}, "action": action}
    with pytest.raises(ApiError) as raised:
        parse_message({"to": "16315551181", "type": "interactive", "interactive": interactive})
    assert (raised.value.code, raised.value.details.split(":")[0]) == (
        1010,
        "interactive.header.image.provider",
    )


def test_fetched_link_media_is_sent_by_id() -> None:
    message = {
        "to": "16315551181",
        "type": "image",
        "image": {"link": "https://x/a.jpg", "provider": {"name": "cdn"}},
    }
    assert to_cloud(message, "gBid", "upstream-7")["image"] == {"id": "upstream-7"}
    assert to_cloud(message, "gBid")["image"] == {"link": "https://x/a.jpg"}, "without a provider: a link"


@pytest.mark.parametrize(
    ("kind", "mime", "limit"),
    [("image", "image/png", 5 * 1024 * 1024), ("document", "application/pdf", 100 * 1024 * 1024)],
)
def test_the_kind_decides_the_types_and_limit(kind: str, mime: str, limit: int) -> None:
    assert limit_for(kind, mime) == limit


@pytest.mark.parametrize(
    ("kind", "mime"), [("image", "image/gif"), ("image", "text/html"), ("sticker", "image/png")]
)
def test_a_type_the_kind_cannot_carry_fails_the_message(kind: str, mime: str) -> None:
    with pytest.raises(UpstreamError) as raised:
        limit_for(kind, mime)
    assert (raised.value.code, raised.value.retryable) == (131052, False)


def test_a_provider_model_is_strict() -> None:
    with pytest.raises(ValidationError, match="bearer"):
        MediaProvider.model_validate(BASIC | {"config": {"bearer": 5}})
