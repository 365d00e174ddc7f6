"""The sandbox's documented, deterministic rules (docs/sandbox.md)."""

from __future__ import annotations

import hashlib
from typing import Any

from wabiz.kit.phone import normalize

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


def contact_status(number: Any) -> dict[str, Any]:
    """The contacts extension's answer for one input: `wa_id` only when it is a WhatsApp user."""
    digits = normalize(str(number))
    if digits is None or not is_whatsapp_user(digits):
        return {"input": number, "status": "invalid"}
    return {"input": number, "status": "valid", "wa_id": digits}


def send_problem(body: dict[str, Any]) -> str | None:
    """Why the Cloud API refuses a send body at once (400, code 100), or None to accept it.

    Only the envelope is checked here; what the network finds later (not a user, closed window,
    unknown template, unsupported type) ends in a `failed` status instead, as on the real network.
    """
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    if body.get("recipient_type", "individual") != "individual":
        return "recipient_type must be 'individual'"
    kind = body.get("type", "text")
    if kind in SENDABLE_TYPES and not isinstance(body.get(kind), dict | list):
        return f"a {kind} message needs a {kind!r} object"
    return None


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


def billing(pnid: str, recipient: str, category: str) -> dict[str, Any]:
    """The `conversation` and `pricing` objects Meta puts on `sent` and `delivered` statuses.

    Per-message pricing (since July 2025): replies inside the customer service window are free
    (`service`); templates are billed by their category. The conversation id is derived from the
    parties and category so that the same seed and traffic give the same payloads.
    """
    conversation_id = hashlib.sha256(f"{pnid}:{recipient}:{category}".encode()).hexdigest()[:32]
    billable = category != "service"
    return {
        "conversation": {"id": conversation_id, "origin": {"type": category}},
        "pricing": {
            "billable": billable,
            "pricing_model": "PMP",
            "type": "regular" if billable else "free_customer_service",
            "category": category,
        },
    }
