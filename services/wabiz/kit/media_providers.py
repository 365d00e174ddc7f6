"""Media providers: named credentials for the servers outbound media `link`s point at.

On-Premises let an admin name a provider (`/v1/settings/application/media/providers`) and a
message say `{"link": …, "provider": {"name": …}}`; the client then fetched the link with that
provider's credentials. Here the WebApp stores them (the `media_providers` settings document, a
list in the order added) and the CoreApp fetches with them (`coreapp/link_media.py`).

The credentials are secrets: they leave the database only as the `Authorization` header of that
fetch; answers show them masked, and no log line carries them.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

MASK = "********"
MAX_PROVIDERS = 50
ProviderName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Secret = Annotated[str, Field(min_length=1, max_length=4096)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class BasicAuth(_Strict):
    username: Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^:\r\n]+$")]
    password: Secret


class BearerToken(_Strict):
    token: Secret


class ProviderConfig(_Strict):
    """Exactly one way to authenticate; `bearer` as On-Premises documented it (a string), or as
    an object with `token`."""

    basic: BasicAuth | None = None
    bearer: Secret | BearerToken | None = None

    @model_validator(mode="after")
    def _one(self) -> ProviderConfig:
        if (self.basic is None) == (self.bearer is None):
            raise ValueError("give exactly one of basic or bearer")
        return self


class MediaProvider(_Strict):
    name: ProviderName
    type: Literal["www"]
    config: ProviderConfig


# What a POST takes: one provider or more.
ProviderList = Annotated[list[MediaProvider], Field(min_length=1, max_length=MAX_PROVIDERS)]
PROVIDER_LIST: TypeAdapter[list[MediaProvider]] = TypeAdapter(ProviderList)
_STORED: TypeAdapter[list[MediaProvider]] = TypeAdapter(list[MediaProvider])


def stored(document: dict[str, Any]) -> list[MediaProvider]:
    """The providers of the stored document (`{"providers": [...]}`, `{}` before the first)."""
    return _STORED.validate_python(document.get("providers", []))


def document(providers: list[MediaProvider]) -> dict[str, Any]:
    return {"providers": [provider.model_dump(exclude_none=True) for provider in providers]}


def named(providers: list[MediaProvider], name: str) -> MediaProvider | None:
    return next((provider for provider in providers if provider.name == name), None)


def added(current: list[MediaProvider], new: list[MediaProvider]) -> list[MediaProvider]:
    """`current` with `new` added; one of the same name is replaced in place."""
    by_name = {provider.name: provider for provider in current}
    by_name.update({provider.name: provider for provider in new})
    return list(by_name.values())


def masked(provider: MediaProvider) -> dict[str, Any]:
    """How an answer shows a provider: everything but the password or token."""
    shown = provider.model_dump(exclude_none=True)
    config = shown["config"]
    if "basic" in config:
        config["basic"]["password"] = MASK
    elif isinstance(config["bearer"], dict):
        config["bearer"]["token"] = MASK
    else:
        config["bearer"] = MASK
    return shown


def authorization(provider: MediaProvider) -> str:
    """The `Authorization` header value of a fetch through this provider."""
    basic, bearer = provider.config.basic, provider.config.bearer
    if basic is not None:
        pair = f"{basic.username}:{basic.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    token = bearer.token if isinstance(bearer, BearerToken) else bearer
    return f"Bearer {token}"
