"""`python -m bench.topology`: what one rate of upstream sends costs when N processes share it.

The control experiment for the shard sweep (bench/README, "Tenth round"): the same total rate of
HTTP sends, split over 1 or over 8 client processes, with no wabiz code anywhere in the path. One
upstream server (FastAPI on uvicorn, as the sandbox is) answers every `POST` with a message id;
each client process POSTs its share of the rate with aiohttp (as a CoreApp's gateway does), in
bursts every `--period` seconds, all clients at the same instants (as the WebApp hands one batch
of sends to every shard's owner at once). A burst is one wake-up to start it and as many as it
takes to read the replies. Reported per request: the clients' CPU and context switches, and the
upstream's CPU. Whatever the clients pay more per request when there are more of them, for the
same requests, is the topology's price (processes waking up on shared cores), not the code's; the
periods show how it depends on the work each wake-up finds.

Layout: `bursts` (pure: how many requests each tick carries), `_serve` and `_client` (the two
kinds of child process), `measure` (one configuration), `main` (the command line and the file).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import resource
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from typing import Any

from fastapi import FastAPI, Request

# bench.report (matplotlib, the stack) is imported where the parent needs it: every spawned
# client imports this module, and it would add seconds to each start.

START_DELAY_S = 2.0  # every client is connected and warm before the measured window opens
WARM_REQUESTS = 8


def bursts(rate: float, period: float) -> Iterator[int]:
    """Requests per tick for `rate` a second at one tick every `period`: whole numbers whose sum
    follows the rate exactly (a fractional share is carried to the next tick)."""
    carried = 0.0
    while True:
        carried += rate * period
        whole = int(carried)
        carried -= whole
        yield whole


@dataclass(frozen=True)
class Usage:
    requests: int
    cpu_s: float
    switches: int


@dataclass(frozen=True)
class Figures:
    clients: int
    rate: float
    period_s: float
    requests: int
    seconds: float
    client_cpu_ms_per_request: float
    client_switches_per_request: float
    upstream_cpu_ms_per_request: float


def _serve(ready: Any) -> None:
    """The upstream: answer a send the way the Cloud API (and the sandbox) does."""
    import uuid

    import uvicorn
    import uvloop

    app = FastAPI()

    @app.post("/v1/messages")
    async def send(request: Request) -> dict[str, Any]:
        body = await request.json()
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
            "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}],
        }

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    ready.put(listener.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    uvloop.run(server.serve(sockets=[listener]))


def _self_cpu_and_switches() -> tuple[float, int]:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime, used.ru_nvcsw + used.ru_nivcsw


def _client(url: str, rate: float, period: float, seconds: float, start_at: float, out: Any) -> None:
    """POST `rate` a second for `seconds` from `start_at` (wall clock), then report what it cost."""
    import aiohttp
    import uvloop

    async def run() -> Usage:
        async with aiohttp.ClientSession() as session:

            async def send(number: int) -> None:
                body = {"to": f"1555{number:07d}", "type": "text", "text": {"body": "hi"}}
                async with session.post(url, json=body) as answer:
                    answer.raise_for_status()
                    await answer.read()

            await asyncio.gather(*(send(n) for n in range(WARM_REQUESTS)))
            await asyncio.sleep(max(0.0, start_at - time.time()))
            (cpu_before, switches_before), sent, pending = _self_cpu_and_switches(), 0, set()
            started = due = time.monotonic()
            ticks = bursts(rate, period)
            while time.monotonic() - started < seconds:
                for _ in range(next(ticks)):
                    task = asyncio.create_task(send(sent))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                    sent += 1
                due += period
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            await asyncio.gather(*pending)
            cpu_after, switches_after = _self_cpu_and_switches()
            return Usage(sent, cpu_after - cpu_before, switches_after - switches_before)

    out.put(uvloop.run(run()))


def _process_cpu_s(pid: int) -> float:
    """CPU seconds of another live process, summed over its threads.

    From `schedstat` (nanoseconds), not `stat` (ticks of 10 ms: a short run's upstream would read 0).
    """
    return (
        sum(int((task / "schedstat").read_text().split()[0]) for task in Path(f"/proc/{pid}/task").iterdir())
        / 1e9
    )


def measure(
    context: Any, url: str, upstream_pid: int, clients: int, rate: float, period: float, seconds: float
) -> Figures:
    """One configuration: `clients` processes sharing `rate` requests a second for `seconds`."""
    out = context.Queue()
    start_at = time.time() + START_DELAY_S
    workers = [
        context.Process(target=_client, args=(url, rate / clients, period, seconds, start_at, out))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, start_at - time.time()))
    upstream_before = _process_cpu_s(upstream_pid)
    used = _collect(out, workers, deadline=time.monotonic() + seconds + 60)
    upstream_cpu = _process_cpu_s(upstream_pid) - upstream_before
    for worker in workers:
        worker.join()
    requests = sum(u.requests for u in used)
    return Figures(
        clients=clients,
        rate=rate,
        period_s=period,
        requests=requests,
        seconds=seconds,
        client_cpu_ms_per_request=round(1000 * sum(u.cpu_s for u in used) / requests, 3),
        client_switches_per_request=round(sum(u.switches for u in used) / requests, 2),
        upstream_cpu_ms_per_request=round(1000 * upstream_cpu / requests, 3),
    )


def _collect(out: Any, workers: list[Any], deadline: float) -> list[Usage]:
    """Every client's report; a client that died or a run that overstays is an error, at once."""
    used: list[Usage] = []
    while len(used) < len(workers):
        try:
            used.append(out.get(timeout=1))
        except Empty:
            failed = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            late = time.monotonic() > deadline
            if failed or late:
                for worker in workers:
                    worker.terminate()
                why = f"client processes exited with {failed}" if failed else "clients did not report in time"
                raise RuntimeError(why) from None
    return used


def _positive(text: str, kind: type[int] | type[float]) -> list[Any]:
    """A comma-separated list of positive numbers, or the command line's error."""
    try:
        values = [kind(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None
    if not all(v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: every value must be above 0")
    return values


def _counts(text: str) -> list[int]:
    return _positive(text, int)


def _numbers(text: str) -> list[float]:
    return _positive(text, float)


def _one(values: list[Any], text: str) -> Any:
    if len(values) != 1:
        raise argparse.ArgumentTypeError(f"{text!r}: one value expected")
    return values[0]


def _one_count(text: str) -> int:
    return int(_one(_counts(text), text))


def _one_number(text: str) -> float:
    return float(_one(_numbers(text), text))


def main(argv: list[str] | None = None) -> int:
    from bench import report

    parser = argparse.ArgumentParser(prog="python -m bench.topology", description=__doc__)
    parser.add_argument("--clients", type=_counts, default=[1, 8], help="client process counts (default 1,8)")
    parser.add_argument("--rate", type=_numbers, default=[800.0], help="total requests/s (default 800)")
    parser.add_argument(
        "--period", type=_numbers, default=[0.02, 0.1], help="seconds between bursts (default 0.02,0.1)"
    )
    parser.add_argument(
        "--seconds", type=_one_number, default=15, help="measured seconds per run (default 15)"
    )
    parser.add_argument(
        "--repeats", type=_one_count, default=2, help="runs of every configuration, interleaved"
    )
    parser.add_argument("--results", type=Path, default=report.RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    ready = context.Queue()
    upstream = context.Process(target=_serve, args=(ready,), daemon=True)
    upstream.start()
    url = f"http://127.0.0.1:{ready.get(timeout=60)}/v1/messages"
    upstream_pid = int(upstream.pid or 0)
    runs: list[Figures] = []
    try:
        for _ in range(args.repeats):
            for rate, period, clients in itertools.product(args.rate, args.period, args.clients):
                runs.append(measure(context, url, upstream_pid, clients, rate, period, args.seconds))
                print(_line(runs[-1]), flush=True)
    finally:
        upstream.terminate()
        upstream.join()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"topology-{stamp}.json"
    result = {
        "when": stamp,
        "machine": report.machine(),
        "runs": [asdict(r) for r in runs],
    }
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"topology: results in {path}", flush=True)
    return 0


def _line(run: Figures) -> str:
    return (
        f"topology: {run.clients} client process(es), {run.rate:.0f} req/s in bursts every "
        f"{run.period_s * 1000:.0f} ms, {run.requests} requests: "
        f"clients {run.client_cpu_ms_per_request:.3f} ms and {run.client_switches_per_request:.2f} "
        f"switches per request, upstream {run.upstream_cpu_ms_per_request:.3f} ms"
    )


if __name__ == "__main__":
    raise SystemExit(main())
