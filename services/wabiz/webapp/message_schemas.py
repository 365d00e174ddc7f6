"""The message objects of `POST /v1/messages`, strict: unknown fields are 1010, wrong types 1009.

Limits the schema cannot say (body length → 1001, the typed object matching `type`, buttons and
rows per interactive message, captions only where allowed) are checked in `check_message`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wabiz.kit.errors import (
    InvalidParameter,
    InvalidRecipientType,
    MessageTooLong,
    MissingParameter,
    UnexpectedParameter,
)

MAX_TEXT = 4096
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
CAPTIONED = frozenset({"image", "video", "document"})
TYPES = ("text", *MEDIA_TYPES, "location", "contacts", "template", "interactive")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Text(_Strict):
    body: str
    preview_url: bool | None = None  # the Cloud API's place for it; the top-level field works too


class Provider(_Strict):
    name: str


class MediaObject(_Strict):
    id: str | None = None
    link: Annotated[str, Field(pattern=r"^https?://", max_length=2048)] | None = None
    caption: Annotated[str, Field(max_length=1024)] | None = None
    filename: Annotated[str, Field(max_length=255)] | None = None
    provider: Provider | None = None


class Location(_Strict):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    name: str | None = None
    address: str | None = None


class Language(_Strict):
    policy: Literal["deterministic"] = "deterministic"
    code: Annotated[str, Field(min_length=2, max_length=10)]


class Template(_Strict):
    namespace: str
    name: Annotated[str, Field(min_length=1, max_length=512)]
    language: Language
    components: list[dict[str, Any]] = Field(default_factory=list)


class Interactive(_Strict):
    type: Literal["list", "button", "product", "product_list"]
    header: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    footer: dict[str, Any] | None = None
    action: dict[str, Any]


class Context(_Strict):
    message_id: Annotated[str, Field(min_length=1, max_length=128)]


class MessageRequest(_Strict):
    to: Annotated[str, Field(min_length=1, max_length=32)]
    type: Literal[TYPES] = "text"  # type: ignore[valid-type]
    recipient_type: str = "individual"
    preview_url: bool | None = None
    ttl: Annotated[int, Field(ge=1, le=30 * 24 * 3600)] | None = None
    context: Context | None = None
    text: Text | None = None
    image: MediaObject | None = None
    video: MediaObject | None = None
    audio: MediaObject | None = None
    document: MediaObject | None = None
    sticker: MediaObject | None = None
    location: Location | None = None
    contacts: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=50)] | None = None
    template: Template | None = None
    interactive: Interactive | None = None


def _check_media(kind: str, media: MediaObject) -> None:
    if (media.id is None) == (media.link is None):
        raise InvalidParameter(f"{kind}: give exactly one of id or link")
    if media.caption is not None and kind not in CAPTIONED:
        raise UnexpectedParameter(f"{kind}.caption is only allowed for image, video and document")
    if media.filename is not None and kind != "document":
        raise UnexpectedParameter(f"{kind}.filename is only allowed for document")


def _check_interactive(interactive: Interactive) -> None:
    action = interactive.action
    if interactive.type == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise InvalidParameter("interactive.action.buttons: 1 to 3 reply buttons")
    if interactive.type == "list":
        sections = action.get("sections")
        if not isinstance(sections, list) or not sections:
            raise InvalidParameter("interactive.action.sections: at least one section")
        rows = sum(len(s.get("rows", [])) for s in sections if isinstance(s, dict))
        if not 1 <= rows <= 10:
            raise InvalidParameter(f"interactive.action.sections: 1 to 10 rows in total, got {rows}")
    if interactive.type in ("list", "button") and not interactive.body:
        raise MissingParameter("interactive.body is required for list and button messages")


def check_message(message: MessageRequest) -> None:
    kind = message.type
    typed = getattr(message, kind)
    if typed is None:
        raise MissingParameter(f"{kind} is required for a message of type {kind}")
    others = [t for t in TYPES if t != kind and getattr(message, t) is not None]
    if others:
        raise UnexpectedParameter(f"{others[0]} is not allowed in a message of type {kind}")
    if message.recipient_type != "individual":
        raise InvalidRecipientType("recipient_type must be individual")
    if isinstance(typed, Text) and len(typed.body) > MAX_TEXT:
        raise MessageTooLong(f"text.body is {len(typed.body)} characters; at most {MAX_TEXT}")
    if isinstance(typed, MediaObject):
        _check_media(kind, typed)
    if isinstance(typed, Interactive):
        _check_interactive(typed)
