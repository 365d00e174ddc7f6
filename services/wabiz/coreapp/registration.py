"""The business number this node speaks for: the `account` row, and registering it upstream.

Any node may run a registration step (the WebApp calls whichever answers); the row is the truth,
read again by every heartbeat, so the other nodes follow within a beat and the one that ran the step
beats at once. A Cloud API client is configured with its phone number id instead and counts as
registered from the start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.config import CoreAppConfig
from wabiz.db.account import Account, read_account, store_registration
from wabiz.gateway.base import Gateway, RegistrationResult
from wabiz.kit.errors import NotReady


class Registration:
    def __init__(
        self,
        config: CoreAppConfig,
        sessions: async_sessionmaker[AsyncSession],
        gateway: Gateway,
        changed: Callable[[], Awaitable[None]],
    ) -> None:
        self._config, self._sessions, self._gateway, self._changed = config, sessions, gateway, changed
        self.account = Account()

    async def refresh(self) -> Account:
        async with self._sessions.begin() as session:
            account = await read_account(session)
        if self._config.upstream == "cloud" and self._config.upstream_phone_number_id:
            account = replace(account, state="registered")
        elif account.registered and account.cc and account.phone_number:
            self._gateway.use_account(account.cc, account.phone_number)
        self.account = account
        return account

    async def require_registered(self) -> None:
        """Another node may have completed the registration since this one's last heartbeat, so look
        at the database again before refusing: a send right after a successful verify must work."""
        if not self.account.registered:
            await self.require_current()

    async def require_current(self) -> None:
        """Refuse (1011) unless the account row, read now, is registered, and speak for its number
        from then on: a restore may have just replaced the number, and a profile written under the
        old one would change another number's profile."""
        if not (await self.refresh()).registered:
            raise NotReady("the account is not registered yet")

    async def request_code(
        self, cc: str, phone_number: str, method: str, cert: str, pin: str | None
    ) -> RegistrationResult:
        result = await self._gateway.request_code(cc, phone_number, method, cert, pin)
        await self._store(cc, phone_number, result)
        return result

    async def verify(self, code: str) -> RegistrationResult:
        account = await self.refresh()
        if not account.cc or not account.phone_number:
            raise NotReady("request a registration code first (POST /v1/account)")
        result = await self._gateway.verify_code(account.cc, account.phone_number, code)
        await self._store(account.cc, account.phone_number, result)
        return result

    async def _store(self, cc: str, phone_number: str, result: RegistrationResult) -> None:
        async with self._sessions.begin() as session:
            await store_registration(session, cc, phone_number, result.state, result.vname)
        await self._changed()
