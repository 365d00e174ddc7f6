"""Users, login and tokens (`/v1/users…`).

Passwords are scrypt hashes, verified in a worker thread so a login never stalls the event loop;
tokens are random, handed out once and stored only as digests.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from wabiz.kit.envelope import ok
from wabiz.kit.errors import (
    AccessDenied,
    AlreadyExists,
    InvalidParameter,
    NotFound,
    PasswordChangeRequired,
    Unauthorized,
)
from wabiz.kit.httpapp import JSON
from wabiz.kit.passwords import (
    hash_password,
    new_token,
    password_problem,
    token_digest,
    username_problem,
    verify_password,
)
from wabiz.webapp.deps import Admin, State, User

router = APIRouter(tags=["users"])
TOKEN_LIFETIME = timedelta(days=7)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginBody(_Strict):
    new_password: str | None = None


class NewUser(_Strict):
    username: str
    password: str


class PasswordChange(_Strict):
    password: str


def _basic_credentials(request: Request) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        raise Unauthorized("log in with HTTP Basic credentials (username and password)")
    try:
        username, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials") from None
    return username, password


def _checked_password(password: str, field: str) -> str:
    problem = password_problem(password)
    if problem:
        raise InvalidParameter(f"{field}: {problem}")
    return password


@router.post("/v1/users/login")
async def login(request: Request, state: State, body: Annotated[LoginBody | None, Body()] = None) -> JSON:
    username, password = _basic_credentials(request)
    async with state.sessions.begin() as session:
        row = (
            await session.execute(
                text("SELECT password_hash, password_change_required FROM users WHERE username = :u"),
                {"u": username},
            )
        ).first()
        if row is None or not await asyncio.to_thread(verify_password, password, row.password_hash):
            raise Unauthorized("wrong username or password")
        new_password = body.new_password if body else None
        if row.password_change_required and not new_password:
            raise PasswordChangeRequired('first login: send {"new_password": "…"} to set the admin password')
        if new_password:
            hashed = await asyncio.to_thread(hash_password, _checked_password(new_password, "new_password"))
            await session.execute(
                text(
                    "UPDATE users SET password_hash = :h, password_change_required = false"
                    " WHERE username = :u"
                ),
                {"h": hashed, "u": username},
            )
        token = new_token()
        expires = datetime.now(UTC) + TOKEN_LIFETIME
        await session.execute(
            text("INSERT INTO tokens (digest, username, expires_at) VALUES (:d, :u, :e)"),
            {"d": token_digest(token), "u": username, "e": expires},
        )
    return JSON(ok(users=[{"token": token, "expires_after": expires.strftime("%Y-%m-%d %H:%M:%S+00:00")}]))


@router.post("/v1/users/logout")
async def logout(user: User, state: State) -> JSON:
    async with state.sessions.begin() as session:
        await session.execute(text("DELETE FROM tokens WHERE digest = :d"), {"d": user.token_digest})
    if user.token_digest:
        state.tokens.evict(user.token_digest)
    return JSON(ok())


@router.post("/v1/users", status_code=201)
async def create_user(body: NewUser, admin: Admin, state: State) -> JSON:
    problem = username_problem(body.username)
    if problem:
        raise InvalidParameter(f"username: {problem}")
    hashed = await asyncio.to_thread(hash_password, _checked_password(body.password, "password"))
    async with state.sessions.begin() as session:
        created = await session.execute(
            text(
                "INSERT INTO users (username, password_hash, role, password_change_required)"
                " VALUES (:u, :h, 'ROLE_USER', false) ON CONFLICT DO NOTHING RETURNING username"
            ),
            {"u": body.username, "h": hashed},
        )
        if created.first() is None:
            raise AlreadyExists(f"user {body.username} already exists")
    return JSON(ok(users=[{"username": body.username}]), status_code=201)


def _self_or_admin(user: User, username: str) -> None:
    if not user.is_admin and user.username != username:
        raise AccessDenied("users may only see and change their own account")


@router.get("/v1/users/{username}")
async def get_user(username: str, user: User, state: State) -> JSON:
    _self_or_admin(user, username)
    async with state.sessions() as session:
        row = (
            await session.execute(text("SELECT role FROM users WHERE username = :u"), {"u": username})
        ).first()
    if row is None:
        raise NotFound(f"user {username} does not exist")
    return JSON(ok(users=[{"username": username, "role": row.role}]))


@router.put("/v1/users/{username}")
async def change_password(username: str, body: PasswordChange, user: User, state: State) -> JSON:
    _self_or_admin(user, username)
    hashed = await asyncio.to_thread(hash_password, _checked_password(body.password, "password"))
    async with state.sessions.begin() as session:
        changed = await session.execute(
            text(
                "UPDATE users SET password_hash = :h, password_change_required = false"
                " WHERE username = :u RETURNING 1"
            ),
            {"h": hashed, "u": username},
        )
        if changed.first() is None:
            raise NotFound(f"user {username} does not exist")
    return JSON(ok())


@router.delete("/v1/users/{username}")
async def delete_user(username: str, admin: Admin, state: State) -> JSON:
    if username == "admin":
        raise AccessDenied("the built-in admin cannot be deleted")
    async with state.sessions.begin() as session:
        deleted = await session.execute(
            text("DELETE FROM users WHERE username = :u RETURNING 1"), {"u": username}
        )
        if deleted.first() is None:
            raise NotFound(f"user {username} does not exist")
    state.tokens.evict_user(username)
    return JSON(ok())
