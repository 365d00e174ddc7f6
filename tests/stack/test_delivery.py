"""Durable callback delivery: retries with linear backoff, and nothing lost across restarts."""

from __future__ import annotations

import itertools

import httpx
import psycopg

from tests.stack.helpers import Receiver, Sandbox, assert_all_delivered, new_user
from tests.stack.shared import TEST_SETTINGS, pending_callbacks
from tests.tooling.waiting import eventually
from wabiz.local.stack import Stack


def failed_attempts(stack: Stack) -> int:
    dsn = stack.postgres.dsn()
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT coalesce(max(attempts), 0) FROM callbacks").fetchone()
    return int(row[0]) if row else 0


def wait_quiet(stack: Stack) -> None:
    eventually(lambda: pending_callbacks(stack) == 0, timeout=30, what="an empty callback queue")


def test_webhook_failing_three_times_gets_every_callback_with_linear_backoff(
    stack: Stack, sandbox: Sandbox, receiver: Receiver
) -> None:
    user = new_user()
    receiver.fail_next(3, status=500, match=user)
    wamid = sandbox.inbound({"from": user, "type": "text", "text": {"body": "retry me"}})
    eventually(lambda: receiver.messages_from(user), timeout=30, what="the callback after three failures")

    attempts = [
        c for c in receiver.callbacks() if any(m.get("id") == wamid for m in c["body"].get("messages", []))
    ]
    answered = [c.get("answered", 200) for c in attempts]
    assert answered[:4] == [500, 500, 500, 200], answered
    assert set(answered[4:]) <= {200}, "after the success only duplicates of it (at least once)"
    received = [c["received_at"] for c in attempts[:4]]
    step = TEST_SETTINGS["callback_backoff_delay_ms"] / 1000
    for number, (earlier, later) in enumerate(itertools.pairwise(received), start=1):
        # The n-th retry is scheduled n × step after the failure was answered: never sooner. Later
        # only by the delivery loop's polling and the machine's load: no upper bound per gap.
        assert later - earlier >= number * step * 0.9, (number, received)
    # The configured step, not the production default (3 s: 18 s for the three), however slow the machine.
    assert received[-1] - received[0] < 6 * step + 10, received


def test_kill_9_coreapp_with_pending_callbacks_loses_nothing(
    stack: Stack, sandbox: Sandbox, receiver: Receiver
) -> None:
    users = [new_user() for _ in range(20)]
    receiver.fail_next(100_000, status=503)
    try:
        for user in users:
            sandbox.inbound({"from": user, "type": "text", "text": {"body": "survive"}})
        eventually(lambda: pending_callbacks(stack) >= len(users), timeout=30, what="callbacks queued")
        stack.components["coreapp-0"].kill()
    finally:
        receiver.fail_next(0)
    stack.restart("coreapp-0")
    for user in users:
        eventually(lambda user=user: receiver.messages_from(user), timeout=60, what=f"callback for {user}")
    wait_quiet(stack)


def test_webhook_server_restart_loses_nothing(stack: Stack, sandbox: Sandbox, receiver: Receiver) -> None:
    stack.components["webhook_receiver"].kill()
    users = [new_user() for _ in range(5)]
    for user in users:
        sandbox.inbound({"from": user, "type": "text", "text": {"body": "while you were out"}})
    eventually(lambda: failed_attempts(stack) > 0, timeout=30, what="a failed delivery to the dead receiver")
    stack.restart("webhook_receiver")
    for user in users:
        eventually(lambda user=user: receiver.messages_from(user), timeout=60, what=f"callback for {user}")


def send_template(api: httpx.Client, to: str) -> str:
    """A template: deliverable without the user's 24 h window, which a restarted sandbox forgot."""
    template = {"namespace": "wabiz_sandbox", "name": "hello_world", "language": {"code": "en_US"}}
    answer = api.post("/v1/messages", json={"to": to, "type": "template", "template": template})
    assert answer.status_code in (200, 201), answer.text
    message_id: str = answer.json()["messages"][0]["id"]
    return message_id


def test_a_restarted_sandbox_loses_no_message(
    stack: Stack, api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    """The sandbox keeps the network in memory: restarted, it has forgotten the business number.
    The CoreApp registers it again at its next heartbeat, and what it sent meanwhile (refused
    connections, then 'retry later' for the unknown number) is retried, not failed."""
    user = new_user()
    # Delivered before the kill: a message the old sandbox took but had not reported on would be
    # lost with its memory, the sandbox's amnesia and not ours (a real network keeps it).
    assert_all_delivered(receiver, sandbox, {send_template(api, user)})
    stack.components["sandbox"].kill()
    sent = {send_template(api, user) for _ in range(5)}  # the network is down
    stack.restart("sandbox")
    sent |= {send_template(api, user) for _ in range(5)}  # before the CoreApp registered again
    assert_all_delivered(receiver, sandbox, sent, timeout=90)
    failed = [
        s for s in receiver.callbacks() for s in s["body"].get("statuses", []) if s["status"] == "failed"
    ]
    assert not {s["id"] for s in failed} & sent
