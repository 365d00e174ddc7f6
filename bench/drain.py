"""After the load: did every accepted message reach the network and its `delivered` callback us?"""

from __future__ import annotations

import time
from typing import Any

import httpx


def delivered_at(receiver_url: str) -> dict[str, float]:
    """Message id → when its first `delivered` callback arrived at the receiver."""
    callbacks = httpx.get(f"{receiver_url}/received", timeout=60).json()["callbacks"]
    seen: dict[str, float] = {}
    for callback in callbacks:
        if callback.get("answered", 200) != 200:
            continue
        for status in callback["body"].get("statuses", []):
            if status["status"] == "delivered":
                seen.setdefault(status["id"], callback["received_at"])
    return seen


def wait_delivered(receiver_url: str, ids: set[str], timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    seen = delivered_at(receiver_url)
    while not ids <= set(seen) and time.monotonic() < deadline:
        time.sleep(1)
        seen = delivered_at(receiver_url)
    return seen


def network_view(sandbox_url: str) -> dict[str, Any]:
    received = httpx.get(f"{sandbox_url}/control/messages", timeout=60).json()
    return {
        "client_ids": {m["client_id"] for m in received["messages"]},
        "duplicates": received["duplicates"],
    }
