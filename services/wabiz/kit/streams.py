"""Byte streams read with a bound: what a peer sends is never held beyond the limit we chose.

A request body or a download arrives as chunks; joining them as they come (`raw += chunk`) costs
time quadratic in the size and holds everything whatever its size. These helpers count as they go
and stop at the limit: `capped` passes chunks on until the limit, `read_at_most` keeps them for
one join at the end, and `spool` writes a stream to a file the caller owns (a spooled temporary
file: memory first, then disk), hashing on the way.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import IO


class TooLarge(Exception):
    """The stream went past its limit; what was read so far is dropped."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


async def capped(chunks: AsyncIterable[bytes], limit: int) -> AsyncIterator[bytes]:
    """The same chunks, or TooLarge once they add up to more than `limit` bytes."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        yield chunk


async def read_at_most(chunks: AsyncIterable[bytes], limit: int) -> bytes:
    return b"".join([chunk async for chunk in capped(chunks, limit)])


@dataclass(frozen=True)
class Spooled:
    size: int
    sha256: str


async def spool(chunks: AsyncIterable[bytes], into: IO[bytes]) -> Spooled:
    """Copy the stream into `into` (left at its start), hashing on the way."""
    digest, size = hashlib.sha256(), 0
    async for chunk in chunks:
        size += len(chunk)
        digest.update(chunk)
        into.write(chunk)
    into.seek(0)
    return Spooled(size, digest.hexdigest())
