"""`make bench`: throughput, latency, delivery lag, loss and failover of a local wabiz stack.

Each shard count gets a fresh stack (`wabiz up` as a library, shards + 1 CoreApps) on this
machine; the load generator runs here too, so the figures are for everything on one box.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import drain, load, report
from bench.stats import summary_ms
from wabiz import __version__
from wabiz.kit.sharding import shard_of
from wabiz.local.stack import Stack, StackOptions

PASSWORD = "Bench-Pass1!"  # noqa: S105 (the throwaway stack's admin password)
SANDBOX_ENV = {
    "WABIZ_SANDBOX_SENT_DELAY": "0.01",
    "WABIZ_SANDBOX_DELIVERED_DELAY": "0.02",
    "WABIZ_SANDBOX_READ_DELAY": "0.03",
    "WABIZ_SANDBOX_ENFORCE_WINDOW": "false",
}
SETTINGS = {
    "webhooks": {"message": {"sent": True, "delivered": True, "read": True}, "max_concurrent_requests": 24},
    "callback_backoff_delay_ms": 500,
    "max_callback_backoff_delay_ms": 5000,
}


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def start(shards: int, work: Path) -> tuple[Stack, str]:
    stack = Stack(
        StackOptions(
            data_dir=work / f"shards-{shards}",
            port=0,
            shards=shards,
            coreapps=shards + 1,
            default_ports=False,
            log_level="WARNING",
            extra_env=SANDBOX_ENV,
        )
    )
    stack.start()
    url = stack.components["webapp"].url
    answer = httpx.post(f"{url}/v1/users/login", auth=("admin", "secret"), json={"new_password": PASSWORD})
    token = answer.json()["users"][0]["token"]
    httpx.patch(f"{url}/v1/settings/application", json=SETTINGS, headers={"Authorization": f"Bearer {token}"})
    time.sleep(2)  # CoreApps re-read settings every second
    return stack, token


def measure(stack: Stack, token: str, shards: int, rate: float, duration: float) -> dict[str, Any]:
    url = stack.components["webapp"].url
    ceiling = asyncio.run(load.ceiling(url, "/openapi.json", 3))
    say(f"shards={shards}: ceiling {ceiling:.0f} req/s; sending {rate:.0f} msg/s for {duration:.0f} s")
    result = asyncio.run(load.send_messages(url, token, rate, duration, load.recipients(5000)))
    say(f"shards={shards}: accepted {len(result.accepted)} ({result.rate:.0f}/s); waiting for callbacks")
    ids = set(result.accepted)
    delivered = drain.wait_delivered(stack.components["webhook_receiver"].url, ids, timeout=120)
    network = drain.network_view(stack.components["sandbox"].url)
    lost = ids - (set(delivered) & network["client_ids"])
    lags = [delivered[i] - result.accepted[i] for i in ids & set(delivered)]
    return {
        "shards": shards,
        "coreapps": shards + 1,
        "offered_per_s": rate,
        "accepted": len(ids),
        "accepted_per_s": round(result.rate, 1),
        "ceiling_per_s": round(ceiling, 1),
        "ratio_to_ceiling": round(result.rate / ceiling, 3) if ceiling else None,
        "send_latency_ms": summary_ms(result.latencies),
        "delivery_lag_ms": summary_ms(lags),
        "lost": len(lost),
        "duplicates": network["duplicates"],
        "errors": result.errors,
    }


def _shard0_owner(stack: Stack) -> str:
    dsn = stack.postgres.url().replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT holder FROM leases WHERE name = 'shard:0'").fetchone()
    assert row, "nobody holds shard 0"
    return str(row[0])


def failover(stack: Stack, token: str, shards: int) -> dict[str, Any]:
    """kill -9 the owner of shard 0, keep sending to shard-0 users; time until one is delivered."""
    url, receiver = stack.components["webapp"].url, stack.components["webhook_receiver"].url
    users = [u for u in load.recipients(2000) if shard_of(u, shards) == 0][:50]
    owner = _shard0_owner(stack)
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    stack.components[owner].kill()
    killed = time.time()
    sent: dict[str, float] = {}
    while time.time() - killed < 60:
        answer = client.post(
            "/v1/messages", json={"to": users[len(sent) % 50], "type": "text", "text": {"body": "x"}}
        )
        if answer.status_code in (200, 201):
            sent[answer.json()["messages"][0]["id"]] = time.time()
        done = [at for i, at in drain.delivered_at(receiver).items() if i in sent]
        if done:
            client.close()
            return {"killed": owner, "seconds": round(min(done) - killed, 2), "sent_after_kill": len(sent)}
        time.sleep(0.1)
    client.close()
    return {"killed": owner, "seconds": None, "sent_after_kill": len(sent)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--shards", default="1,2,4,8", help="comma-separated shard counts")
    parser.add_argument("--rate", type=float, default=1000, help="offered messages/s (the target)")
    parser.add_argument("--duration", type=float, default=15, help="seconds of load per shard count")
    parser.add_argument("--quick", action="store_true", help="smoke run: shards 1, 3 s, 300 msg/s")
    args = parser.parse_args(argv)
    counts = [1] if args.quick else [int(n) for n in args.shards.split(",")]
    rate, duration = (300.0, 3.0) if args.quick else (args.rate, args.duration)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix="wabiz-bench-"))
    runs: list[dict[str, Any]] = []
    failover_result: dict[str, Any] | None = None
    began = time.monotonic()
    try:
        for shards in counts:
            stack, token = start(shards, work)
            try:
                runs.append(measure(stack, token, shards, rate, duration))
                if shards == max(counts):
                    say(f"shards={shards}: failover (kill -9 of shard 0's owner)")
                    failover_result = failover(stack, token, shards)
            finally:
                stack.stop()
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    result = {
        "when": stamp,
        "wabiz": __version__,
        "machine": report.machine(),
        "parameters": {"offered_per_s": rate, "duration_s": duration, "shards": counts},
        "runs": runs,
        "failover": failover_result,
        "bench_seconds": round(time.monotonic() - began, 1),
    }
    path = report.write(result, stamp)
    print(report.table(runs))
    print(f"failover: {failover_result}")
    say(f"results in {path} (and bench/results/latest.*), {result['bench_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
