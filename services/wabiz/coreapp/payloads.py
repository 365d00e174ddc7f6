"""Pure translations between the On-Premises contract and the Cloud API wire format.

Outgoing: an On-Premises message → a Cloud API send body. Incoming: Cloud API webhook values →
flat On-Premises callback payloads (§9 of the contract), with upstream error codes mapped to the
contract's message-level codes. Cloud codes without an On-Premises counterpart become 500 and keep
the upstream code and text in `details`, so nothing an operator needs is lost in translation.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from wabiz.kit.media_types import RECEIVED_MEDIA, SENDABLE_MEDIA

# Cloud API error code → (On-Premises code, title). Template failures keep the original client's
# own template codes (2000 parameter count mismatch, 2001 template missing), which integrations
# written for it already handle, rather than a generic 1009.
ERROR_CODES: dict[int, tuple[int, str]] = {
    131047: (
        470,
        "Message failed to send because more than 24 hours have passed since the customer last replied",
    ),
    131026: (1013, "User is not valid"),
    130429: (429, "Rate limit hit"),
    131051: (501, "Unsupported message type"),
    131056: (471, "Spam rate limit hit"),
    132000: (2000, "Template param count mismatch"),
    132001: (2001, "Template missing"),
    131052: (400, "Media download error"),
    131053: (400, "Media download error"),
}

STATUS_RANK = {"queued": 0, "sent_upstream": 1, "sent": 2, "delivered": 3, "read": 4, "failed": 5}


def map_error(code: int, details: str = "") -> dict[str, Any]:
    mapped, title = ERROR_CODES.get(code, (500, "Generic error"))
    error: dict[str, Any] = {"code": mapped, "title": title}
    if mapped == 500 and details:
        error["details"] = f"upstream error {code}: {details}"
    return error


def to_cloud(message: dict[str, Any], our_id: str, upstream_media_id: str | None = None) -> dict[str, Any]:
    """The Cloud API body for an On-Premises message (already validated by the WebApp)."""
    kind = message["type"]
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message["to"],
        "type": kind,
        "biz_opaque_callback_data": our_id,
    }
    typed = copy.deepcopy(message.get(kind))
    if kind in SENDABLE_MEDIA and isinstance(typed, dict):
        typed.pop("provider", None)
        if upstream_media_id is not None:
            typed.pop("link", None)  # a provider's link, fetched and uploaded: sent by id
            typed["id"] = upstream_media_id
    elif kind == "text" and isinstance(typed, dict) and "preview_url" in message:
        typed["preview_url"] = message["preview_url"]
    elif kind == "template" and isinstance(typed, dict):
        typed.pop("namespace", None)
        typed["language"] = {"code": typed.get("language", {}).get("code")}
    body[kind] = typed
    if isinstance(message.get("context"), dict):
        body["context"] = {"message_id": message["context"].get("message_id")}
    return body


def _upstream_details(error: dict[str, Any]) -> str:
    data = error.get("error_data")
    details = (data.get("details") if isinstance(data, dict) else None) or error.get("message")
    return str(details or error.get("title") or "")


def upstream_error(error: dict[str, Any]) -> dict[str, Any]:
    """One Cloud API error object (`{code, title, message, error_data: {details}}`) mapped."""
    code = error.get("code")
    return map_error(code if isinstance(code, int) else 0, _upstream_details(error))


def status_item(our_id: str, recipient: str, status: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": our_id,
        "recipient_id": recipient,
        "status": status["status"],
        "timestamp": str(status.get("timestamp", "")),
    }
    errors = status.get("errors")
    if errors:
        item["errors"] = [upstream_error(e) for e in errors if isinstance(e, dict)]
    for optional in ("conversation", "pricing"):
        if optional in status:
            item[optional] = status[optional]
    return item


def failed_item(our_id: str, recipient: str, code: int, details: str, timestamp: int) -> dict[str, Any]:
    return {
        "id": our_id,
        "recipient_id": recipient,
        "status": "failed",
        "timestamp": str(timestamp),
        "errors": [map_error(code, details)],
    }


def errors_payload(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Out-of-band upstream errors: §9 wants `{code, title, details}` for each."""
    items = []
    for error in errors:
        item = upstream_error(error)
        item.setdefault("details", _upstream_details(error) or item["title"])
        items.append(item)
    return {"errors": items}


def inbound_payload(
    contacts: list[dict[str, Any]], message: dict[str, Any], media_id: str | None
) -> dict[str, Any]:
    """The flat callback for one inbound message; media carries our id instead of upstream's."""
    out = copy.deepcopy(message)
    kind = str(out.get("type"))
    if media_id is not None and isinstance(out.get(kind), dict):
        out[kind]["id"] = media_id
        out[kind].pop("url", None)
    sender = [c for c in contacts if c.get("wa_id") == out.get("from")] or contacts[:1]
    return {"contacts": sender, "messages": [out]}


def changes(webhook: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The `value` objects of a Cloud API webhook body."""
    for entry in webhook.get("entry", []) or []:
        for change in entry.get("changes", []) or []:
            if change.get("field") == "messages" and isinstance(change.get("value"), dict):
                yield change["value"]


def inbound_media(message: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """(upstream media id, mime type, sha256) of an inbound media message, else None."""
    kind = message.get("type")
    typed = message.get(kind) if isinstance(kind, str) else None
    if kind in RECEIVED_MEDIA and isinstance(typed, dict) and "id" in typed:
        return str(typed["id"]), str(typed.get("mime_type", "application/octet-stream")), typed.get("sha256")
    return None
