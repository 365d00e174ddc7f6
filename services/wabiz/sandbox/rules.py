"""The sandbox's documented, deterministic rules (docs/sandbox.md)."""

from __future__ import annotations

from typing import Any

WINDOW_SECONDS = 24 * 3600

# Cloud API error codes the sandbox emits.
NOT_A_USER = 131026
REENGAGEMENT = 131047
UNSUPPORTED_TYPE = 131051
TEMPLATE_MISSING = 132001
TEMPLATE_PARAMS = 132000
GENERIC = 131000

ERROR_TITLES = {
    NOT_A_USER: "Message undeliverable",
    REENGAGEMENT: "Re-engagement message",
    UNSUPPORTED_TYPE: "Unsupported message type",
    TEMPLATE_MISSING: "Template name does not exist in the translation",
    TEMPLATE_PARAMS: "Number of parameters does not match the expected number of params",
    GENERIC: "Something went wrong",
}

SENDABLE_TYPES = frozenset(
    {
        "text",
        "image",
        "video",
        "audio",
        "document",
        "sticker",
        "location",
        "contacts",
        "template",
        "interactive",
    }
)


def is_whatsapp_user(digits: str) -> bool:
    """8–15 digits is a user, unless the number ends in 0000 (the sandbox's "no WhatsApp" block)."""
    return digits.isdigit() and 8 <= len(digits) <= 15 and not digits.endswith("0000")


def window_open(last_inbound_at: float | None, now: float) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < WINDOW_SECONDS


def delivery_error(
    message_type: str, recipient: str, window_is_open: bool, enforce_window: bool
) -> int | None:
    """The Cloud error code a send ends with, or None when it is delivered."""
    if message_type not in SENDABLE_TYPES:
        return UNSUPPORTED_TYPE
    if not is_whatsapp_user(recipient):
        return NOT_A_USER
    if message_type != "template" and enforce_window and not window_is_open:
        return REENGAGEMENT
    return None


def count_body_parameters(template: dict[str, Any]) -> int:
    return sum(
        len(component.get("parameters", []))
        for component in template.get("components", []) or []
        if isinstance(component, dict) and component.get("type") == "body"
    )
