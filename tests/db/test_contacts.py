"""Contact verdicts: fresh for a number of days, replaced by newer ones."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.db.helpers import sql
from wabiz.db import contacts


async def test_verdicts_are_fresh_for_some_days(session: AsyncSession) -> None:
    await contacts.store_verdicts(session, {"111": True, "222": False, "333": False})
    await contacts.store_verdicts(session, {"111": False})
    await sql(session, "UPDATE contacts SET checked_at = now() - interval '8 days' WHERE wa_id = '333'")
    assert await contacts.fresh_verdicts(session, ["111", "222", "333", "444"], 7) == {
        "111": False,
        "222": False,
    }
    assert {v.wa_id for v in await contacts.recent_invalid(session, 7)} == {"111", "222"}


async def test_changes_since_a_moment(session: AsyncSession) -> None:
    await contacts.store_verdicts(session, {"111": True})
    await session.commit()
    since = await contacts.database_now(session)
    await session.commit()
    await contacts.store_verdicts(session, {"222": False})
    changed = await contacts.checked_since(session, since)
    assert [(v.wa_id, v.valid) for v in changed] == [("222", False)]
    assert changed[0].checked_at >= since.timestamp()
