"""The load generator: an open loop of `POST /v1/messages`, plus the ceiling of the same client.

Open loop: request n is due at `t0 + n / rate` whatever the server does. A closed loop (send,
wait, send) slows down with the server and hides its slowness; here slowness shows up as latency
and as a lower accepted rate. In-flight requests are bounded (a real client has a connection
pool too); a request waiting for a free slot keeps its scheduled time, so `from_schedule`
latencies include that wait and are free of coordinated omission.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

ACCEPTED = (200, 201)  # 201 is the contract; older WebApps answered 200
FREEZE_EVERY_S = 0.5
TIMEOUT = aiohttp.ClientTimeout(total=30)  # > WebApp's route retry (10 s) + CoreApp call (10 s)


@dataclass(frozen=True)
class Sample:
    """One request: when it was due and started, how long it took, and what came back."""

    scheduled: float  # perf_counter() when the schedule wanted it sent
    started: float  # perf_counter() when it went out (after waiting for a free slot)
    started_wall: float  # time.time() of `started`: comparable with the receiver's timestamps
    latency: float  # seconds from `started` to the full answer
    status: int  # HTTP status; 0 when the request failed at the transport level
    message_id: str | None
    error: str | None  # On-Premises error code, or the transport exception's name

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED and self.message_id is not None


@dataclass
class LoadResult:
    started: float  # perf_counter() of the first scheduled send
    finished: float  # perf_counter() once the last answer arrived
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall_time(self) -> float:
        """The send phase: first scheduled send to last answer."""
        return max(1e-9, self.finished - self.started)

    @property
    def accepted(self) -> dict[str, float]:
        """Accepted message id → wall-clock start of its request (for the delivery lag)."""
        return {s.message_id: s.started_wall for s in self.samples if s.accepted and s.message_id}

    @property
    def accepted_rate(self) -> float:
        """Accepted messages per second of the send phase."""
        return len(self.accepted) / self.wall_time

    def errors_by_status(self) -> dict[str, int]:
        """Refusals by HTTP status ("0" = transport failure), as JSON-friendly string keys."""
        return dict(Counter(str(s.status) for s in self.samples if not s.accepted))

    def errors_by_code(self) -> dict[str, int]:
        """Refusals by On-Premises error code or exception name: says *why* (1018, 1016, …)."""
        return dict(Counter(f"{s.status}/{s.error}" for s in self.samples if not s.accepted))


def recipients(count: int) -> list[str]:
    """Distinct WhatsApp users by the sandbox rule: 8–15 digits, never ending in 0000."""
    return [f"1631555{n:04d}1" for n in range(count)]


def session(token: str | None, in_flight: int) -> aiohttp.ClientSession:
    """The one client configuration used for the ceiling, the load and the failover probe."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    connector = aiohttp.TCPConnector(limit=in_flight, force_close=False)
    return aiohttp.ClientSession(headers=headers, connector=connector, timeout=TIMEOUT)


def _json(raw: bytes) -> Any:
    """The answer's JSON, or None for a non-JSON page (a proxy's 502, say): still a sample."""
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _parse(status: int, payload: Any) -> tuple[str | None, str | None]:
    """(message id, error) from an answer body, tolerating non-JSON error pages."""
    if not isinstance(payload, dict):
        return None, "non-JSON answer"
    if status in ACCEPTED:
        message_id = (payload.get("messages") or [{}])[0].get("id")
        return message_id, None if message_id else "no message id"
    errors = payload.get("errors") or [{}]
    return None, str(errors[0].get("code", status))


async def send_one(
    client: aiohttp.ClientSession, url: str, to: str, text: str, scheduled: float, slots: asyncio.Semaphore
) -> Sample:
    """Send one text message once a slot is free; never raises (failures become samples)."""
    async with slots:
        started, started_wall = time.perf_counter(), time.time()
        body = {"to": to, "type": "text", "text": {"body": text}}
        try:
            async with client.post(url, json=body) as answer:
                status, raw = answer.status, await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            latency = time.perf_counter() - started
            return Sample(scheduled, started, started_wall, latency, 0, None, type(exc).__name__)
        latency = time.perf_counter() - started
        message_id, error = _parse(status, _json(raw))
        return Sample(scheduled, started, started_wall, latency, status, message_id, error)


async def open_loop(
    client: aiohttp.ClientSession, base_url: str, rate: float, duration: float, to: list[str], in_flight: int
) -> LoadResult:
    """Send `rate × duration` messages on schedule, round-robin over `to`; wait for every answer.

    The loop launches whatever is due, then sleeps ~1 ms: per-message sleeps would drift behind
    the schedule by the event loop's timer granularity at a thousand messages a second. What the
    run keeps (every task and sample) is moved out of the collector's reach as it goes: a full
    collection walking tens of thousands of samples paused the client for tens of milliseconds,
    and those pauses counted as the server's latency.
    """
    total, url = round(rate * duration), f"{base_url}/v1/messages"
    slots = asyncio.Semaphore(in_flight)
    tasks: list[asyncio.Task[Sample]] = []
    started = frozen = time.perf_counter()
    gc.freeze()
    while len(tasks) < total:
        if time.perf_counter() - frozen > FREEZE_EVERY_S:
            gc.freeze()
            frozen = time.perf_counter()
        due = min(total, int((time.perf_counter() - started) * rate) + 1)
        for n in range(len(tasks), due):
            scheduled = started + n / rate
            text = f"bench {n}"
            tasks.append(asyncio.create_task(send_one(client, url, to[n % len(to)], text, scheduled, slots)))
        await asyncio.sleep(0.001)
    samples = await asyncio.gather(*tasks)
    return LoadResult(started, time.perf_counter(), list(samples))


async def ceiling(client: aiohttp.ClientSession, url: str, seconds: float, workers: int) -> float:
    """Requests/s of a trivial endpoint, closed loop with as many workers as the load's slots.

    It measures what the WebApp process (HTTP parsing, routing, the error envelope) and this
    client can do on this machine with no work behind the request: no send can beat it.
    """
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            try:
                async with client.get(url) as answer:
                    await answer.read()
            except (aiohttp.ClientError, TimeoutError):
                continue  # not counted: a ceiling counts answers
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done / (time.perf_counter() - started)
