"""The control API's pieces: runtime behaviour switches and simulated inbound messages."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wabiz.kit.media_types import RECEIVED_MEDIA
from wabiz.kit.phone import normalize
from wabiz.sandbox.rules import is_whatsapp_user
from wabiz.sandbox.samples import default_mime, sample_bytes
from wabiz.sandbox.state import SandboxState, new_wamid

PASS_THROUGH_KINDS = frozenset(
    {"text", "location", "contacts", "interactive", "button", "reaction", "system"}
)


class Behaviour(BaseModel):
    """What tests may change while the sandbox runs (`PATCH /control/config`)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    webhook_url: str | None = None
    sent_delay: float = Field(0.05, ge=0, le=3600)
    delivered_delay: float = Field(0.1, ge=0, le=3600)
    read_delay: float = Field(0.2, ge=0, le=3600)
    failure_rate: float = Field(0.0, ge=0, le=1)
    enforce_window: bool = True
    seed: int = 0


class ControlError(Exception):
    """A control request the sandbox cannot carry out; answered `{"error": <why>}` with `status`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _media_object(kind: str, given: dict[str, Any], state: SandboxState) -> dict[str, Any]:
    mime_type = str(given.get("mime_type") or default_mime(kind))
    if "data" in given:
        try:
            data = base64.b64decode(str(given["data"]), validate=True)
        except (binascii.Error, ValueError):
            raise ControlError(f"{kind}.data must be base64") from None
    else:
        data = sample_bytes(kind, mime_type)
    media_id = state.store_media(data, mime_type)
    media = state.media[media_id]
    out: dict[str, Any] = {"id": media_id, "mime_type": mime_type, "sha256": media.sha256}
    for optional in ("caption", "filename"):
        if optional in given:
            out[optional] = given[optional]
    if kind == "voice":
        out["voice"] = True
    return out


def _typed_object(kind: str, request: dict[str, Any], state: SandboxState) -> Any:
    """The message's typed object; media gets stored bytes (given or generated) and an id."""
    given = request.get(kind, {})
    if kind in RECEIVED_MEDIA:
        if not isinstance(given, dict):
            raise ControlError(f"{kind} must be an object")
        return _media_object(kind, given, state)
    if kind not in request:
        raise ControlError(f"a {kind} message needs a {kind!r} object")
    if kind == "text" and not (isinstance(given, dict) and isinstance(given.get("body"), str)):
        raise ControlError('a text message needs text: {"body": "<string>"}')
    return given


def inbound_message(request: Any, state: SandboxState) -> tuple[str, dict[str, Any]]:
    """(user wa_id, Cloud API message object) for a `POST /control/inbound` body."""
    if not isinstance(request, dict):
        raise ControlError("the body must be a JSON object")
    user = normalize(str(request.get("from", "")))
    if not user or not is_whatsapp_user(user):
        raise ControlError("from must be a WhatsApp user's number (8-15 digits, not ending in 0000)")
    kind = request.get("type")
    if kind not in RECEIVED_MEDIA | PASS_THROUGH_KINDS:
        raise ControlError(
            f"type {kind!r} is not supported; use one of {sorted(RECEIVED_MEDIA | PASS_THROUGH_KINDS)}"
        )
    message: dict[str, Any] = {
        "from": user,
        "id": new_wamid(),
        "timestamp": str(int(time.time())),
        "type": kind,
        kind: _typed_object(kind, request, state),
    }
    if isinstance(request.get("context"), dict):
        message["context"] = request["context"]
    return user, message
