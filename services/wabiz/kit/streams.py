"""Byte streams read with a bound: what a peer sends is never held beyond the limit we chose.

A request body or a download arrives as chunks; joining them as they come (`raw += chunk`) costs
time quadratic in the size and holds everything whatever its size. These helpers count as they go
and stop at the limit: `read_at_most` keeps the chunks for one join at the end, `spool_at_most`
writes them to a file the caller owns (memory first, then disk), hashing on the way.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import IO


class TooLarge(Exception):
    """The stream went past its limit; what was read so far is dropped."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


async def read_at_most(chunks: AsyncIterable[bytes], limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        parts.append(chunk)
    return b"".join(parts)


@dataclass(frozen=True)
class Spooled:
    size: int
    sha256: str


async def spool_at_most(chunks: AsyncIterable[bytes], limit: int, into: IO[bytes]) -> Spooled:
    """Copy the stream into `into` (left at its start), or raise TooLarge past `limit` bytes."""
    digest, size = hashlib.sha256(), 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        digest.update(chunk)
        into.write(chunk)
    into.seek(0)
    return Spooled(size, digest.hexdigest())
