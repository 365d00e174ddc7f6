"""Ports for the local stack's processes: one per component, never one picked already."""

from __future__ import annotations

from wabiz.local.ports import is_free, pick


def test_a_free_preferred_port_is_kept_unless_taken() -> None:
    port = pick()
    assert is_free(port)
    assert pick(port) == port
    assert pick(port, taken=frozenset({port})) != port


def test_picks_that_avoid_what_was_taken_are_all_different() -> None:
    taken: set[int] = set()
    for _ in range(200):
        port = pick(taken=frozenset(taken))
        assert port not in taken
        taken.add(port)
