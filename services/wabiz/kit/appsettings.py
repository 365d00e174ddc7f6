"""Application settings (`/v1/settings/application`): the model, its defaults and PATCH merging.

Stored as one JSON document holding only what differs from the defaults, so a new default reaches
existing installations and DELETE is simply "store nothing".

A PATCH is read the way On-Premises read it: a number may come as a string of digits
(`"callback_backoff_delay_ms": "3000"`), and `null` resets a field to its default (its override
is dropped), which is the only thing `null` can mean for a field that always has a value.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wabiz.kit.errors import ApiError, InvalidParameter
from wabiz.kit.media_types import ReceivedMedia
from wabiz.kit.validation import error_from_validation


class _Strict(BaseModel):
    # Answers show every field, defaults included: their schema (`/openapi.json`) says so.
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_serialization_defaults_required=True)


class MessageCallbacks(_Strict):
    sent: bool = False
    delivered: bool = True
    read: bool = True


class Webhooks(_Strict):
    url: str | None = None
    max_concurrent_requests: Literal[6, 12, 18, 24] = 6
    message: MessageCallbacks = Field(default_factory=MessageCallbacks)


class MediaSettings(_Strict):
    auto_download: list[ReceivedMedia] = Field(default_factory=list)


class ApplicationSettings(_Strict):
    webhooks: Webhooks = Field(default_factory=Webhooks)
    callback_persist: bool = True
    callback_backoff_delay_ms: Annotated[int, Field(ge=10, le=900_000)] = 3000
    max_callback_backoff_delay_ms: Annotated[int, Field(ge=10, le=86_400_000)] = 900_000
    # Shorter than the original client's 5 s / 30 s: a dead CoreApp's shards are served again
    # within unhealthy_interval + heartbeat_interval ≈ 7 s (target ≤ 10 s). One beat is one small
    # UPDATE, and a lease survives five missed beats, so load or a PostgreSQL restart of a few
    # seconds does not trigger a false failover.
    heartbeat_interval: Annotated[int, Field(ge=1, le=300)] = 1
    unhealthy_interval: Annotated[int, Field(ge=2, le=3600)] = 6
    media: MediaSettings = Field(default_factory=MediaSettings)
    pass_through: bool = False
    sent_status: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ApplicationSettings:
        if self.max_callback_backoff_delay_ms < self.callback_backoff_delay_ms:
            raise ValueError("max_callback_backoff_delay_ms must be >= callback_backoff_delay_ms")
        if self.unhealthy_interval <= self.heartbeat_interval:
            raise ValueError("unhealthy_interval must be greater than heartbeat_interval")
        return self

    def wants_status(self, status: str) -> bool:
        """Whether a status callback of this kind goes to the webhook."""
        if status == "sent":
            return self.webhooks.message.sent or self.sent_status
        if status in ("delivered", "read"):
            return bool(getattr(self.webhooks.message, status))
        return True


# The integer settings, by path: On-Premises clients may send them as strings of digits.
INTEGER_SETTINGS = (
    ("webhooks", "max_concurrent_requests"),
    ("callback_backoff_delay_ms",),
    ("max_callback_backoff_delay_ms",),
    ("heartbeat_interval",),
    ("unhealthy_interval",),
)
MAX_DIGITS = 12


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`patch` over `base`; a `null` in the patch removes the key (back to its default)."""
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def numbers_from_strings(patch: dict[str, Any]) -> dict[str, Any]:
    """`patch` with the integer settings given as ASCII digit strings turned into numbers; any
    other string stays, and validation names it."""
    converted = copy.deepcopy(patch)
    for *parents, name in INTEGER_SETTINGS:
        holder: Any = converted
        for key in parents:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and _is_digits(holder.get(name)):
            holder[name] = int(holder[name])
    return converted


def _is_digits(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS


def validate(document: dict[str, Any]) -> ApplicationSettings:
    try:
        return ApplicationSettings.model_validate(document)
    except ValidationError as exc:
        raise error_from_validation(exc.errors()) from None


def apply_patch(stored: dict[str, Any], patch: Any) -> dict[str, Any]:
    """The new stored document after PATCH; raises the contract error naming the bad field."""
    if not isinstance(patch, dict) or not patch:
        raise InvalidParameter("the body must be a non-empty JSON object of settings to change")
    merged = deep_merge(stored, numbers_from_strings(patch))
    validate(merged)
    return merged


def check_webhook_url(url: str | None, allow_insecure: bool) -> ApiError | None:
    if url is None:
        return None
    if not url.startswith(("https://", "http://")) or len(url) > 2048:
        return InvalidParameter("webhooks.url must be an http(s) URL of at most 2048 characters")
    if url.startswith("http://") and not allow_insecure:
        return InvalidParameter("webhooks.url must use https:// (insecure webhooks are not allowed)")
    return None
