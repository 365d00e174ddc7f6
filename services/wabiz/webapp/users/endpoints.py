"""`/v1/users…` routes: thin wrappers over `users.service`.

Parameters are declared credentials first, so a caller without the right to call an endpoint
learns that (401/403) before anything about its body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.bodies import documented
from wabiz.webapp.deps import (
    AdminUser,
    BasicCredentials,
    ClientAddress,
    CurrentUser,
    Session,
    State,
    body_of,
    optional_body_of,
)
from wabiz.webapp.openapi import BASIC_AUTH, Envelope, answered, errors
from wabiz.webapp.users import service
from wabiz.webapp.users.schemas import (
    CreatedUserAnswer,
    Login,
    LoginAnswer,
    NewUser,
    PasswordChange,
    UserAnswer,
)

router = APIRouter(prefix="/v1/users", tags=["users"])


@router.post(
    "/login",
    openapi_extra=documented(Login, required=False) | BASIC_AUTH,
    responses=errors(400, 429, also={200: answered("A bearer token and when it expires", LoginAnswer)}),
)
async def login(
    credentials: BasicCredentials,
    body: Annotated[Login | None, optional_body_of(Login)],
    state: State,
    client: ClientAddress,
) -> JSON:
    """HTTP Basic credentials → a bearer token valid for 7 days (throttled: 1015 after failures)."""
    username, password = credentials
    new_password = body.new_password if body else None
    issued = await service.login(state, username, password, new_password, client)
    return JSON(ok(users=[issued.rendered()]))


@router.post("/logout", responses=errors(also={200: answered("The token is revoked", Envelope)}))
async def logout(user: CurrentUser, session: Session, state: State) -> JSON:
    """Revoke the bearer token of this request."""
    if user.token_digest is not None:
        await service.logout(session, user.token_digest)
        state.tokens.evict(user.token_digest)
    return JSON(ok())


@router.post(
    "",
    status_code=201,
    openapi_extra=documented(NewUser),
    responses=errors(400, 403, 409, 429, also={201: answered("Created", CreatedUserAnswer)}),
)
async def create_user(
    admin: AdminUser, body: Annotated[NewUser, body_of(NewUser)], session: Session, state: State
) -> JSON:
    await service.create_user(session, state.hasher, body.username, body.password)
    return JSON(ok(users=[{"username": body.username}]), status_code=201)


@router.get(
    "/{username}", responses=errors(403, 404, also={200: answered("The user and their role", UserAnswer)})
)
async def get_user(username: str, user: CurrentUser, session: Session) -> JSON:
    service.require_self_or_admin(user, username)
    return JSON(ok(users=[await service.read_user(session, username)]))


@router.put(
    "/{username}",
    openapi_extra=documented(PasswordChange),
    responses=errors(400, 403, 404, 429, also={200: answered("Changed", Envelope)}),
)
async def change_password(
    username: str,
    user: CurrentUser,
    body: Annotated[PasswordChange, body_of(PasswordChange)],
    state: State,
    client: ClientAddress,
) -> JSON:
    """Set a password; your own needs `old_password` too. Revokes the user's other tokens."""
    service.require_self_or_admin(user, username)
    await service.change_password(state, user, username, body.password, body.old_password, client)
    return JSON(ok())


@router.delete("/{username}", responses=errors(403, 404, also={200: answered("Deleted", Envelope)}))
async def delete_user(username: str, admin: AdminUser, session: Session, state: State) -> JSON:
    await service.delete_user(session, username)
    state.tokens.evict_user(username)
    return JSON(ok())
