"""Is this number on WhatsApp? Answered from the `contacts` table (7 days), else by a CoreApp.

With `blocking: "no_wait"` numbers not in the cache are answered `processing` and checked in the
background (bounded: `background.py`; a number that does not fit is `failed`), so the next
request finds them; with `"wait"` the answer waits for the check, and a number the CoreApp gave
no verdict on is `failed`. Input that is not a dialable number of
plausible length is `invalid` without asking anyone.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from wabiz.db import contacts
from wabiz.kit.phone import is_plausible_wa_id, normalize
from wabiz.webapp.contacts.known_invalid import CACHE_DAYS
from wabiz.webapp.contacts.schemas import ContactsCheck
from wabiz.webapp.state import AppState


def wa_id_of(given: str) -> str | None:
    digits = normalize(given)
    return digits if digits is not None and is_plausible_wa_id(digits) else None


def contact_results(
    inputs: Iterable[str], known: Mapping[str, bool], pending: frozenset[str] = frozenset()
) -> list[dict[str, str]]:
    """The answer, input by input, in the order given."""
    results = []
    for given in inputs:
        wa_id = wa_id_of(given)
        if wa_id is None or known.get(wa_id) is False:
            results.append({"input": given, "status": "invalid"})
        elif known.get(wa_id):
            results.append({"input": given, "status": "valid", "wa_id": wa_id})
        else:
            results.append({"input": given, "status": "processing" if wa_id in pending else "failed"})
    return results


async def verify(state: AppState, wa_ids: list[str]) -> dict[str, bool]:
    """Ask a CoreApp (the network) about these numbers and remember its verdicts."""
    answer = await state.coreapps.to_any("POST", "/internal/contacts", {"wa_ids": wa_ids})
    valid = answer.get("valid")
    verdicts = {w: bool(valid[w]) for w in wa_ids if isinstance(valid, dict) and w in valid}
    if verdicts:
        async with state.sessions.begin() as session:
            await contacts.store_verdicts(session, verdicts)
        state.known_invalid.remember(verdicts, time.time())
    return verdicts


async def check_contacts(state: AppState, request: ContactsCheck) -> list[dict[str, str]]:
    wa_ids = sorted({w for w in map(wa_id_of, request.contacts) if w is not None})
    known: dict[str, bool] = {}
    if wa_ids and not request.force_check:
        async with state.sessions.begin() as session:
            known = await contacts.fresh_verdicts(session, wa_ids, CACHE_DAYS)
    unknown = [w for w in wa_ids if w not in known]
    if not unknown:
        return contact_results(request.contacts, known)
    if request.blocking == "wait":
        return contact_results(request.contacts, known | await verify(state, unknown))
    pending = state.contact_checks.submit(unknown, lambda wa_ids: verify(state, wa_ids))
    return contact_results(request.contacts, known, pending=pending)
