from __future__ import annotations

import pytest

from wabiz.sandbox import rules
from wabiz.sandbox.control import InboundError, inbound_message
from wabiz.sandbox.events import MAX_STATUSES_PER_POST, batch_events
from wabiz.sandbox.state import SandboxState
from wabiz.sandbox.templates import template_error


@pytest.mark.parametrize(
    ("number", "user"),
    [
        ("16315551181", True),
        ("12345678", True),
        ("1234567", False),
        ("1" * 16, False),
        ("16315550000", False),
    ],
)
def test_who_is_a_whatsapp_user(number: str, user: bool) -> None:
    assert rules.is_whatsapp_user(number) is user


def test_window_and_delivery_errors() -> None:
    assert rules.window_open(1000.0, 1000.0 + 3600)
    assert not rules.window_open(1000.0, 1000.0 + 25 * 3600)
    assert not rules.window_open(None, 0)
    assert (
        rules.delivery_error("text", "16315551181", window_is_open=False, enforce_window=True)
        == rules.REENGAGEMENT
    )
    assert rules.delivery_error("template", "16315551181", window_is_open=False, enforce_window=True) is None
    assert rules.delivery_error("text", "16315551181", window_is_open=False, enforce_window=False) is None
    assert (
        rules.delivery_error("text", "16315550000", window_is_open=True, enforce_window=True)
        == rules.NOT_A_USER
    )
    assert rules.delivery_error("hologram", "16315551181", True, True) == rules.UNSUPPORTED_TYPE


def test_templates() -> None:
    hello = {"name": "hello_world", "language": {"code": "en_US"}}
    assert template_error(hello) is None
    assert template_error({"name": "nope", "language": {"code": "en_US"}}) == rules.TEMPLATE_MISSING
    order = {
        "name": "order_update",
        "language": {"code": "es"},
        "components": [{"type": "body", "parameters": [{}]}],
    }
    assert template_error(order) == rules.TEMPLATE_PARAMS


def test_statuses_are_batched_per_business_in_order() -> None:
    events = [("status", "b1", {"n": i}) for i in range(3)]
    events += [("message", "b1", {"messages": []}), ("status", "b1", {"n": 3}), ("status", "b2", {"n": 4})]
    bodies = batch_events(events)
    values = [b["entry"][0]["changes"][0]["value"] for b in bodies]
    assert [len(v.get("statuses", [])) for v in values] == [3, 0, 1, 1]
    assert [b["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] for b in bodies] == [
        "b1",
        "b1",
        "b1",
        "b2",
    ]
    many = batch_events([("status", "b", {"n": i}) for i in range(MAX_STATUSES_PER_POST + 1)])
    assert len(many) == 2


def test_duplicates_are_counted_by_client_id() -> None:
    state = SandboxState()
    first = state.record_send("1631", {"type": "text", "biz_opaque_callback_data": "gB1"})
    again = state.record_send("1631", {"type": "text", "biz_opaque_callback_data": "gB1"})
    assert first is again
    summary = state.summary(None)
    assert (summary["total"], summary["unique"], summary["duplicates"]) == (2, 1, 1)


def test_inbound_control_messages() -> None:
    state = SandboxState()
    user, message = inbound_message({"from": "+1 631 555 1181", "type": "image", "image": {}}, state)
    assert user == "16315551181"
    assert message["image"]["mime_type"] == "image/png"
    assert state.media[message["image"]["id"]].data.startswith(b"\x89PNG")
    with pytest.raises(InboundError):
        inbound_message({"from": "16315550000", "type": "text", "text": {"body": "x"}}, state)
    with pytest.raises(InboundError):
        inbound_message({"from": "16315551181", "type": "hologram"}, state)
    with pytest.raises(InboundError):
        inbound_message({"from": "16315551181", "type": "image", "image": {"data": "***"}}, state)
