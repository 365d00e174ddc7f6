"""Fair shares of the shard leases (the leases themselves: tests/db/test_coreapp_leases.py)."""

from __future__ import annotations

from wabiz.coreapp.leases import fair_share


def test_fair_share() -> None:
    assert fair_share(8, 3) == 3
    assert fair_share(1, 4) == 1
    assert fair_share(4, 0) == 4
