"""Dependencies shared by the endpoints, as `Annotated` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text

from wabiz.kit.errors import AccessDenied, Unauthorized
from wabiz.kit.passwords import token_digest
from wabiz.webapp.state import AppState, Principal


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.wabiz
    return state


State = Annotated[AppState, Depends(get_state)]


async def _bearer(state: AppState, token: str) -> Principal:
    digest = token_digest(token)
    cached = state.tokens.get(digest)
    if cached is not None:
        return cached
    async with state.sessions() as session:
        row = (
            await session.execute(
                text(
                    "SELECT u.username, u.role, extract(epoch from t.expires_at) AS expires_at FROM tokens t"
                    " JOIN users u ON u.username = t.username WHERE t.digest = :d AND t.expires_at > now()"
                ),
                {"d": digest},
            )
        ).first()
    if row is None:
        raise Unauthorized("the bearer token is unknown, expired or revoked; log in again")
    principal = Principal(row.username, row.role, digest)
    state.tokens.put(principal, float(row.expires_at))
    return principal


def _scheme(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if not value.strip():
        raise Unauthorized("missing Authorization header (Bearer <token>)")
    return scheme.lower(), value.strip()


async def current_user(request: Request, state: State) -> Principal:
    scheme, value = _scheme(request)
    if scheme != "bearer":
        raise Unauthorized("this endpoint needs Authorization: Bearer <token>")
    return await _bearer(state, value)


async def admin_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    if not user.is_admin:
        raise AccessDenied("this operation is for admins only")
    return user


async def probe_user(request: Request, state: State) -> Principal:
    """Bearer, or the configured API key (`Authorization: Apikey <key>`) for probes and Prometheus."""
    scheme, value = _scheme(request)
    if scheme == "apikey":
        key = state.config.api_key
        if key is None or not hmac.compare_digest(value.encode(), key.get_secret_value().encode()):
            raise Unauthorized("wrong API key")
        return Principal("apikey", "ROLE_PROBE")
    if scheme != "bearer":
        raise Unauthorized("use Authorization: Bearer <token> or Apikey <key>")
    return await _bearer(state, value)


User = Annotated[Principal, Depends(current_user)]
Admin = Annotated[Principal, Depends(admin_user)]
Probe = Annotated[Principal, Depends(probe_user)]
