"""Settings read-your-writes: once `PATCH /v1/settings/application` answered, every event uses them.

Four CoreApps for two shards: whichever node the network's event reaches and whichever owns the
user's shard, an inbound message sent right after the webhook URL changed goes to the new URL.
The receiver answers on `/` and `/webhook` and records the path, so the two URLs are told apart.
No CoreApp's periodic settings poll is waited for: that wait is what the test would catch.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.stack.helpers import Receiver, Sandbox, new_user
from tests.stack.shared import SharedStack, shared_stack
from tests.tooling.waiting import eventually
from wabiz.local.stack import Stack

ROUNDS = 10


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStack]:
    """This module's stack, in place of the tier's: four CoreApps for two shards."""
    with shared_stack(tmp_path_factory.mktemp("four"), shards=2, coreapps=4) as started:
        yield started


def test_an_inbound_message_right_after_a_webhook_change_reaches_the_new_url(
    stack: Stack, api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    base = stack.components["webhook_receiver"].url
    for round_ in range(ROUNDS):
        path = "/webhook" if round_ % 2 == 0 else "/"
        answer = api.patch("/v1/settings/application", json={"webhooks": {"url": base + path}})
        assert answer.status_code == 200, answer.text
        user = new_user()
        sandbox.inbound({"from": user, "type": "text", "text": {"body": f"round {round_}"}})
        callbacks = eventually(
            lambda user=user: [
                c
                for c in receiver.callbacks()
                if any(m["from"] == user for m in c["body"].get("messages", []))
            ],
            timeout=20,
            what=f"the inbound message of round {round_}",
        )
        paths = {c["path"] for c in callbacks}  # at least once: a repeat goes to the same URL
        assert paths == {path}, f"round {round_}: delivered to the URL before the PATCH"


def test_the_receiver_records_the_path(stack: Stack, receiver: Receiver) -> None:
    """The test above relies on it: a callback posted to `/` and one to `/webhook` differ."""
    base = stack.components["webhook_receiver"].url
    for path in ("/", "/webhook"):
        httpx.post(base + path, json={"probe": path}, timeout=10)  # unsigned: refused, recorded
    paths = {c["path"] for c in receiver.callbacks() if "probe" in c["body"]}
    assert paths == {"/", "/webhook"}
