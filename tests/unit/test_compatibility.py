"""The translations that let On-Premises clients' requests through unchanged (pure functions;
the requests themselves: tests/db/test_compatibility.py)."""

from __future__ import annotations

from typing import Any

import pytest

from wabiz.kit.appsettings import (
    INTEGER_SETTINGS,
    ApplicationSettings,
    apply_patch,
    deep_merge,
    numbers_from_strings,
)
from wabiz.kit.errors import ApiError
from wabiz.webapp.bodies import without_nulls
from wabiz.webapp.messages.rules import parse_message
from wabiz.webapp.messages.schemas import TemplateMessage


def _hsm(**fields: Any) -> dict[str, Any]:
    hsm = {
        "namespace": "cdb2b348_8a06_4fd0_a7b0_2d3c0a4a6a45",
        "element_name": "order_ready",
        "language": {"policy": "deterministic", "code": "en"},
    }
    return {"to": "16315551181", "type": "hsm", "hsm": hsm | fields}


def test_nulls_are_left_out_at_any_depth() -> None:
    raw = {"a": None, "b": {"c": None, "d": 1}, "e": [{"f": None}, 2], "g": False}
    assert without_nulls(raw) == {"b": {"d": 1}, "e": [{}, 2], "g": False}


def test_null_optional_fields_of_a_message_are_absent() -> None:
    message = parse_message(
        {"to": "16315551181", "type": "text", "text": {"body": "hi"}, "ttl": None, "context": None}
    )
    assert message.ttl is None
    assert message.context is None


def test_a_null_required_field_is_missing() -> None:
    with pytest.raises(ApiError) as raised:
        parse_message({"to": "16315551181", "type": "text", "text": {"body": None}})
    assert (raised.value.code, raised.value.details) == (1008, "text.body is required")


def test_hsm_becomes_a_template_with_body_parameters() -> None:
    params = [
        {"default": "Ana"},
        {"default": "$100.99", "currency": {"currency_code": "USD", "amount_1000": 100990}},
        {"default": "February 25, 1977", "date_time": {"component": {"year": 1977, "month": 2}}},
        {"default": "tomorrow", "date_time": {"unix_epoch": {"timestamp": 1485470276}}},
    ]
    message = parse_message(_hsm(localizable_params=params) | {"ttl": 60})
    assert isinstance(message, TemplateMessage)
    assert message.ttl == 60, "the message's common fields stay"
    assert message.model_dump(exclude_none=True)["template"] == {
        "namespace": "cdb2b348_8a06_4fd0_a7b0_2d3c0a4a6a45",
        "name": "order_ready",
        "language": {"policy": "deterministic", "code": "en"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana"},
                    {
                        "type": "currency",
                        "currency": {"fallback_value": "$100.99", "code": "USD", "amount_1000": 100990},
                    },
                    {"type": "date_time", "date_time": {"fallback_value": "February 25, 1977"}},
                    {"type": "date_time", "date_time": {"fallback_value": "tomorrow"}},
                ],
            }
        ],
    }


def test_hsm_without_params_and_with_the_retired_fallback_policy() -> None:
    message = parse_message(_hsm(language={"policy": "fallback", "code": "pt_BR"}))
    assert isinstance(message, TemplateMessage)
    assert message.template.components == []
    assert message.template.language.model_dump() == {"policy": "deterministic", "code": "pt_BR"}


@pytest.mark.parametrize(
    ("hsm", "code", "field"),
    [
        ({"element_name": None}, 1008, "hsm.element_name"),
        ({"localizable_params": [{"default": "a", "text": "x"}]}, 1010, "hsm.localizable_params[0].text"),
        ({"localizable_params": [{}]}, 1008, "hsm.localizable_params[0].default"),
        (
            {
                "localizable_params": [
                    {"default": "1", "currency": {"currency_code": "usd", "amount_1000": 1}}
                ]
            },
            1009,
            "hsm.localizable_params[0].currency.currency_code",
        ),
        ({"language": {"policy": "nearest", "code": "en"}}, 1009, "hsm.language.policy"),
    ],
)
def test_bad_hsm_names_the_field(hsm: dict[str, Any], code: int, field: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_message(_hsm(**hsm))
    assert raised.value.code == code
    assert field in raised.value.details


def test_hsm_parameters_over_the_template_limits_name_the_template_field() -> None:
    param = {"default": "x" * 300, "currency": {"currency_code": "EUR", "amount_1000": 1}}
    with pytest.raises(ApiError) as raised:
        parse_message(_hsm(localizable_params=[param]))
    assert raised.value.code == 1009
    assert "template.components[0].parameters[0].currency.fallback_value" in raised.value.details


@pytest.mark.parametrize("kind", ["text", "image", "location"])
def test_common_on_premises_fields_on_every_type(kind: str) -> None:
    typed = {
        "text": {"body": "hi @16315551182"},
        "image": {"link": "https://example.com/a.jpg"},
        "location": {"latitude": 1.5, "longitude": 2.5},
    }[kind]
    raw = {"to": "16315551181", "type": kind, kind: typed}
    message = parse_message(
        raw | {"recipient_type": "individual", "preview_url": True, "render_mentions": True}
    )
    assert message.render_mentions is True
    with pytest.raises(ApiError) as raised:
        parse_message(raw | {"recipient_type": "group"})
    assert raised.value.code == 1002


def test_integer_settings_as_strings() -> None:
    patch = {
        "webhooks": {"max_concurrent_requests": "12", "url": "https://example.com/12"},
        "callback_backoff_delay_ms": "3000",
        "max_callback_backoff_delay_ms": "900000",
        "heartbeat_interval": "5",
        "unhealthy_interval": "30",
        "callback_persist": True,
    }
    assert numbers_from_strings(patch) == {
        "webhooks": {"max_concurrent_requests": 12, "url": "https://example.com/12"},
        "callback_backoff_delay_ms": 3000,
        "max_callback_backoff_delay_ms": 900000,
        "heartbeat_interval": 5,
        "unhealthy_interval": 30,
        "callback_persist": True,
    }
    assert patch["callback_backoff_delay_ms"] == "3000", "the caller's patch is left alone"


@pytest.mark.parametrize("value", ["3e3", "-5", " 30", "٣٠", "1" * 13, "", "thirty"])
def test_only_plain_digits_become_numbers(value: str) -> None:
    assert numbers_from_strings({"heartbeat_interval": value}) == {"heartbeat_interval": value}
    with pytest.raises(ApiError) as raised:
        apply_patch({}, {"heartbeat_interval": value})
    assert raised.value.code == 1009


def test_every_integer_setting_is_listed() -> None:
    """A new integer setting must be added to INTEGER_SETTINGS, or clients' strings fail."""

    def integers(schema: dict[str, Any], path: tuple[str, ...]) -> set[tuple[str, ...]]:
        found = set()
        for name, field in schema.get("properties", {}).items():
            if field.get("type") == "integer" or all(isinstance(v, int) for v in field.get("enum", [""])):
                found.add((*path, name))
            found |= integers(defs.get(field.get("$ref", "").split("/")[-1], field), (*path, name))
        return found

    schema = ApplicationSettings.model_json_schema()
    defs = schema.get("$defs", {})
    assert integers(schema, ()) == set(INTEGER_SETTINGS)


def test_null_resets_a_setting_to_its_default() -> None:
    stored = {
        "webhooks": {"url": "https://example.com/h", "max_concurrent_requests": 12},
        "pass_through": True,
    }
    patch = {"webhooks": {"url": None}, "pass_through": None, "sent_status": None}
    assert deep_merge(stored, patch) == {"webhooks": {"max_concurrent_requests": 12}}
