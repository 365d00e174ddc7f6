"""Callback retry timing and the merging of status callbacks into one POST."""

from __future__ import annotations

import pytest

from wabiz.coreapp.callbacks import MAX_MERGED_STATUSES, Pending, body_of, merge, retry_delay_ms
from wabiz.coreapp.outbox import retry_delay_s


def test_delay_grows_linearly_up_to_the_cap() -> None:
    assert [retry_delay_ms(n, 3000, 10_000) for n in (1, 2, 3, 4, 5)] == [3000, 6000, 9000, 10_000, 10_000]


def test_defaults_of_the_contract() -> None:
    assert retry_delay_ms(1, 3000, 900_000) == 3000
    assert retry_delay_ms(10_000, 3000, 900_000) == 900_000, "retries continue at the cap"


@pytest.mark.parametrize("attempts", [0, -1])
def test_a_first_failure_waits_one_step(attempts: int) -> None:
    assert retry_delay_ms(attempts, 50, 1000) == 50


def test_upstream_send_retries_settle_at_ten_seconds() -> None:
    delays = [retry_delay_s(n) for n in range(10)]
    assert delays == sorted(delays)
    assert delays[-1] == 10


def _status(n: int) -> Pending:
    return Pending(n, 0, {"statuses": [{"id": f"m{n}", "status": "delivered"}]})


def test_merge_groups_statuses_but_not_messages() -> None:
    inbound = Pending(99, 0, {"contacts": [], "messages": [{"id": "x"}]})
    groups = merge([_status(1), _status(2), inbound, _status(3)])
    assert [[p.id for p in g] for g in groups] == [[99], [1, 2, 3]]
    assert body_of(groups[0]) == inbound.payload
    assert [s["id"] for s in body_of(groups[1])["statuses"]] == ["m1", "m2", "m3"]


def test_merge_respects_the_post_size() -> None:
    groups = merge([_status(n) for n in range(MAX_MERGED_STATUSES * 2 + 1)])
    assert [len(g) for g in groups] == [MAX_MERGED_STATUSES, MAX_MERGED_STATUSES, 1]
