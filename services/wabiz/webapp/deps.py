"""The endpoints' dependencies, as `Annotated` aliases.

`Session` is one transaction per request, committed before the answer is sent (function scope),
so a client that gets 201 can read what it created at once; endpoints on the send path do not
ask for it and so never touch the database pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.kit.errors import AccessDenied, Unauthorized
from wabiz.kit.httpapp import json_body
from wabiz.webapp.auth import Principal, authorization, basic_credentials, check_api_key, verify_bearer
from wabiz.webapp.bodies import to_model
from wabiz.webapp.state import AppState

M = TypeVar("M", bound=BaseModel)


# Dependencies are coroutines even when they need not be: FastAPI runs a plain function in its
# thread pool, a thread hop per request that cost ~6 % of the WebApp's CPU on the send path.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.wabiz
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session, session.begin():
        yield session


Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def current_user(request: Request, state: State) -> Principal:
    scheme, value = authorization(request.headers.get("authorization"))
    if scheme != "bearer":
        raise Unauthorized("this endpoint needs Authorization: Bearer <token> (POST /v1/users/login)")
    return await verify_bearer(state.sessions, state.tokens, value)


CurrentUser = Annotated[Principal, Depends(current_user)]


async def admin_user(user: CurrentUser) -> Principal:
    if not user.is_admin:
        raise AccessDenied("this operation is for admins only")
    return user


AdminUser = Annotated[Principal, Depends(admin_user)]


async def probe_or_user(request: Request, state: State) -> Principal:
    """A bearer token, or the configured API key (`Authorization: Apikey <key>`) for probes."""
    scheme, value = authorization(request.headers.get("authorization"))
    if scheme == "apikey":
        key = state.config.api_key
        return check_api_key(value, key.get_secret_value() if key else None)
    if scheme != "bearer":
        raise Unauthorized("use Authorization: Bearer <token> or Authorization: Apikey <key>")
    return await verify_bearer(state.sessions, state.tokens, value)


ProbeOrUser = Annotated[Principal, Depends(probe_or_user)]


async def basic_login(request: Request) -> tuple[str, str]:
    return basic_credentials(request.headers.get("authorization"))


BasicCredentials = Annotated[tuple[str, str], Depends(basic_login)]


async def client_address(request: Request) -> str:
    """The caller's address (from `X-Forwarded-For` only when sent by a trusted proxy)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def body_of(model: type[M]) -> Any:
    """`Annotated[Model, body_of(Model)]`: the JSON body, validated strictly into `Model`."""

    async def parse(request: Request, state: State) -> M:
        return to_model(model, await json_body(request, state.config.max_json_bytes))

    return Depends(parse)


def optional_body_of(model: type[M]) -> Any:
    """Like `body_of`, but a request without a body gives None."""

    async def parse(request: Request, state: State) -> M | None:
        if not _has_body(request):
            return None
        return to_model(model, await json_body(request, state.config.max_json_bytes))

    return Depends(parse)


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length != "0"
    return "transfer-encoding" in request.headers
