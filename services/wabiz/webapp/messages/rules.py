"""What a message must satisfy beyond its schema, with the contract's codes.

`parse_message` picks the model by `type` first, so a missing `type` is 1008 and an unknown one
1009 instead of a pydantic union error listing every possible shape. A legacy `hsm` message is
validated as such, then translated into the `template` it means (`hsm.py`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from wabiz.kit.errors import (
    InvalidParameter,
    InvalidRecipientType,
    InvalidRequest,
    MessageTooLong,
    MissingParameter,
    UnexpectedParameter,
)
from wabiz.kit.media_types import SENDABLE_MEDIA
from wabiz.webapp.bodies import to_model
from wabiz.webapp.messages.hsm import hsm_to_template
from wabiz.webapp.messages.schemas import (
    MESSAGE_MODELS,
    HsmMessage,
    Interactive,
    InteractiveMessage,
    Media,
    MessageBase,
    Section,
    TemplateMessage,
    TextMessage,
)

MAX_TEXT = 4096
MAX_ROWS = 10
MAX_PRODUCTS = 30
MEDIA_FIELDS = ("image", "video", "document")
# What each kind of interactive message needs, and which parts of `action` belong to it.
INTERACTIVE_NEEDS = {
    "button": ("body", "action.buttons"),
    "list": ("body", "action.button", "action.sections"),
    "product": ("action.catalog_id", "action.product_retailer_id"),
    "product_list": ("header", "body", "action.catalog_id", "action.sections"),
}
ACTION_PARTS = {
    "button": {"buttons"},
    "list": {"button", "sections"},
    "product": {"catalog_id", "product_retailer_id"},
    "product_list": {"catalog_id", "sections"},
}


def parse_message(raw: Any) -> MessageBase:
    if not isinstance(raw, dict):
        raise InvalidRequest("the request body must be a JSON object")
    kind = raw.get("type")
    if kind is None:
        raise MissingParameter(f"type is required: one of {', '.join(MESSAGE_MODELS)}")
    model = MESSAGE_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise InvalidParameter(
            f"type: {kind!r} is not a message type; use one of {', '.join(MESSAGE_MODELS)}"
        )
    message = to_model(model, raw)
    if isinstance(message, HsmMessage):
        message = hsm_to_template(message)
    check_message(message)
    return message


def check_message(message: MessageBase) -> None:
    if message.recipient_type != "individual":
        raise InvalidRecipientType("recipient_type must be individual")
    if isinstance(message, TextMessage) and len(message.text.body) > MAX_TEXT:
        raise MessageTooLong(f"text.body has {len(message.text.body)} characters; at most {MAX_TEXT}")
    for path, media in media_objects(message):
        _check_media(path, media)
        if media.provider is not None and path != message.type:
            # Only the message's own media is fetched by the CoreApp; elsewhere the network
            # fetches links itself and could not use the provider's credentials.
            raise UnexpectedParameter(
                f"{path}.provider: a media provider goes only with the media of an image, video,"
                " audio, document or sticker message"
            )
    if isinstance(message, InteractiveMessage):
        check_interactive(message.interactive)
    if isinstance(message, TemplateMessage):
        for i, component in enumerate(message.template.components):
            path = f"template.components[{i}]"
            if component.type == "button" and (component.sub_type is None or component.index is None):
                raise MissingParameter(f"{path}: a button component needs sub_type and index")
            for j, parameter in enumerate(component.parameters):
                require_typed_object(f"{path}.parameters[{j}]", parameter)


def media_objects(message: MessageBase) -> list[tuple[str, Media]]:
    """Every media object of the message with its path: the typed one, a header's, a template's."""
    found: list[tuple[str, Media]] = []
    if message.type in SENDABLE_MEDIA:
        found.append((message.type, getattr(message, message.type)))
    if isinstance(message, InteractiveMessage) and message.interactive.header is not None:
        found += _media_in(message.interactive.header, "interactive.header")
    if isinstance(message, TemplateMessage):
        for i, component in enumerate(message.template.components):
            for j, parameter in enumerate(component.parameters):
                found += _media_in(parameter, f"template.components[{i}].parameters[{j}]")
    return found


def _media_in(holder: BaseModel, path: str) -> list[tuple[str, Media]]:
    objects = ((name, getattr(holder, name, None)) for name in MEDIA_FIELDS)
    return [(f"{path}.{name}", media) for name, media in objects if isinstance(media, Media)]


def _check_media(path: str, media: Media) -> None:
    if (media.id is None) == (media.link is None):
        raise InvalidParameter(f"{path}: give exactly one of id (an uploaded media) or link")
    if media.provider is not None and media.link is None:
        raise UnexpectedParameter(f"{path}.provider only goes with a link")


def require_typed_object(path: str, holder: Any) -> None:
    """`{"type": "text", "text": …}`: the object named by `type` must be there."""
    if getattr(holder, holder.type, None) is None:
        raise MissingParameter(f"{path}.{holder.type} is required when {path}.type is {holder.type}")


def check_interactive(interactive: Interactive) -> None:
    kind = interactive.type
    for part in INTERACTIVE_NEEDS[kind]:
        holder: Any = interactive
        for name in part.split("."):
            holder = getattr(holder, name)
        if holder is None:
            raise MissingParameter(f"interactive.{part} is required in a {kind} message")
    action = interactive.action
    for name in ("button", "buttons", "sections", "catalog_id", "product_retailer_id"):
        if getattr(action, name) is not None and name not in ACTION_PARTS[kind]:
            raise UnexpectedParameter(f"interactive.action.{name} does not belong in a {kind} message")
    if interactive.header is not None:
        require_typed_object("interactive.header", interactive.header)
    if kind == "list":
        _check_sections(action.sections or [], "rows", MAX_ROWS)
    if kind == "product_list":
        _check_sections(action.sections or [], "product_items", MAX_PRODUCTS)


def _check_sections(sections: list[Section], part: str, limit: int) -> None:
    other = "product_items" if part == "rows" else "rows"
    total = 0
    for i, section in enumerate(sections):
        path = f"interactive.action.sections[{i}]"
        if getattr(section, other) is not None:
            raise UnexpectedParameter(f"{path}.{other} does not belong here; use {part}")
        items = getattr(section, part)
        if not items:
            raise MissingParameter(f"{path}.{part} is required (at least one)")
        if len(sections) > 1 and section.title is None:
            raise MissingParameter(f"{path}.title is required when there are several sections")
        total += len(items)
    if total > limit:
        raise InvalidParameter(f"interactive.action.sections: at most {limit} {part} in total, got {total}")
