"""Open-loop load: requests start on schedule whatever the server does, so slowness shows up as
latency instead of silently lowering the offered rate (a closed loop would hide it)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp


@dataclass
class LoadResult:
    started: float = 0.0
    finished: float = 0.0
    latencies: list[float] = field(default_factory=list)
    accepted: dict[str, float] = field(default_factory=dict)  # message id → send start (epoch)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.accepted) / max(1e-9, self.finished - self.started)


def recipients(count: int) -> list[str]:
    """Distinct WhatsApp users by the sandbox rule (8–15 digits, not ending in 0000)."""
    return [f"1631{n:07d}1" for n in range(count)]


async def _send(
    session: aiohttp.ClientSession, url: str, to: str, n: int, result: LoadResult, slots: asyncio.Semaphore
) -> None:
    started_wall, started = time.time(), time.perf_counter()
    try:
        async with session.post(
            url, json={"to": to, "type": "text", "text": {"body": f"bench {n}"}}
        ) as answer:
            payload = await answer.json(content_type=None)
            status = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        result.errors[type(exc).__name__] = result.errors.get(type(exc).__name__, 0) + 1
        return
    finally:
        slots.release()
    result.latencies.append(time.perf_counter() - started)
    if status in (200, 201):
        result.accepted[payload["messages"][0]["id"]] = started_wall
    else:
        code = (
            str(payload.get("errors", [{}])[0].get("code", status))
            if isinstance(payload, dict)
            else str(status)
        )
        result.errors[code] = result.errors.get(code, 0) + 1


async def send_messages(base_url: str, token: str, rate: float, duration: float, to: list[str]) -> LoadResult:
    result = LoadResult()
    slots = asyncio.Semaphore(512)
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=512)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        tasks: list[asyncio.Task[None]] = []
        total = int(rate * duration)
        result.started = time.perf_counter()
        for n in range(total):
            delay = result.started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            tasks.append(
                asyncio.create_task(
                    _send(session, f"{base_url}/v1/messages", to[n % len(to)], n, result, slots)
                )
            )
        await asyncio.gather(*tasks)
        result.finished = time.perf_counter()
    return result


async def ceiling(base_url: str, path: str, seconds: float, concurrency: int = 64) -> float:
    """Requests/s of a trivial endpoint of the same server, with the same client: our ceiling."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            async with session.get(base_url + path) as answer:
                await answer.read()
            done += 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return done / (time.perf_counter() - started)
