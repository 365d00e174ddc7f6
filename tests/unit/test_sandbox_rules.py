from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from wabiz.sandbox import rules
from wabiz.sandbox.control import ControlError, inbound_message
from wabiz.sandbox.events import MAX_STATUSES_PER_POST, batch_events
from wabiz.sandbox.state import SandboxState
from wabiz.sandbox.templates import default_catalogue, load_catalogue


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


def test_default_template_catalogue() -> None:
    catalogue = default_catalogue()
    assert catalogue.error({"name": "hello_world", "language": {"code": "en_US"}}) is None
    assert catalogue.error({"name": "nope", "language": {"code": "en_US"}}) == rules.TEMPLATE_MISSING
    assert catalogue.error({"name": "otp", "language": {"code": "es"}}) == rules.TEMPLATE_MISSING
    assert catalogue.error("not a template") == rules.TEMPLATE_MISSING
    order = {
        "name": "order_update",
        "language": {"code": "es"},
        "components": [{"type": "body", "parameters": [{}]}],
    }
    assert catalogue.error(order) == rules.TEMPLATE_PARAMS
    order["components"][0]["parameters"].append({})
    assert catalogue.error(order) is None


def test_templates_file(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    entry = {"name": "welcome", "language": "de", "body_parameters": 1, "category": "marketing"}
    path.write_text(json.dumps({"namespace": "acme", "templates": [entry]}))
    catalogue = load_catalogue(path)
    welcome = {
        "name": "welcome",
        "language": {"code": "de"},
        "components": [{"type": "body", "parameters": [{}]}],
    }
    assert catalogue.error(welcome) is None
    assert catalogue.error({"name": "hello_world", "language": {"code": "en_US"}}) == rules.TEMPLATE_MISSING
    assert catalogue.listing() == {"namespace": "acme", "templates": [entry]}
    assert load_catalogue(None).namespace == "wabiz_sandbox"
    path.write_text(json.dumps({"templates": [{"name": "x", "language": "en", "category": "gossip"}]}))
    with pytest.raises(ValidationError):
        load_catalogue(path)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"messaging_product": "whatsapp", "to": "1", "type": "text", "text": {"body": "x"}}, None),
        ({"messaging_product": "whatsapp", "to": "1", "type": "hologram"}, None),
        ({"to": "1", "type": "text", "text": {"body": "x"}}, "messaging_product"),
        (
            {"messaging_product": "whatsapp", "recipient_type": "group", "text": {"body": "x"}},
            "recipient_type",
        ),
        ({"messaging_product": "whatsapp", "to": "1", "type": "image"}, "'image' object"),
        ({"messaging_product": "whatsapp", "to": "1"}, "'text' object"),
    ],
)
def test_send_envelope_problems(body: dict[str, object], problem: str | None) -> None:
    found = rules.send_problem(body)
    assert found is None if problem is None else problem in str(found)


def test_contact_status() -> None:
    assert rules.contact_status("+1 631-555-1181") == {
        "input": "+1 631-555-1181",
        "status": "valid",
        "wa_id": "16315551181",
    }
    assert rules.contact_status("+1 631-555-0000") == {"input": "+1 631-555-0000", "status": "invalid"}
    assert rules.contact_status("call me") == {"input": "call me", "status": "invalid"}


def test_billing_is_free_inside_the_service_window() -> None:
    service = rules.billing("1555", "1631", "service")
    assert service["pricing"] == {
        "billable": False,
        "pricing_model": "PMP",
        "type": "free_customer_service",
        "category": "service",
    }
    marketing = rules.billing("1555", "1631", "marketing")
    assert marketing["pricing"]["billable"] is True
    assert marketing["conversation"]["origin"] == {"type": "marketing"}
    assert rules.billing("1555", "1631", "service") == service, "deterministic"


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
    _, message = inbound_message({"from": "16315551181", "type": "document", "document": {}}, state)
    pdf = state.media[message["document"]["id"]]
    assert (pdf.mime_type, pdf.data[:5], pdf.data.rstrip()[-5:]) == ("application/pdf", b"%PDF-", b"%%EOF")
    with pytest.raises(ControlError):
        inbound_message({"from": "16315550000", "type": "text", "text": {"body": "x"}}, state)
    with pytest.raises(ControlError):
        inbound_message({"from": "16315551181", "type": "hologram"}, state)
    with pytest.raises(ControlError):
        inbound_message({"from": "16315551181", "type": "image", "image": {"data": "***"}}, state)
    with pytest.raises(ControlError, match="body"):
        inbound_message({"from": "16315551181", "type": "text", "text": {}}, state)
    with pytest.raises(ControlError, match="needs a 'location' object"):
        inbound_message({"from": "16315551181", "type": "location"}, state)
