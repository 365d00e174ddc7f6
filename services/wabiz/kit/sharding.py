"""Which shard a recipient belongs to: stable across processes, versions and machines.

Python's `hash()` is salted per process, so a fixed digest decides instead.
"""

from __future__ import annotations

import hashlib

SHARD_COUNTS = (1, 2, 4, 8, 16, 32)


def stable_hash(wa_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(wa_id.encode(), digest_size=8).digest(), "big")


def shard_of(wa_id: str, shards: int) -> int:
    return stable_hash(wa_id) % shards
