from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from wabiz.kit.errors import ApiError
from wabiz.webapp.health import health_payload, prometheus_text
from wabiz.webapp.media_rules import canonical, media_problem
from wabiz.webapp.message_schemas import MessageRequest, check_message


def _code(message: dict[str, Any]) -> int | None:
    try:
        check_message(MessageRequest.model_validate(message))
    except ApiError as exc:
        return exc.code
    return None


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"to": "1", "type": "text", "text": {"body": "ok"}}, None),
        ({"to": "1", "text": {"body": "type defaults to text"}}, None),
        ({"to": "1", "type": "text", "text": {"body": "x" * 4097}}, 1001),
        ({"to": "1", "type": "text", "text": {"body": "x"}, "recipient_type": "group"}, 1002),
        ({"to": "1", "type": "image"}, 1008),
        ({"to": "1", "type": "text", "text": {"body": "x"}, "image": {"id": "m"}}, 1010),
        ({"to": "1", "type": "audio", "audio": {"id": "m", "caption": "no"}}, 1010),
        ({"to": "1", "type": "image", "image": {"id": "m", "link": "https://x"}}, 1009),
        ({"to": "1", "type": "image", "image": {}}, 1009),
        ({"to": "1", "type": "document", "document": {"link": "https://x/a.pdf", "filename": "a.pdf"}}, None),
        (
            {
                "to": "1",
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": {"text": "pick"},
                    "action": {"sections": [{"rows": [{"id": str(i)} for i in range(11)]}]},
                },
            },
            1009,
        ),
    ],
)
def test_message_rules(message: dict[str, Any], code: int | None) -> None:
    assert _code(message) == code


def test_schema_refuses_unknown_fields_and_wrong_types() -> None:
    with pytest.raises(ValidationError):
        MessageRequest.model_validate({"to": "1", "type": "text", "text": {"body": 5}})
    with pytest.raises(ValidationError):
        MessageRequest.model_validate({"to": "1", "type": "text", "text": {"body": "x"}, "colour": "red"})


@pytest.mark.parametrize(
    ("content_type", "size", "ok"),
    [
        ("image/png", 5 * 1024 * 1024, True),
        ("image/png", 5 * 1024 * 1024 + 1, False),
        ("image/webp", 500 * 1024 + 1, False),
        ("audio/ogg; codecs=opus", 1000, True),
        ("application/pdf", 90 * 1024 * 1024, True),
        ("image/gif", 10, False),
        ("image/png", 0, False),
        ("", 10, False),
    ],
)
def test_media_rules(content_type: str, size: int, ok: bool) -> None:
    assert (media_problem(content_type, size) is None) is ok


def test_canonical_mime() -> None:
    assert canonical("Image/PNG; charset=x") == "image/png"
    assert canonical("audio/ogg; codecs=opus") == "audio/ogg; codecs=opus"


def test_health_shapes() -> None:
    assert health_payload([], None, registered=False) == {"gateway_status": "unregistered"}
    one = [{"id": "a", "hostname": "h", "gateway_status": "connected"}]
    assert health_payload(one, "a", True) == {"gateway_status": "connected"}
    two = [*one, {"id": "b", "hostname": "h", "gateway_status": "connected"}]
    assert health_payload(two, "a", True) == {
        "h:a": {"gateway_status": "connected", "role": "primary_master"},
        "h:b": {"gateway_status": "connected", "role": "coreapp"},
    }


def test_prometheus_text() -> None:
    assert prometheus_text("app", {"callbacks_pending": 3}) == (
        "# TYPE wabiz_app_callbacks_pending gauge\nwabiz_app_callbacks_pending 3\n"
    )
