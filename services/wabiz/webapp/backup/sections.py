"""What a backup holds from the database: one section per part, each read and written on its own.

A section is a name, the model its JSON must fit, and how to read it from the database and write it
back in the restore's transaction. A section a backup lacks (made before the section existed) is
left as it is on restore; a section this version does not know is refused, so nothing a backup
carries is silently dropped. To add one, write its model and its two functions and append it to
`SECTIONS`. The business profile is a section too, but the network keeps it: `profile_section.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import account, users
from wabiz.db import settings as stored_settings
from wabiz.db.users import ROLE_ADMIN, UserRecord
from wabiz.kit import media_providers
from wabiz.kit.appsettings import validate
from wabiz.kit.certificates import checked_ca_bundle
from wabiz.kit.errors import ApiError
from wabiz.kit.media_providers import MediaProvider
from wabiz.kit.passwords import BOOTSTRAP_ADMIN, hash_problem, username_problem

M = TypeVar("M", bound=BaseModel)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unfit(problem: str) -> PydanticCustomError:
    """A validation error whose message is `problem` alone (a ValueError's gets a prefix)."""
    return PydanticCustomError("unfit", "{problem}", {"problem": problem})


class SettingsSection(_Section):
    """The stored overrides of the application settings (not the defaults, which may change)."""

    overrides: dict[str, Any]

    @field_validator("overrides")
    @classmethod
    def _valid_settings(cls, overrides: dict[str, Any]) -> dict[str, Any]:
        try:
            validate(overrides)
        except ApiError as exc:
            raise _unfit(exc.details) from None
        return overrides


class BackedUpUser(_Section):
    username: str
    role: Literal["ROLE_ADMIN", "ROLE_USER"]
    password_hash: str
    password_change_required: bool

    @field_validator("username")
    @classmethod
    def _valid_username(cls, username: str) -> str:
        if problem := username_problem(username):
            raise _unfit(problem)
        return username

    @field_validator("password_hash")
    @classmethod
    def _usable_hash(cls, password_hash: str) -> str:
        if problem := hash_problem(password_hash):
            raise _unfit(problem)
        return password_hash


class UsersSection(_Section):
    users: list[BackedUpUser]

    @field_validator("users")
    @classmethod
    def _complete(cls, entries: list[BackedUpUser]) -> list[BackedUpUser]:
        names = [entry.username for entry in entries]
        if len(set(names)) != len(names):
            raise _unfit("a username appears twice")
        admins = [entry for entry in entries if entry.username == BOOTSTRAP_ADMIN]
        if not admins or admins[0].role != ROLE_ADMIN:
            raise _unfit(f"the built-in {BOOTSTRAP_ADMIN} must be there, as ROLE_ADMIN")
        return entries


class AccountSection(_Section):
    cc: str | None = Field(max_length=4, pattern=r"^[0-9]+$")
    phone_number: str | None = Field(max_length=16, pattern=r"^[0-9]+$")
    state: Literal["unregistered", "pending", "registered"]
    vname: str | None = Field(max_length=1024)
    shards: Literal[1, 2, 4, 8, 16, 32]


class WebhooksCaSection(_Section):
    """The CA bundle the CoreApps trust for the business's webhook (None: the system's only)."""

    pem: str | None

    @field_validator("pem")
    @classmethod
    def _certificates(cls, pem: str | None) -> str | None:
        if pem is None:
            return None
        try:
            return checked_ca_bundle(pem.encode())
        except ApiError as exc:
            raise _unfit(exc.details) from None


class MediaProvidersSection(_Section):
    """The media providers, credentials included: the backup is sealed, and a restored
    installation must fetch the same links."""

    providers: list[MediaProvider]


@dataclass(frozen=True)
class Section(Generic[M]):
    name: str
    model: type[M]
    read: Callable[[AsyncSession], Awaitable[M]]
    write: Callable[[AsyncSession, M], Awaitable[None]]


async def _read_settings(session: AsyncSession) -> SettingsSection:
    return SettingsSection(overrides=await stored_settings.overrides(session))


async def _write_settings(session: AsyncSession, section: SettingsSection) -> None:
    await stored_settings.write(session, section.overrides)


async def _read_users(session: AsyncSession) -> UsersSection:
    return UsersSection.model_validate({"users": [vars(u) for u in await users.all_users(session)]})


async def _write_users(session: AsyncSession, section: UsersSection) -> None:
    records = [UserRecord(**entry.model_dump()) for entry in section.users]
    await users.replace_all_users(session, records)


async def _read_account(session: AsyncSession) -> AccountSection:
    return AccountSection.model_validate(vars(await account.read_row(session)))


async def _write_account(session: AsyncSession, section: AccountSection) -> None:
    await account.write_row(session, account.AccountRow(**section.model_dump()))


async def _read_webhooks_ca(session: AsyncSession) -> WebhooksCaSection:
    stored = await stored_settings.overrides(session, name=stored_settings.WEBHOOKS_CA)
    return WebhooksCaSection(pem=stored.get("pem"))


async def _write_webhooks_ca(session: AsyncSession, section: WebhooksCaSection) -> None:
    value = {"pem": section.pem} if section.pem else {}
    await stored_settings.write(session, value, stored_settings.WEBHOOKS_CA)


async def _read_media_providers(session: AsyncSession) -> MediaProvidersSection:
    stored = await stored_settings.overrides(session, name=stored_settings.MEDIA_PROVIDERS)
    return MediaProvidersSection(providers=media_providers.stored(stored))


async def _write_media_providers(session: AsyncSession, section: MediaProvidersSection) -> None:
    value = media_providers.document(section.providers)
    await stored_settings.write(session, value, stored_settings.MEDIA_PROVIDERS)


SECTIONS: tuple[Section[Any], ...] = (
    Section("settings", SettingsSection, _read_settings, _write_settings),
    Section("users", UsersSection, _read_users, _write_users),
    Section("account", AccountSection, _read_account, _write_account),
    Section("webhooks_ca", WebhooksCaSection, _read_webhooks_ca, _write_webhooks_ca),
    Section("media_providers", MediaProvidersSection, _read_media_providers, _write_media_providers),
)
