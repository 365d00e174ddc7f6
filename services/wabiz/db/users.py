"""Users and their bearer tokens (stored as sha256 digests, never as the token itself)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

ROLE_ADMIN, ROLE_USER = "ROLE_ADMIN", "ROLE_USER"


@dataclass(frozen=True)
class StoredPassword:
    password_hash: str
    change_required: bool


@dataclass(frozen=True)
class UserRecord:
    """A user as a backup carries it: the password only as its hash."""

    username: str
    role: str
    password_hash: str
    password_change_required: bool


@dataclass(frozen=True)
class TokenOwner:
    username: str
    role: str
    expires_at: float  # epoch seconds


async def stored_password(session: AsyncSession, username: str) -> StoredPassword | None:
    row = (
        await session.execute(
            text("SELECT password_hash, password_change_required FROM users WHERE username = :u"),
            {"u": username},
        )
    ).first()
    return StoredPassword(row.password_hash, bool(row.password_change_required)) if row else None


async def replace_hash(session: AsyncSession, username: str, checked: str | None, new_hash: str) -> bool:
    """Store `new_hash` if the user exists and (when given) still has the `checked` hash; the
    comparison in the database is what makes racing first logins have exactly one winner."""
    changed = await session.execute(
        text(
            "UPDATE users SET password_hash = :h, password_change_required = false"
            " WHERE username = :u AND (CAST(:checked AS text) IS NULL OR password_hash = :checked)"
            " RETURNING 1"
        ),
        {"h": new_hash, "u": username, "checked": checked},
    )
    return changed.first() is not None


async def create_user(session: AsyncSession, username: str, password_hash: str, role: str) -> bool:
    """False when the username is taken."""
    created = await session.execute(
        text(
            "INSERT INTO users (username, password_hash, role, password_change_required)"
            " VALUES (:u, :h, :r, false) ON CONFLICT DO NOTHING RETURNING username"
        ),
        {"u": username, "h": password_hash, "r": role},
    )
    return created.first() is not None


async def role_of(session: AsyncSession, username: str) -> str | None:
    role: str | None = (
        await session.execute(text("SELECT role FROM users WHERE username = :u"), {"u": username})
    ).scalar()
    return role


async def delete_user(session: AsyncSession, username: str) -> bool:
    """False when there was no such user; the user's tokens go with it (ON DELETE CASCADE)."""
    deleted = await session.execute(
        text("DELETE FROM users WHERE username = :u RETURNING 1"), {"u": username}
    )
    return deleted.first() is not None


async def add_token(session: AsyncSession, digest: str, username: str, expires_at: datetime) -> None:
    await session.execute(
        text("INSERT INTO tokens (digest, username, expires_at) VALUES (:d, :u, :e)"),
        {"d": digest, "u": username, "e": expires_at},
    )


async def token_owner(session: AsyncSession, digest: str) -> TokenOwner | None:
    """Whose unexpired token this is."""
    row = (
        await session.execute(
            text(
                "SELECT u.username, u.role, extract(epoch FROM t.expires_at) AS expires_at"
                " FROM tokens t JOIN users u ON u.username = t.username"
                " WHERE t.digest = :d AND t.expires_at > now()"
            ),
            {"d": digest},
        )
    ).first()
    return TokenOwner(row.username, row.role, float(row.expires_at)) if row else None


async def delete_token(session: AsyncSession, digest: str) -> None:
    await session.execute(text("DELETE FROM tokens WHERE digest = :d"), {"d": digest})


async def revoke_tokens(session: AsyncSession, username: str, keep: str | None = None) -> None:
    """Every token of the user but `keep` (a digest)."""
    await session.execute(
        text("DELETE FROM tokens WHERE username = :u AND digest IS DISTINCT FROM :keep"),
        {"u": username, "keep": keep},
    )


async def delete_expired_tokens_of(session: AsyncSession, username: str) -> None:
    await session.execute(
        text("DELETE FROM tokens WHERE username = :u AND expires_at <= now()"), {"u": username}
    )


async def delete_expired_tokens(session: AsyncSession) -> None:
    await session.execute(text("DELETE FROM tokens WHERE expires_at < now()"))


async def all_users(session: AsyncSession) -> list[UserRecord]:
    rows = await session.execute(
        text("SELECT username, role, password_hash, password_change_required FROM users ORDER BY username")
    )
    return [UserRecord(r.username, r.role, r.password_hash, bool(r.password_change_required)) for r in rows]


async def replace_all_users(session: AsyncSession, users: Sequence[UserRecord]) -> None:
    """Make the users exactly these (a restore): the others are deleted, and every token is
    revoked, since the passwords they were issued for may have changed."""
    names = [u.username for u in users]
    await session.execute(text("DELETE FROM tokens"))
    await session.execute(text("DELETE FROM users WHERE NOT (username = ANY(:names))"), {"names": names})
    await session.execute(
        text(
            "INSERT INTO users (username, role, password_hash, password_change_required)"
            " SELECT * FROM unnest(CAST(:names AS text[]), CAST(:roles AS text[]),"
            " CAST(:hashes AS text[]), CAST(:change AS boolean[]))"
            " ON CONFLICT (username) DO UPDATE SET role = EXCLUDED.role,"
            " password_hash = EXCLUDED.password_hash,"
            " password_change_required = EXCLUDED.password_change_required"
        ),
        {
            "names": names,
            "roles": [u.role for u in users],
            "hashes": [u.password_hash for u in users],
            "change": [u.password_change_required for u in users],
        },
    )
