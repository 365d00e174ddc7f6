"""Users, passwords and tokens.

A password check never holds a database connection: the stored hash is read in a short
transaction, checked through the bounded hasher (`hashing.py`) after the login throttle admitted
the attempt (`throttle.py`), and what follows is written in another short transaction. Writes
that depend on the hash that was checked compare it again (`WHERE password_hash = :checked`), so
of several logins racing to set the built-in admin's first password exactly one wins; the others
get 401, as they would have had they come a moment later.

A password change revokes the user's tokens (all of them, except the one used to change one's
own password). Tokens are random, shown once, and stored only as sha256 digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import users
from wabiz.db.users import ROLE_USER, StoredPassword
from wabiz.kit.errors import (
    AccessDenied,
    AlreadyExists,
    ApiError,
    InvalidParameter,
    MissingParameter,
    NotFound,
    PasswordChangeRequired,
    Unauthorized,
)
from wabiz.kit.passwords import (
    BOOTSTRAP_ADMIN,
    needs_rehash,
    new_token,
    password_problem,
    token_digest,
    username_problem,
)
from wabiz.webapp.auth import Principal
from wabiz.webapp.state import AppState
from wabiz.webapp.users.hashing import PasswordHasher

TOKEN_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime

    def rendered(self) -> dict[str, str]:
        return {"token": self.token, "expires_after": self.expires_at.strftime("%Y-%m-%d %H:%M:%S+00:00")}


def _check_rules(password: str, field: str) -> None:
    problem = password_problem(password)
    if problem:
        raise InvalidParameter(f"{field}: {problem}")


async def _hashed(hasher: PasswordHasher, password: str, field: str) -> str:
    _check_rules(password, field)
    return await hasher.hash(password)


async def _check_password(
    state: AppState, username: str, password: str, client: str, wrong: ApiError
) -> StoredPassword:
    """The user's stored password once `password` matched it; `wrong` (and a counted failure) if not."""
    with state.throttle.attempt(username, client) as attempt:
        async with state.sessions.begin() as session:
            stored = await users.stored_password(session, username)
        matches = await state.hasher.verify(password, stored.password_hash if stored else None)
        if stored is None or not matches:
            attempt.failed()
            raise wrong
        attempt.succeeded()
    return stored


async def login(
    state: AppState, username: str, password: str, new_password: str | None, client: str
) -> IssuedToken:
    stored = await _check_password(
        state, username, password, client, Unauthorized("wrong username or password")
    )
    if stored.change_required and new_password is None:
        raise PasswordChangeRequired(
            'first login: send {"new_password": "…"} with these credentials to set your password'
        )
    new_hash = await _hashed(state.hasher, new_password, "new_password") if new_password is not None else None
    rehash = (
        await state.hasher.hash(password) if new_hash is None and needs_rehash(stored.password_hash) else None
    )
    issued = IssuedToken(new_token(), datetime.now(UTC).replace(microsecond=0) + TOKEN_LIFETIME)
    async with state.sessions.begin() as session:
        if new_hash is not None:
            if not await users.replace_hash(session, username, stored.password_hash, new_hash):
                raise Unauthorized("the password was changed by another login meanwhile; use the new one")
            await users.revoke_tokens(session, username)
        elif rehash is not None:
            await users.replace_hash(session, username, stored.password_hash, rehash)
        await users.delete_expired_tokens_of(session, username)
        await users.add_token(session, token_digest(issued.token), username, issued.expires_at)
    if new_hash is not None:
        state.tokens.evict_user(username)
    return issued


async def logout(session: AsyncSession, digest: str) -> None:
    await users.delete_token(session, digest)


async def create_user(session: AsyncSession, hasher: PasswordHasher, username: str, password: str) -> None:
    problem = username_problem(username)
    if problem:
        raise InvalidParameter(f"username: {problem}")
    password_hash = await _hashed(hasher, password, "password")
    if not await users.create_user(session, username, password_hash, ROLE_USER):
        raise AlreadyExists(f"user {username} already exists")


def require_self_or_admin(user: Principal, username: str) -> None:
    if not user.is_admin and user.username != username:
        raise AccessDenied("users may only see and change their own account")


async def read_user(session: AsyncSession, username: str) -> dict[str, Any]:
    role = await users.role_of(session, username)
    if role is None:
        raise NotFound(f"user {username} does not exist")
    return {"username": username, "role": role}


async def change_password(
    state: AppState, user: Principal, username: str, password: str, old_password: str | None, client: str
) -> None:
    """Your own password needs the old one (throttled like a login); an admin's change of another
    user's does not. Either way the user's other tokens are revoked."""
    _check_rules(password, "password")
    checked, keep = None, None
    if user.username == username:
        if old_password is None:
            raise MissingParameter("old_password is required to change your own password")
        wrong = AccessDenied("old_password is not your current password")
        checked = (await _check_password(state, username, old_password, client, wrong)).password_hash
        keep = user.token_digest
    new_hash = await state.hasher.hash(password)
    async with state.sessions.begin() as session:
        if not await users.replace_hash(session, username, checked, new_hash):
            if checked is not None:
                raise AccessDenied("your password was changed meanwhile; log in again")
            raise NotFound(f"user {username} does not exist")
        await users.revoke_tokens(session, username, keep)
    state.tokens.evict_user(username)


async def delete_user(session: AsyncSession, username: str) -> None:
    if username == BOOTSTRAP_ADMIN:
        raise AccessDenied("the built-in admin cannot be deleted")
    if not await users.delete_user(session, username):
        raise NotFound(f"user {username} does not exist")
