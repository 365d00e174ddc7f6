from __future__ import annotations

import asyncio

import pytest

from wabiz.coreapp import payloads
from wabiz.coreapp.callbacks import MAX_MERGED_STATUSES, Pending, body_of, merge, retry_delay_ms
from wabiz.coreapp.leases import fair_share
from wabiz.kit.batching import Batcher


def test_linear_backoff_with_cap() -> None:
    assert [retry_delay_ms(n, 3000, 10_000) for n in (1, 2, 3, 4, 5)] == [3000, 6000, 9000, 10_000, 10_000]


def _status(n: int) -> Pending:
    return Pending(n, 0, {"statuses": [{"id": f"m{n}", "status": "delivered"}]})


def test_merge_groups_statuses_but_not_messages() -> None:
    inbound = Pending(99, 0, {"contacts": [], "messages": [{"id": "x"}]})
    groups = merge([_status(1), _status(2), inbound, _status(3)])
    assert [[p.id for p in g] for g in groups] == [[99], [1, 2, 3]]
    merged = next(g for g in groups if len(g) == 3)
    assert [s["id"] for s in body_of(merged)["statuses"]] == ["m1", "m2", "m3"]


def test_merge_respects_the_post_size() -> None:
    groups = merge([_status(n) for n in range(MAX_MERGED_STATUSES * 2 + 1)])
    assert [len(g) for g in groups] == [MAX_MERGED_STATUSES, MAX_MERGED_STATUSES, 1]


def test_fair_share() -> None:
    assert fair_share(8, 3) == 3
    assert fair_share(1, 4) == 1
    assert fair_share(4, 0) == 4


def test_to_cloud_text_and_context() -> None:
    body = payloads.to_cloud(
        {
            "to": "1631",
            "type": "text",
            "text": {"body": "hi"},
            "preview_url": True,
            "context": {"message_id": "w1"},
        },
        "gBour",
    )
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "1631",
        "type": "text",
        "text": {"body": "hi", "preview_url": True},
        "biz_opaque_callback_data": "gBour",
        "context": {"message_id": "w1"},
    }


def test_to_cloud_media_by_id_uses_the_upstream_id() -> None:
    message = {"to": "1", "type": "image", "image": {"id": "ours", "caption": "c", "provider": {"name": "p"}}}
    assert payloads.to_cloud(message, "gB1", "theirs")["image"] == {"id": "theirs", "caption": "c"}


def test_to_cloud_template_drops_on_prem_fields() -> None:
    message = {
        "to": "1",
        "type": "template",
        "template": {"namespace": "ns", "name": "t", "language": {"policy": "deterministic", "code": "en"}},
    }
    assert payloads.to_cloud(message, "gB1")["template"] == {"name": "t", "language": {"code": "en"}}


@pytest.mark.parametrize(
    ("cloud", "ours"), [(131047, 470), (131026, 1013), (130429, 429), (131051, 501), (1, 500)]
)
def test_error_codes_map_to_the_contract(cloud: int, ours: int) -> None:
    item = payloads.status_item(
        "gB1", "1631", {"status": "failed", "timestamp": "1", "errors": [{"code": cloud}]}
    )
    assert item["errors"][0]["code"] == ours


def test_inbound_payload_carries_our_media_id() -> None:
    message = {"from": "1631", "id": "w", "type": "image", "image": {"id": "up", "mime_type": "image/png"}}
    contacts = [{"profile": {"name": "K"}, "wa_id": "1631"}]
    payload = payloads.inbound_payload(contacts, message, "ours")
    assert payload["messages"][0]["image"]["id"] == "ours"
    assert payload["contacts"] == contacts
    assert message["image"]["id"] == "up", "the input is not modified"
    assert payloads.inbound_media(message) == ("up", "image/png", None)


def test_changes_reads_cloud_webhooks() -> None:
    hook = {
        "entry": [
            {"changes": [{"field": "messages", "value": {"statuses": []}}, {"field": "x", "value": {}}]}
        ]
    }
    assert list(payloads.changes(hook)) == [{"statuses": []}]


async def test_batcher_groups_concurrent_calls() -> None:
    batches: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        batches.append(items)
        return [i * 2 for i in items]

    batcher: Batcher[int, int] = Batcher(flush, max_items=100, max_delay=0.01)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(10)))
    assert results == [i * 2 for i in range(10)]
    assert batches == [list(range(10))]


async def test_batcher_failure_reaches_every_caller() -> None:
    async def flush(items: list[int]) -> list[int]:
        raise RuntimeError("database down")

    batcher: Batcher[int, int] = Batcher(flush, max_delay=0.001)
    results = await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
