"""Failover: kill -9 the CoreApp owning shard 0, keep sending to shard-0 users, time the recovery.

Failover time = from the kill until the first message *sent after the kill* is reported
`delivered` at the webhook: the whole path (lease expiry, takeover, WebApp re-routing, upstream
send, callback delivery by the new owner) must work again for that to happen. Messages accepted
just before the kill (a burst, still queued or in flight on the victim) and after it must all
still arrive: an acknowledged message is a promise.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import aiohttp

from bench import drain
from bench.load import Sample, send_one, session
from bench.stack import shard_owner
from wabiz.kit.sharding import shard_of
from wabiz.local.stack import Stack

PROBE_INTERVAL = 0.1  # one message every 100 ms after the kill
BURST = 20  # messages accepted right before the kill


async def _burst(client: aiohttp.ClientSession, url: str, users: list[str]) -> list[Sample]:
    """Messages accepted just before the kill: likely still queued or in flight on the victim."""
    slots = asyncio.Semaphore(BURST)
    sends = [
        send_one(client, url, users[n], f"before kill {n}", time.perf_counter(), slots) for n in range(BURST)
    ]
    return list(await asyncio.gather(*sends))


def _restored(tasks: list[asyncio.Task[Sample]], log: drain.CallbackLog) -> float | None:
    """Arrival of the earliest delivered callback of a post-kill message, if any arrived yet."""
    done = [t.result() for t in tasks if t.done()]
    arrivals = [log.delivered[s.message_id] for s in done if s.message_id in log.delivered]
    return min(arrivals, default=None)


async def _poll(client: aiohttp.ClientSession, receiver_url: str, log: drain.CallbackLog) -> None:
    """New callbacks since the last poll; a failed poll is only reported (the next one retries)."""
    try:
        async with client.get(f"{receiver_url}/received", params={"since": repr(log.since)}) as answer:
            log.absorb((await answer.json())["callbacks"])
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"bench: failover: receiver poll failed: {exc!r}", flush=True)


async def _probe(
    client: aiohttp.ClientSession,
    urls: dict[str, str],
    users: list[str],
    log: drain.CallbackLog,
    bound: float,
) -> tuple[list[Sample], float | None]:
    """Open loop: a send every 100 ms (not waiting for answers) until one is delivered or timeout."""
    slots = asyncio.Semaphore(10_000)  # unbounded in practice: the probe must not wait on itself
    tasks: list[asyncio.Task[Sample]] = []
    began, restored = time.monotonic(), None
    while restored is None and time.monotonic() < began + bound:
        n = len(tasks)
        send = send_one(
            client, urls["send"], users[n % len(users)], f"after kill {n}", time.perf_counter(), slots
        )
        tasks.append(asyncio.create_task(send))
        await _poll(client, urls["receiver"], log)
        restored = _restored(tasks, log)
        await asyncio.sleep(max(0.0, began + (n + 1) * PROBE_INTERVAL - time.monotonic()))
    return list(await asyncio.gather(*tasks)), restored


async def _run(
    stack: Stack, token: str, users: list[str], log: drain.CallbackLog, bound: float
) -> tuple[str, float, list[Sample], list[Sample], float | None]:
    """Burst, kill -9, probe: (victim, kill time, burst samples, probe samples, restored at)."""
    urls = {
        "send": stack.components["webapp"].url + "/v1/messages",
        "receiver": stack.components["webhook_receiver"].url,
    }
    owner = shard_owner(stack, 0)
    async with session(token, 256) as client:
        before = await _burst(client, urls["send"], users)
        stack.components[owner].kill()
        killed = time.time()
        after, restored = await _probe(client, urls, users, log, bound)
    return owner, killed, before, after, restored


def _lost(samples: list[Sample], log: drain.CallbackLog, network: drain.NetworkView) -> dict[str, Any]:
    """Accepted ids that never reached the network or never got their `delivered` callback."""
    ids = {s.message_id for s in samples if s.accepted and s.message_id}
    lost = sorted(i for i in ids if i not in network.seen or i not in log.delivered)
    return {"accepted": len(ids), "lost": len(lost), "lost_ids": lost[:10]}


def _after_figures(after: list[Sample], killed: float) -> dict[str, Any]:
    """How the API behaved meanwhile: held requests (latency) or refusals (1018 after 10 s)."""
    accepted = [s for s in after if s.accepted]
    first_ok = min((s.started_wall + s.latency for s in accepted), default=None)
    return {
        "probes_sent": len(after),
        "first_accepted_after_kill_s": None if first_ok is None else round(first_ok - killed, 2),
        "max_probe_latency_s": round(max((s.latency for s in after), default=0.0), 2),
        "probe_refusals": dict(Counter(f"{s.status}/{s.error}" for s in after if not s.accepted)),
    }


def measure(
    stack: Stack, token: str, shards: int, users: list[str], timeout: float, drain_timeout: float
) -> dict[str, Any]:
    """Kill shard 0's owner under a trickle of sends; failover time, refusals, losses, duplicates."""
    shard0 = [u for u in users if shard_of(u, shards) == 0]
    log = drain.CallbackLog(since=time.time())
    owner, killed, before, after, restored = asyncio.run(_run(stack, token, shard0, log, timeout))
    ids = {s.message_id for s in before + after if s.accepted and s.message_id}
    settled = drain.wait_delivered(log, stack.components["webhook_receiver"].url, ids, drain_timeout)
    network = drain.network_view(stack.components["sandbox"].url, stack.secrets["sandbox_control_token"])
    return {
        "shards": shards,
        "killed": owner,
        "failover_s": None if restored is None else round(restored - killed, 2),
        "bound_s": timeout,
        **_after_figures(after, killed),
        "before_kill": _lost(before, log, network),
        "after_kill": _lost(after, log, network),
        "duplicates": sum(network.duplicates.get(i, 0) for i in ids),
        "drain": {"seconds": settled.seconds, "complete": settled.complete},
    }
