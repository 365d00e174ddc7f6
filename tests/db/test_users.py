"""Users and tokens: what login, logout, password changes and the master's chores rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import sql
from wabiz.db import users
from wabiz.kit.passwords import BOOTSTRAP_ADMIN

LATER = datetime.now(UTC) + timedelta(days=1)
EARLIER = datetime.now(UTC) - timedelta(days=1)


async def test_the_bootstrap_admin_must_change_its_password(session: AsyncSession) -> None:
    stored = await users.stored_password(session, BOOTSTRAP_ADMIN)
    assert stored is not None and stored.change_required
    assert await users.role_of(session, BOOTSTRAP_ADMIN) == users.ROLE_ADMIN
    assert await users.stored_password(session, "nobody") is None


async def test_a_username_is_taken_once(session: AsyncSession) -> None:
    assert await users.create_user(session, "alice", "h1", users.ROLE_USER)
    assert not await users.create_user(session, "alice", "h2", users.ROLE_ADMIN)
    assert await users.role_of(session, "alice") == users.ROLE_USER


async def test_a_hash_is_replaced_only_while_it_is_the_checked_one(session: AsyncSession) -> None:
    await users.create_user(session, "alice", "old", users.ROLE_USER)
    assert not await users.replace_hash(session, "alice", "stale", "new")
    assert await users.replace_hash(session, "alice", "old", "new")
    assert await users.replace_hash(session, "alice", None, "newer"), "no check: an admin's reset"
    assert not await users.replace_hash(session, "nobody", None, "x")
    assert await users.stored_password(session, "alice") == users.StoredPassword("newer", False)


async def test_tokens_expire_are_revoked_and_go_with_their_user(session: AsyncSession) -> None:
    await users.create_user(session, "alice", "h", users.ROLE_USER)
    for digest, expires_at in (("a", LATER), ("b", LATER), ("old", EARLIER)):
        await users.add_token(session, digest, "alice", expires_at)
    owner = await users.token_owner(session, "a")
    assert owner is not None and (owner.username, owner.role) == ("alice", users.ROLE_USER)
    assert abs(owner.expires_at - LATER.timestamp()) < 1
    assert await users.token_owner(session, "old") is None, "expired"

    await users.delete_expired_tokens_of(session, "alice")
    await users.revoke_tokens(session, "alice", keep="a")
    assert await sql(session, "SELECT digest FROM tokens") == [("a",)]
    await users.delete_token(session, "a")
    assert await users.token_owner(session, "a") is None

    await users.add_token(session, "c", "alice", LATER)
    assert await users.delete_user(session, "alice")
    assert not await users.delete_user(session, "alice")
    assert await sql(session, "SELECT count(*) FROM tokens") == [(0,)]


async def test_the_master_forgets_expired_tokens_of_everyone(session: AsyncSession) -> None:
    await users.add_token(session, "live", BOOTSTRAP_ADMIN, LATER)
    await users.add_token(session, "dead", BOOTSTRAP_ADMIN, EARLIER)
    await users.delete_expired_tokens(session)
    assert await sql(session, "SELECT digest FROM tokens") == [("live",)]
