"""The public `/upstream/webhook`: anyone on the internet may post there, so it must cost little.

A body over `WABIZ_MAX_WEBHOOK_BYTES` is answered 413 without being held (refused from its
Content-Length before a byte is read, or cut off while streaming), a post without a signature
is answered 401 before its body is read, and neither the WebApp (the public face) nor the
CoreApp (which verifies) grows by more than a few MiB, whatever the sender streams.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.security.probes import MIB, headers_only, peak_growth, post_streaming
from wabiz.local.stack import Stack

pytestmark = pytest.mark.xdist_group("network")

HOSTILE_BYTES = 64 * MIB
# The default limit is 3 MiB; reading up to it, parsing and relaying costs a few times that.
# Holding the hostile body once would cost 64 MiB.
MEMORY_BOUND_MIB = 24
FAKE_SIGNATURE = {"X-Hub-Signature-256": "sha256=" + "0" * 64}


def _endpoint(stack: Stack, component: str) -> tuple[str, int]:
    process = stack.components[component].process
    assert process is not None
    return stack.components[component].url + "/upstream/webhook", process.pid


@pytest.mark.parametrize("component", ["webapp", "coreapp-0"])
def test_a_declared_oversize_body_is_refused_unread(stack: Stack, component: str) -> None:
    url, pid = _endpoint(stack, component)
    with peak_growth(pid) as growth:
        answer = asyncio.run(post_streaming(url, {"Content-Type": "application/json"}, HOSTILE_BYTES))
    assert answer.status == 413, answer.body
    assert answer.sent < HOSTILE_BYTES, "answered before the body was sent"
    assert growth.mib < MEMORY_BOUND_MIB, str(growth)


@pytest.mark.parametrize("component", ["webapp", "coreapp-0"])
def test_a_streamed_oversize_body_is_cut_off(stack: Stack, component: str) -> None:
    url, pid = _endpoint(stack, component)
    headers = {"Content-Type": "application/json"} | FAKE_SIGNATURE
    with peak_growth(pid) as growth:
        answer = asyncio.run(post_streaming(url, headers, HOSTILE_BYTES, chunked=True))
    assert answer.status == 413, answer.body
    assert answer.sent < HOSTILE_BYTES, "answered before the body was sent"
    assert growth.mib < MEMORY_BOUND_MIB, str(growth)


def test_an_unsigned_post_is_refused_before_its_body_is_read(stack: Stack) -> None:
    """Headers only, the body never sent: an answer at all proves the body was not waited for."""
    url, _ = _endpoint(stack, "webapp")
    status = asyncio.run(headers_only(url, {"Content-Type": "application/json"}, declared=1024))
    assert status == 401
