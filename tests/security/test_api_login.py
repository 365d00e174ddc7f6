"""Login under attack: throttling (1015), bounded password hashing, no pool starvation, no timing oracle.

Each test runs its own WebApp process on a fresh database; figures are read from the process
(`/proc/<pid>/status`) and from PostgreSQL (`pg_stat_activity`), never from the code under test.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import statistics
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx
import psycopg

from tests.security.conftest import StartWebApp
from wabiz.local.processes import Component

ADMIN_PASSWORD = "Admin-Pass1!"
MIB = 1024 * 1024
NO_THROTTLE = {"LOGIN_FREE_FAILURES_PER_USER": "1000", "LOGIN_FREE_FAILURES_PER_CLIENT": "1000"}


def _client(process: Component) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=process.url, timeout=60, limits=httpx.Limits(max_connections=100))


async def _first_login(client: httpx.AsyncClient) -> str:
    answer = await client.post(
        "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["users"][0]["token"]
    return token


def _wrong_login(client: httpx.AsyncClient, username: str, n: int) -> Awaitable[httpx.Response]:
    return client.post("/v1/users/login", auth=(username, f"Wrong-Pass{n}!"))


async def _answered_at(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    answer = await request
    return answer, time.monotonic()


def _memory_bytes(process: Component, field: str) -> int:
    """VmRSS (now) or VmHWM (peak since start) of the process, in bytes."""
    assert process.process is not None
    for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc status")


async def test_a_burst_of_wrong_logins_is_refused_while_the_api_answers(webapp: StartWebApp) -> None:
    with webapp() as process:
        async with _client(process) as client:
            auth = {"Authorization": f"Bearer {await _first_login(client)}"}
            burst = [asyncio.ensure_future(_answered_at(_wrong_login(client, "admin", n))) for n in range(40)]
            await asyncio.sleep(0.05)
            health, health_at = await _answered_at(client.get("/v1/health", headers=auth))
            timed = await asyncio.gather(*burst)
            answers = [answer for answer, _ in timed]
            last_hashed_at = max(at for answer, at in timed if answer.status_code == 401)
            refused = [a for a in answers if a.status_code == 429]
            assert len(refused) >= 30, [a.status_code for a in answers]
            assert {a.status_code for a in answers} == {401, 429}
            for answer in refused:
                assert answer.json()["errors"][0]["code"] == 1015
                assert int(answer.headers["retry-after"]) >= 1
            await asyncio.sleep(max(int(a.headers["retry-after"]) for a in refused))
            after_backoff = await client.post("/v1/users/login", auth=("admin", ADMIN_PASSWORD))

    assert health.status_code == 200, health.text
    # Answered while the burst's passwords were still being hashed, not once they were done.
    assert health_at < last_hashed_at, (
        f"health answered {health_at - last_hashed_at:.3f} s after the last hash"
    )
    assert after_backoff.status_code == 200, "the right password works again once the backoff passed"


def _hash_seconds() -> float:
    """How long one hash as the WebApp makes them (N=2^14, r=8, p=5) takes on this machine now."""
    started = time.monotonic()
    hashlib.scrypt(b"x", salt=b"0123456789abcdef", n=2**14, r=8, p=5, dklen=32, maxmem=64 * MIB)
    return time.monotonic() - started


async def _long_idle_transactions(database_url: str, longer_than: float, stop: asyncio.Event) -> int:
    """The most connections seen at once sitting in a transaction, idle, for over `longer_than` s."""
    seen = 0
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        while not stop.is_set():
            row = await (
                await conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
                    " AND clock_timestamp() - state_change > make_interval(secs => %s)",
                    (longer_than,),
                )
            ).fetchone()
            seen = max(seen, row[0] if row else 0)
            await asyncio.sleep(0.01)
    return seen


async def test_hashes_are_bounded_and_hold_no_database_connection(
    webapp: StartWebApp, database_url: str
) -> None:
    with webapp(**NO_THROTTLE, PASSWORD_HASH_QUEUE="100") as process:
        async with _client(process) as client:
            assert (await _wrong_login(client, "warm-up", 0)).status_code == 401
            peak_before = _memory_bytes(process, "VmHWM")
            # Holding its connection while it waits for one of the 2 hashes at a time, each of the
            # pool's 10 connections would sit idle up to 5 hash times; a busy machine's stall between
            # two statements stays well below 2.5 hash times (a fixed 100 ms did not).
            longer_than = 2.5 * _hash_seconds()
            stop = asyncio.Event()
            sampler = asyncio.ensure_future(_long_idle_transactions(database_url, longer_than, stop))
            answers = await asyncio.gather(*(_wrong_login(client, f"nobody{n}", n) for n in range(40)))
            stop.set()
            held = await sampler
            growth = _memory_bytes(process, "VmHWM") - peak_before

    assert [a.status_code for a in answers] == [401] * 40
    assert held == 0, (
        f"{held} connections sat in a transaction for over {longer_than:.2f} s during the hashes"
    )
    # Two hashes at once need 2 × 16 MiB; unbounded, 40 logins took several times that.
    assert growth < 48 * MIB, f"peak memory grew by {growth / MIB:.0f} MiB"


async def test_unknown_users_cost_what_known_ones_cost(webapp: StartWebApp) -> None:
    async def median_seconds(client: httpx.AsyncClient, username: str) -> float:
        times = []
        for n in range(7):
            started = time.monotonic()
            assert (await _wrong_login(client, username, n)).status_code == 401
            times.append(time.monotonic() - started)
        return statistics.median(times)

    with webapp(**NO_THROTTLE) as process:
        async with _client(process) as client:
            await _first_login(client)
            await _wrong_login(client, "warm-up", 0)
            known, unknown = await median_seconds(client, "admin"), await median_seconds(client, "nobody")
    # Skipping the hash would be about 100 times faster; a busy machine's noise stays well inside 10.
    assert 1 / 10 < unknown / known < 10, (known, unknown)


def _old_hash(password: str) -> str:
    """A hash as wabiz made them before the cost was raised (N=2^14, r=8, p=1)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


async def test_old_hashes_still_verify_and_are_upgraded_at_login(
    webapp: StartWebApp, database_url: str
) -> None:
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (username, password_hash, role, password_change_required)"
            " VALUES ('veteran', %s, 'ROLE_USER', false)",
            (_old_hash("Old-Pass1!"),),
        )
    with webapp() as process:
        async with _client(process) as client:
            assert (await client.post("/v1/users/login", auth=("veteran", "Old-Pass1!"))).status_code == 200
            with psycopg.connect(dsn) as conn:
                row = conn.execute("SELECT password_hash FROM users WHERE username = 'veteran'").fetchone()
            assert row is not None and row[0].startswith("scrypt$16384$8$5$"), "OWASP: N=2^14, r=8, p=5"
            assert (await client.post("/v1/users/login", auth=("veteran", "Old-Pass1!"))).status_code == 200
            assert (await client.post("/v1/users/login", auth=("veteran", "Old-Pass2!"))).status_code == 401


async def test_a_forged_forwarded_for_does_not_escape_the_address_limit(webapp: StartWebApp) -> None:
    with webapp(LOGIN_FREE_FAILURES_PER_USER="100", PASSWORD_HASH_QUEUE="100") as process:
        async with _client(process) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/v1/users/login",
                        auth=(f"spray{n}", "Wrong-Pass1!"),
                        headers={"X-Forwarded-For": f"198.51.100.{n}"},
                    )
                    for n in range(30)
                )
            )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 20 + [429] * 10, "no proxy is trusted by default: one address, 20 failures"
