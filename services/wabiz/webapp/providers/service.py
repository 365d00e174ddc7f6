"""The media providers document (`db.settings`, `media_providers`): read, add or replace by name,
remove. Writes lock the row, so concurrent changes of different providers all land."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import settings
from wabiz.kit import media_providers
from wabiz.kit.errors import InvalidParameter, InvalidRequest, NotFound
from wabiz.kit.media_providers import MAX_PROVIDERS, PROVIDER_LIST, MediaProvider
from wabiz.kit.validation import error_from_validation

ADD_ONE = "add one with POST /v1/settings/application/media/providers"


def parse_providers(raw: Any) -> list[MediaProvider]:
    """A POST body: a list of providers (1010/1009/1008 naming `[i].field`)."""
    if not isinstance(raw, list):
        raise InvalidRequest("the body must be a JSON list of providers")
    try:
        return PROVIDER_LIST.validate_python(raw)
    except ValidationError as exc:
        raise error_from_validation(exc.errors()) from None


async def providers(session: AsyncSession, for_update: bool = False) -> list[MediaProvider]:
    return media_providers.stored(
        await settings.overrides(session, for_update, name=settings.MEDIA_PROVIDERS)
    )


async def add_providers(session: AsyncSession, new: list[MediaProvider]) -> list[MediaProvider]:
    merged = media_providers.added(await providers(session, for_update=True), new)
    if len(merged) > MAX_PROVIDERS:
        raise InvalidParameter(f"at most {MAX_PROVIDERS} media providers; delete some first")
    await settings.write(session, media_providers.document(merged), settings.MEDIA_PROVIDERS)
    return merged


async def remove_provider(session: AsyncSession, name: str) -> None:
    current = await providers(session, for_update=True)
    if media_providers.named(current, name) is None:
        raise NotFound(f"no media provider named {name!r}")
    left = [provider for provider in current if provider.name != name]
    await settings.write(session, media_providers.document(left), settings.MEDIA_PROVIDERS)


async def require_providers(session: AsyncSession, named: dict[str, str]) -> None:
    """Every provider a message names (name → the field naming it) exists; 1009 otherwise."""
    known = {provider.name for provider in await providers(session)}
    for name, path in named.items():
        if name not in known:
            raise InvalidParameter(f"{path}: no media provider named {name!r}; {ADD_ONE}")


def rendered(found: list[MediaProvider]) -> dict[str, Any]:
    """The On-Premises answer, credentials masked."""
    return {"application": {"media": {"providers": [media_providers.masked(p) for p in found]}}}
