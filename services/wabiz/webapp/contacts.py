"""`POST /v1/contacts`: is this number on WhatsApp? Cached 7 days unless `force_check`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from wabiz.kit.envelope import ok
from wabiz.kit.errors import NotReady
from wabiz.kit.httpapp import JSON
from wabiz.kit.phone import normalize
from wabiz.webapp.deps import State, User

router = APIRouter(tags=["contacts"])


class ContactsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    blocking: Literal["wait", "no_wait"] = "no_wait"
    contacts: list[str] = Field(min_length=1, max_length=1000)
    force_check: bool = False


def contact_result(given: str, wa_id: str | None, valid: bool | None) -> dict[str, str]:
    if valid is None:
        return {"input": given, "status": "processing"}
    if valid and wa_id:
        return {"input": given, "status": "valid", "wa_id": wa_id}
    return {"input": given, "status": "invalid"}


@router.post("/v1/contacts")
async def check_contacts(body: ContactsRequest, user: User, state: State) -> JSON:
    if not (await state.router.current()).registered:
        raise NotReady("the account is not registered yet")
    normalised = {given: normalize(given) for given in body.contacts}
    wa_ids = sorted({w for w in normalised.values() if w})
    known: dict[str, bool] = {}
    if not body.force_check and wa_ids:
        async with state.sessions() as session:
            rows = await session.execute(
                text(
                    "SELECT wa_id, valid FROM contacts WHERE wa_id = ANY(:ids)"
                    " AND checked_at > now() - interval '7 days'"
                ),
                {"ids": wa_ids},
            )
            known = {row.wa_id: row.valid for row in rows}
    unknown = [w for w in wa_ids if w not in known]
    if unknown:
        answer = await state.coreapps.to_any("POST", "/internal/contacts", {"wa_ids": unknown})
        fresh = {str(k): bool(v) for k, v in answer.get("valid", {}).items()}
        await _remember(state, fresh)
        state.invalid_contacts.remember(fresh)
        known |= fresh
    results = [
        contact_result(given, wa_id, known.get(wa_id) if wa_id else False)
        for given, wa_id in normalised.items()
    ]
    return JSON(ok(contacts=results))


async def _remember(state: State, results: dict[str, bool]) -> None:
    if not results:
        return
    async with state.sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO contacts (wa_id, valid, checked_at)"
                " SELECT * , now() FROM unnest(CAST(:ids AS text[]), CAST(:valid AS boolean[]))"
                " ON CONFLICT (wa_id) DO UPDATE SET valid = EXCLUDED.valid, checked_at = now()"
            ),
            {"ids": list(results), "valid": list(results.values())},
        )
