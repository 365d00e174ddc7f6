"""Pure pieces of the WebApp: media rules, health shapes, stats rendering, routing, auth, bodies."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any, get_args

import pytest

from wabiz.db.leases import LiveNode, lease_owners
from wabiz.db.users import TokenOwner
from wabiz.kit.errors import ApiError, Unauthorized
from wabiz.kit.media_types import MB, canonical
from wabiz.kit.sharding import SHARD_COUNTS, shard_of
from wabiz.webapp.account.schemas import ShardChange
from wabiz.webapp.auth import (
    Principal,
    TokenCache,
    authorization,
    basic_credentials,
    check_api_key,
    shared_lookup,
)
from wabiz.webapp.bodies import StrictModel, to_model
from wabiz.webapp.contacts.service import wa_id_of
from wabiz.webapp.health.service import health_payload
from wabiz.webapp.health.stats import Gauge, as_json, as_prometheus
from wabiz.webapp.media.rules import media_rule, size_problem
from wabiz.webapp.messages.service import recipient
from wabiz.webapp.openapi import schema_of, with_components
from wabiz.webapp.routing import ShardMap

# -- media -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "kind", "limit"),
    [
        ("image/jpeg", "image", 5 * MB),
        ("image/png", "image", 5 * MB),
        ("audio/aac", "audio", 16 * MB),
        ("audio/ogg; codecs=opus", "audio", 16 * MB),
        ("video/3gpp", "video", 16 * MB),
        ("image/webp", "sticker", 500 * 1024),
        ("application/pdf", "document", 100 * MB),
        ("text/plain; charset=utf-8", "document", 100 * MB),
    ],
)
def test_media_kinds_and_limits(content_type: str, kind: str, limit: int) -> None:
    rule = media_rule(content_type)
    assert (rule.kind, rule.limit) == (kind, limit)
    assert size_problem(rule, limit, upload_cap=200 * MB) is None
    assert size_problem(rule, limit + 1, upload_cap=200 * MB) is not None


@pytest.mark.parametrize(
    ("content_type", "code"),
    [(None, 1008), ("", 1008), ("png", 1009), ("image/gif", 1009), ("video/avi", 1009)],
)
def test_refused_media_types(content_type: str | None, code: int) -> None:
    with pytest.raises(ApiError) as caught:
        media_rule(content_type)
    assert caught.value.code == code
    assert "Content-Type" in caught.value.details


def test_media_sizes() -> None:
    rule = media_rule("application/pdf")
    assert size_problem(rule, 0, 10) is not None
    problem = size_problem(rule, 11, 10)
    assert problem is not None and "WABIZ_MAX_UPLOAD_BYTES" in problem.details


def test_canonical_mime() -> None:
    assert canonical("Image/PNG; charset=x") == "image/png"
    assert canonical("audio/OGG;codecs=OPUS") == "audio/ogg; codecs=opus"


# -- health and stats ------------------------------------------------------------------------


def test_health_payload() -> None:
    a, b, c = (
        LiveNode("a", "h", "connected", 1),
        LiveNode("b", "h", "connected", 1),
        LiveNode("c", "h", "connected", 0),
    )
    assert health_payload([], None, registered=True) == {"gateway_status": "disconnected"}
    assert health_payload([a], "a", registered=False) == {"gateway_status": "unregistered"}
    assert health_payload([a], "a", registered=True) == {"gateway_status": "connected"}
    assert health_payload([a, b, c], "a", registered=True) == {
        "h:a": {"gateway_status": "connected", "role": "primary_master"},
        "h:b": {"gateway_status": "connected", "role": "coreapp"},
        "h:c": {"gateway_status": "connected", "role": "secondary_master"},
    }


def test_stats_as_json_and_prometheus() -> None:
    gauges = [
        Gauge("pending", "Pending", (), {(): 3}),
        Gauge("messages", "Messages", ("direction", "status"), {("out", "queued"): 2, ("out", "sent"): 1}),
        Gauge("odd", 'Label "quoted"', ("name",), {('a"b',): 1}),
    ]
    assert as_json(gauges) == {"pending": 3, "messages": {"out": {"queued": 2, "sent": 1}}, "odd": {'a"b': 1}}
    text = as_prometheus("wabiz_app", gauges).decode()
    assert "# TYPE wabiz_app_pending gauge\nwabiz_app_pending 3.0\n" in text
    assert 'wabiz_app_messages{direction="out",status="queued"} 2.0' in text
    assert 'wabiz_app_odd{name="a\\"b"} 1.0' in text


# -- routing ---------------------------------------------------------------------------------


def test_lease_owners() -> None:
    rows = [
        ("shard:0", "http://a"),
        ("shard:12", "http://b"),
        ("master", "http://a"),
        ("shard:x", "http://c"),
    ]
    assert lease_owners(rows) == {0: "http://a", 12: "http://b"}


def test_shard_map_owner_of() -> None:
    shard_map = ShardMap("registered", "1", "5550001234", 4, {0: "a", 1: "b", 2: "c"})
    recipients = [f"1555{n:07d}" for n in range(50)]
    for wa_id in recipients:
        expected = {0: "a", 1: "b", 2: "c"}.get(shard_of(wa_id, 4))
        assert shard_map.owner_of(wa_id) == expected
    assert shard_map.business_wa_id == "15550001234" and shard_map.registered
    assert ShardMap().business_wa_id is None and not ShardMap().registered


def test_shard_counts_match_the_kit() -> None:
    assert get_args(ShardChange.model_fields["shards"].annotation) == SHARD_COUNTS


@pytest.mark.parametrize(
    ("given", "wa_id"),
    [("+1 631-555-1181", "16315551181"), ("(631) 555.1181", "6315551181"), ("12", None), ("abc", None)],
)
def test_numbers(given: str, wa_id: str | None) -> None:
    assert wa_id_of(given) == wa_id
    if wa_id is None:
        with pytest.raises(ApiError) as caught:
            recipient(given)
        assert caught.value.code == 1009
    else:
        assert recipient(given) == wa_id


# -- auth ------------------------------------------------------------------------------------


def test_authorization_headers() -> None:
    assert authorization("Bearer abc") == ("bearer", "abc")
    assert authorization("APIKEY  key ") == ("apikey", "key")
    for header in (None, "", "Bearer", "Bearer   "):
        with pytest.raises(Unauthorized):
            authorization(header)
    encoded = base64.b64encode(b"admin:pa:ss").decode()
    assert basic_credentials(f"Basic {encoded}") == ("admin", "pa:ss")


def test_api_key() -> None:
    assert check_api_key("probe-key-0123", "probe-key-0123").role == "ROLE_PROBE"
    for configured in (None, "other-key-01234"):
        with pytest.raises(Unauthorized):
            check_api_key("probe-key-0123", configured)


def test_token_cache() -> None:
    cache = TokenCache(ttl=60)
    alice, bob = Principal("alice", "ROLE_USER", "d1"), Principal("bob", "ROLE_USER", "d2")
    cache.put(alice, time.time() + 60)
    cache.put(bob, time.time() - 1)
    assert cache.get("d1") == alice
    assert cache.get("d2") is None, "an expired token is never served from the cache"
    cache.evict_user("alice")
    assert cache.get("d1") is None
    disabled = TokenCache(ttl=0)
    disabled.put(alice, time.time() + 60)
    assert disabled.get("d1") is None


async def test_concurrent_requests_with_one_token_share_one_lookup() -> None:
    """When a cached token runs out under load, hundreds of requests carry it at once: one
    database read must answer them all, and a caller that goes away must not cancel it."""
    cache, reads, release = TokenCache(ttl=60), [], asyncio.Event()
    owner = TokenOwner("alice", "ROLE_USER", time.time() + 60)

    async def lookup() -> TokenOwner | None:
        reads.append(1)
        await release.wait()
        return owner

    waiters = [asyncio.create_task(shared_lookup(cache, "d1", lookup)) for _ in range(50)]
    await asyncio.sleep(0)
    waiters[0].cancel()
    release.set()
    answers = await asyncio.gather(*waiters[1:])
    assert reads == [1] and answers == [owner] * 49
    assert cache.lookups == {}, "the next expiry reads again"
    await shared_lookup(cache, "d1", lookup)
    assert reads == [1, 1]


# -- bodies ----------------------------------------------------------------------------------


class _Inner(StrictModel):
    value: int


class _Outer(StrictModel):
    inner: _Inner
    items: list[_Inner] = []


def test_to_model_codes() -> None:
    cases: list[tuple[Any, int]] = [
        ([], 1025),
        ({}, 1008),
        ({"inner": {"value": "5"}}, 1009),
        ({"inner": {"value": 5}, "x": 1}, 1010),
    ]
    for raw, code in cases:
        with pytest.raises(ApiError) as caught:
            to_model(_Outer, raw)
        assert caught.value.code == code
    assert to_model(_Outer, {"inner": {"value": 5}}).inner.value == 5


def test_declared_shapes_become_components() -> None:
    operation = {"body": schema_of(_Outer), "answers": [schema_of(list[_Outer], "serialization")]}
    completed = with_components({"paths": {"/x": {"post": operation}}})
    described = completed["paths"]["/x"]["post"]
    assert described["body"] == {"$ref": "#/components/schemas/_Outer"}
    assert described["answers"] == [{"type": "array", "items": {"$ref": "#/components/schemas/_Outer"}}]
    schemas = completed["components"]["schemas"]
    assert set(schemas) == {"_Outer", "_Inner"}, "each model once, under its name"
    assert schemas["_Outer"]["properties"]["inner"] == {"$ref": "#/components/schemas/_Inner"}
