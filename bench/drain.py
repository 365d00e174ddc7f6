"""After the load: did every accepted message reach the network, and its `delivered` callback us?

The reference receiver keeps every callback in memory and `GET /received` returns all of them;
after 20 s at 1,200 msg/s that is ~70,000 callbacks. Polling the whole list every second would
make the receiver (which shares the two cores with the stack) the bottleneck we measure, so
`CallbackLog` fetches incrementally with `?since=`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class CallbackLog:
    """Delivered statuses seen at the receiver so far: message id → first arrival (epoch)."""

    since: float = 0.0
    delivered: dict[str, float] = field(default_factory=dict)
    delivered_count: Counter[str] = field(default_factory=Counter)
    _seen_at_since: int = 0  # callbacks stamped exactly `since` that were already absorbed

    def absorb(self, callbacks: Iterable[dict[str, Any]]) -> None:
        """Take in `GET /received?since=<since>` (ordered by arrival), skipping ones seen before.

        `since` is inclusive, so the callbacks stamped exactly `since` come back on the next
        fetch; the first `_seen_at_since` of them are the ones already counted.
        """
        skip = self._seen_at_since
        for callback in callbacks:
            at = float(callback["received_at"])
            if at < self.since:
                continue  # not asked for; only a clock step could send it
            if at == self.since and skip > 0:
                skip -= 1
                continue
            if at > self.since:
                self.since, self._seen_at_since = at, 0
            self._seen_at_since += 1
            if callback.get("answered") == 200:
                self._take(callback, at)

    def _take(self, callback: dict[str, Any], at: float) -> None:
        """Note the `delivered` statuses of one accepted callback (a POST may carry many)."""
        body = callback.get("body") or {}
        for status in body.get("statuses", []) if isinstance(body, dict) else []:
            if status.get("status") == "delivered":
                self.delivered.setdefault(status["id"], at)
                self.delivered_count[status["id"]] += 1

    def refresh(self, client: httpx.Client) -> None:
        """Fetch and absorb what arrived since the last refresh."""
        answer = client.get("/received", params={"since": repr(self.since)})
        answer.raise_for_status()
        self.absorb(answer.json()["callbacks"])

    def duplicate_callbacks(self, ids: Iterable[str]) -> int:
        """Extra `delivered` callbacks for these ids: allowed (at-least-once), but worth knowing."""
        return sum(max(0, self.delivered_count[i] - 1) for i in ids)


@dataclass(frozen=True)
class Drain:
    seconds: float  # how long the wait took
    complete: bool  # every id got its delivered callback before the bound


def wait_delivered(log: CallbackLog, receiver_url: str, ids: set[str], timeout: float) -> Drain:
    """Poll the receiver (once a second) until every id was reported delivered, or `timeout`."""
    began = time.monotonic()
    with httpx.Client(base_url=receiver_url, timeout=60) as client:
        log.refresh(client)
        while not ids <= log.delivered.keys() and time.monotonic() - began < timeout:
            time.sleep(1)
            log.refresh(client)
    return Drain(round(time.monotonic() - began, 1), ids <= log.delivered.keys())


@dataclass(frozen=True)
class NetworkView:
    seen: set[str]  # our message ids (biz_opaque_callback_data) the sandbox received
    duplicates: dict[str, int]  # our id → extra sends the sandbox received of it
    total_duplicates: int  # the sandbox's own count, over everything it ever received


def network_view(sandbox_url: str, control_token: str) -> NetworkView:
    """What the simulated WhatsApp network received, with its at-least-once duplicates."""
    auth = {"Authorization": f"Bearer {control_token}"}
    answer = httpx.get(f"{sandbox_url}/control/messages", headers=auth, timeout=60)
    answer.raise_for_status()
    received = answer.json()
    seen: set[str] = set()
    duplicates: dict[str, int] = {}
    for message in received["messages"]:
        client_id = message.get("client_id")
        if client_id:
            seen.add(client_id)
            if message.get("count", 1) > 1:
                duplicates[client_id] = message["count"] - 1
    return NetworkView(seen, duplicates, int(received.get("duplicates", 0)))
