"""The business number this client speaks for: one row (id 1), seeded by the initial migration.

CoreApps write the registration (they talk to the network); the WebApp writes the shard count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncSession

_SET_SHARDS = text("UPDATE account SET shards = :s, updated_at = now() WHERE id = 1")


@dataclass(frozen=True)
class Account:
    state: str = "unregistered"
    cc: str | None = None
    phone_number: str | None = None
    shards: int = 1

    @property
    def registered(self) -> bool:
        return self.state == "registered"

    @property
    def business_wa_id(self) -> str | None:
        """The business's own number, once both parts are known."""
        return f"{self.cc}{self.phone_number}" if self.cc and self.phone_number else None


@dataclass(frozen=True)
class AccountRow:
    """The whole row, as a backup carries it to another installation."""

    cc: str | None
    phone_number: str | None
    state: str
    vname: str | None
    shards: int


async def read_account(session: AsyncSession) -> Account:
    row = (
        await session.execute(text("SELECT state, cc, phone_number, shards FROM account WHERE id = 1"))
    ).one()
    return Account(row.state, row.cc, row.phone_number, row.shards)


async def store_registration(
    session: AsyncSession, cc: str, phone_number: str, state: str, vname: str | None
) -> None:
    """The number and how far its registration got; a missing `vname` keeps the known one."""
    await session.execute(
        text(
            "UPDATE account SET cc = :cc, phone_number = :phone, state = :state,"
            " vname = COALESCE(:vname, vname), updated_at = now() WHERE id = 1"
        ),
        {"cc": cc, "phone": phone_number, "state": state, "vname": vname},
    )


async def read_row(session: AsyncSession) -> AccountRow:
    row = (
        await session.execute(text("SELECT cc, phone_number, state, vname, shards FROM account WHERE id = 1"))
    ).one()
    return AccountRow(row.cc, row.phone_number, row.state, row.vname, row.shards)


async def write_row(session: AsyncSession, account: AccountRow) -> None:
    """Replace the row's values, `vname` included (a restore: the backup is the truth)."""
    await session.execute(
        text(
            "UPDATE account SET cc = :cc, phone_number = :phone, state = :state, vname = :vname,"
            " shards = :shards, updated_at = now() WHERE id = 1"
        ),
        {
            "cc": account.cc,
            "phone": account.phone_number,
            "state": account.state,
            "vname": account.vname,
            "shards": account.shards,
        },
    )


async def set_shards(session: AsyncSession, shards: int) -> None:
    await session.execute(_SET_SHARDS, {"s": shards})


def set_shards_before_start(connection: Connection, shards: int) -> None:
    """`set_shards` for a step that runs before the services (synchronous, like migrations)."""
    connection.execute(_SET_SHARDS, {"s": shards})
