"""What db tests share besides fixtures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Sessions = async_sessionmaker[AsyncSession]


async def sql(session: AsyncSession, statement: str, **params: Any) -> list[Any]:
    """Arrange or inspect rows apart from the repository under test."""
    result = await session.execute(text(statement), params)
    return list(result) if result.returns_rows else []
