"""Users, passwords and tokens.

Passwords are scrypt hashes, computed in a worker thread so a login never stalls the event loop;
an unknown username costs the same hash as a wrong password, so timing does not reveal which
names exist. Tokens are random, shown once, and stored only as sha256 digests.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.kit.errors import (
    AccessDenied,
    AlreadyExists,
    InvalidParameter,
    NotFound,
    PasswordChangeRequired,
    Unauthorized,
)
from wabiz.kit.passwords import (
    hash_password,
    new_token,
    password_problem,
    token_digest,
    username_problem,
    verify_password,
)
from wabiz.webapp.auth import USER, Principal

TOKEN_LIFETIME = timedelta(days=7)
BUILTIN_ADMIN = "admin"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime

    def rendered(self) -> dict[str, str]:
        return {"token": self.token, "expires_after": self.expires_at.strftime("%Y-%m-%d %H:%M:%S+00:00")}


@functools.cache
def _decoy_hash() -> str:
    return hash_password("decoy-Password-1")


async def _hashed(password: str, field: str) -> str:
    problem = password_problem(password)
    if problem:
        raise InvalidParameter(f"{field}: {problem}")
    return await asyncio.to_thread(hash_password, password)


async def _authenticate(session: AsyncSession, username: str, password: str) -> bool:
    """401 unless the credentials are right; then whether the password must change first."""
    row = (
        await session.execute(
            text("SELECT password_hash, password_change_required FROM users WHERE username = :u"),
            {"u": username},
        )
    ).first()
    stored = row.password_hash if row else await asyncio.to_thread(_decoy_hash)
    if not await asyncio.to_thread(verify_password, password, stored) or row is None:
        raise Unauthorized("wrong username or password")
    return bool(row.password_change_required)


async def login(session: AsyncSession, username: str, password: str, new_password: str | None) -> IssuedToken:
    must_change = await _authenticate(session, username, password)
    if must_change and new_password is None:
        raise PasswordChangeRequired(
            'first login: send {"new_password": "…"} with these credentials to set your password'
        )
    if new_password is not None:
        await _set_password(session, username, await _hashed(new_password, "new_password"))
    issued = IssuedToken(new_token(), datetime.now(UTC).replace(microsecond=0) + TOKEN_LIFETIME)
    await session.execute(
        text("DELETE FROM tokens WHERE username = :u AND expires_at <= now()"), {"u": username}
    )
    await session.execute(
        text("INSERT INTO tokens (digest, username, expires_at) VALUES (:d, :u, :e)"),
        {"d": token_digest(issued.token), "u": username, "e": issued.expires_at},
    )
    return issued


async def logout(session: AsyncSession, digest: str) -> None:
    await session.execute(text("DELETE FROM tokens WHERE digest = :d"), {"d": digest})


async def create_user(session: AsyncSession, username: str, password: str) -> None:
    problem = username_problem(username)
    if problem:
        raise InvalidParameter(f"username: {problem}")
    created = await session.execute(
        text(
            "INSERT INTO users (username, password_hash, role, password_change_required)"
            " VALUES (:u, :h, :r, false) ON CONFLICT DO NOTHING RETURNING username"
        ),
        {"u": username, "h": await _hashed(password, "password"), "r": USER},
    )
    if created.first() is None:
        raise AlreadyExists(f"user {username} already exists")


def require_self_or_admin(user: Principal, username: str) -> None:
    if not user.is_admin and user.username != username:
        raise AccessDenied("users may only see and change their own account")


async def read_user(session: AsyncSession, username: str) -> dict[str, Any]:
    role = (
        await session.execute(text("SELECT role FROM users WHERE username = :u"), {"u": username})
    ).scalar()
    if role is None:
        raise NotFound(f"user {username} does not exist")
    return {"username": username, "role": role}


async def _set_password(session: AsyncSession, username: str, hashed: str) -> None:
    changed = await session.execute(
        text(
            "UPDATE users SET password_hash = :h, password_change_required = false"
            " WHERE username = :u RETURNING 1"
        ),
        {"h": hashed, "u": username},
    )
    if changed.first() is None:
        raise NotFound(f"user {username} does not exist")


async def change_password(session: AsyncSession, username: str, password: str) -> None:
    await _set_password(session, username, await _hashed(password, "password"))


async def delete_user(session: AsyncSession, username: str) -> None:
    if username == BUILTIN_ADMIN:
        raise AccessDenied("the built-in admin cannot be deleted")
    deleted = await session.execute(
        text("DELETE FROM users WHERE username = :u RETURNING 1"), {"u": username}
    )
    if deleted.first() is None:
        raise NotFound(f"user {username} does not exist")
