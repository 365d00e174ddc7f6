"""`make bench`: throughput, latency, delivery lag, loss and failover of a local wabiz stack.

Each shard count gets a fresh stack (shards + 1 CoreApps, so one is a standby, unless
`--coreapps` says otherwise) on this machine;
the load generator runs here too, so every figure is for everything sharing one box. Nothing is
hard-coded: the JSON says what was measured, on what, with which parameters.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cpu, drain, failover, knee, load, profile, report
from bench.stack import prepare, start
from bench.stats import kept_up, percentile_by_second, summary_ms
from wabiz import __version__
from wabiz.local.stack import Stack

# An unknown path: routing plus the error envelope, no auth, no database, no serialising of a
# big document (which `/openapi.json` would add): the cheapest answer the WebApp gives.
CEILING_PATH = "/bench/ceiling-probe"
KNEE_START = 0.5  # × the rate the sweep saturated at: where the knee search begins
MAX_CONFIRMS = 3  # minutes of the knee at most (`knee.next_minute`), as the time budget allows
STOP_S = 15.0  # stopping a stack: the processes' SIGTERM waits and PostgreSQL
OTHER_CPU_WARNING = 0.1  # share of the machine's CPU used by processes not ours during the load


@dataclass(frozen=True)
class Params:
    shards: list[int]
    rate: float  # offered msg/s
    duration: float  # seconds of load per shard count
    in_flight: int  # bound on concurrent requests (the client's connection pool)
    recipients: int  # distinct recipients, round-robin
    ceiling_s: float
    budget_s: float  # the whole run must end within this (make bench: under 10 minutes)
    failover: bool
    knee: bool
    knee_shards: int
    knee_search: tuple[int, float]  # bracketing steps, seconds each
    knee_confirm_s: float  # how long the knee must hold
    profile_s: float
    results: Path
    coreapps: int | None = None  # CoreApps per stack; None: shards + 1 (one standby)

    def coreapps_for(self, shards: int) -> int:
        return self.coreapps or shards + 1


class Budget:
    """Bounds the waits so the whole benchmark ends in time, and says when a run cannot fit."""

    RUN_OVERHEAD = 43.0  # start, settings, two ceiling probes, a short drain, stop: seconds besides the load
    FAILOVER = 70.0  # its bound plus the drain of its messages
    STEP_OVERHEAD = 12.0  # the settling pause and the drain of each knee step

    def __init__(self, total: float) -> None:
        self.total, self.began = total, time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the benchmark began."""
        return time.monotonic() - self.began

    def reserve(self, runs: int, duration: float, failover_pending: bool) -> float:
        """Seconds to keep for `runs` more shard counts and, if still to come, the failover."""
        return runs * (self.RUN_OVERHEAD + duration) + (self.FAILOVER if failover_pending else 0.0)

    def knee(self, params: Params) -> float:
        """Seconds the knee (one confirmation) and the profile need."""
        steps, seconds = params.knee_search
        searching = steps * (seconds + self.STEP_OVERHEAD)
        return self.RUN_OVERHEAD + searching + params.knee_confirm_s + self.STEP_OVERHEAD + params.profile_s

    def left(self, reserve: float = 0.0) -> float:
        """Seconds this step may take without eating into `reserve`; negative = over budget."""
        return self.total - self.elapsed() - reserve


def say(message: str) -> None:
    """A progress line; flushed, because `make` may pipe our output."""
    print(f"bench: {message}", flush=True)


async def _load_phase(
    stack: Stack, token: str, shards: int, params: Params
) -> tuple[float, load.LoadResult, dict[str, float]]:
    """The first ceiling probe, then the open-loop load, with the same client; CPU used during the load."""
    url = stack.components["webapp"].url
    async with load.session(token, params.in_flight) as client:
        ceiling = await load.ceiling(client, url + CEILING_PATH, params.ceiling_s, params.in_flight)
        say(f"shards={shards}: ceiling {ceiling:.0f} req/s (GET {CEILING_PATH} → 404)")
        say(f"shards={shards}: sending {params.rate:.0f} msg/s for {params.duration:.0f} s …")
        before = cpu.snapshot(stack)
        recipients = load.recipients(params.recipients)
        result = await load.open_loop(client, url, params.rate, params.duration, recipients, params.in_flight)
    return ceiling, result, cpu.used(before, cpu.snapshot(stack))


def _lost(ids: set[str], log: drain.CallbackLog, network: drain.NetworkView) -> dict[str, Any]:
    """Accepted but never at the network, or never reported delivered: both break the promise."""
    not_seen = ids - network.seen
    undelivered = ids - log.delivered.keys()
    lost = sorted(not_seen | undelivered)
    return {
        "total": len(lost),
        "not_at_network": len(not_seen),
        "no_delivered_callback": len(undelivered),
        "ids": lost[:10],
    }


def _figures(
    shards: int, params: Params, ceiling: float, result: load.LoadResult, log: drain.CallbackLog
) -> dict[str, Any]:
    """The per-request figures; the lag counts only messages whose `delivered` callback came."""
    accepted = result.accepted
    lags = [log.delivered[i] - at for i, at in accepted.items() if i in log.delivered]
    start = min(accepted.values(), default=0.0)
    lag_points = [(at - start, log.delivered[i] - at) for i, at in accepted.items() if i in log.delivered]
    return {
        "shards": shards,
        "coreapps": params.coreapps_for(shards),
        "offered_per_s": params.rate,
        "sent": len(result.samples),
        "accepted": len(accepted),
        "send_phase_s": round(result.wall_time, 2),
        "accepted_per_s": round(result.accepted_rate, 1),
        "ceiling_per_s": round(ceiling, 1),
        "ratio_to_ceiling": round(result.accepted_rate / ceiling, 3) if ceiling else 0.0,
        "ratio_is_lower_bound": kept_up(params.rate, result.accepted_rate),
        "send_latency_ms": summary_ms([s.latency for s in result.samples]),
        "latency_from_schedule_ms": summary_ms([s.started + s.latency - s.scheduled for s in result.samples]),
        "delivery_lag_ms": summary_ms(lags),
        "delivery_lag_p50_by_second_ms": [
            None if v is None else round(v * 1000) for v in percentile_by_second(lag_points, 50)
        ],
        "errors_by_status": result.errors_by_status(),
        "errors_by_code": result.errors_by_code(),
        "duplicate_callbacks": log.duplicate_callbacks(accepted),
    }


def bracketed_ceiling(before: float, after: float) -> float:
    """The ceiling a row's rate is divided by: the mean of a probe before its load and one after
    (the stack idle again). One 3-s probe moved by up to a quarter between the rows of one run
    (neighbours on a shared machine), which made the ratios of different shard counts disagree
    more than their rates did."""
    return (before + after) / 2


def _say_cpu(shards: int, seconds: float, spent: dict[str, float]) -> None:
    """Where the CPU went; a warning when other work on the machine skewed the figures."""
    say(f"shards={shards}: CPU seconds in {seconds:.1f} s of load: {report.cpu_line(spent)}")
    share = cpu.other_share(spent)
    if share > OTHER_CPU_WARNING:
        say(
            f"WARNING: other processes used {share:.0%} of the machine's CPU during the load: figures too low"
        )


def _measure(stack: Stack, shards: int, params: Params, drain_bound: float) -> dict[str, Any]:
    """Settings, ceiling, load, then the bounded drain and the network's view of what arrived."""
    token = prepare(stack)
    say(f"shards={shards}: ready; measuring the ceiling for {params.ceiling_s:.0f} s")
    first, result, cpu_load = asyncio.run(_load_phase(stack, token, shards, params))
    ids = set(result.accepted)
    say(f"shards={shards}: {len(ids)}/{len(result.samples)} accepted ({result.accepted_rate:.0f}/s)")
    _say_cpu(shards, result.wall_time, cpu_load)
    say(f"shards={shards}: waiting for the delivered callbacks (at most {drain_bound:.0f} s)")
    before = cpu.snapshot(stack)
    log = drain.CallbackLog()
    settled = drain.wait_delivered(log, stack.components["webhook_receiver"].url, ids, drain_bound)
    drain_cpu = cpu.used(before, cpu.snapshot(stack))
    network = drain.network_view(stack.components["sandbox"].url, stack.secrets["sandbox_control_token"])
    second = asyncio.run(_ceiling(stack, token, params))
    ceiling = bracketed_ceiling(first, second)
    say(f"shards={shards}: ceiling again, the stack idle: {second:.0f} req/s; the ratio uses {ceiling:.0f}")
    return _figures(shards, params, ceiling, result, log) | {
        "ceiling_probes_per_s": [round(first, 1), round(second, 1)],
        "lost": _lost(ids, log, network),
        "duplicates": sum(network.duplicates.get(i, 0) for i in ids),
        "drain": {"seconds": settled.seconds, "complete": settled.complete, "bound_s": round(drain_bound)},
        "cpu_seconds_load": cpu_load,
        "cpu_ms_per_message": cpu.per_message_ms(cpu_load, len(ids)),
        "cpu_other_share": round(cpu.other_share(cpu_load), 3),
        "cpu_seconds_drain": drain_cpu,
        "token": token,
    }


def _log_tails(stack: Stack) -> None:
    """On a failure the temporary stack (and its logs) is removed: show what the logs said."""
    for name, component in stack.components.items():
        print(f"--- {name} log (tail) ---\n{component.tail(15)}", file=sys.stderr)


def _failover(stack: Stack, token: str, shards: int, params: Params, budget: Budget) -> dict[str, Any]:
    """The kill -9 measurement; its failure is reported, not allowed to void the load figures."""
    bound = min(60.0, max(10.0, budget.left() - 30))
    say(f"shards={shards}: failover: kill -9 of shard 0's owner, a send every 100 ms (bound {bound:.0f} s)")
    users = load.recipients(params.recipients)
    try:
        return failover.measure(stack, token, shards, users, bound, drain_timeout=min(30.0, bound))
    except Exception as exc:
        say(f"shards={shards}: failover FAILED: {exc!r}")
        _log_tails(stack)
        return {"shards": shards, "error": f"{type(exc).__name__}: {exc}"}


def run_one(
    shards: int, params: Params, work: Path, budget: Budget, runs_after: int
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One shard count on a fresh stack (stopped whatever happens); failover on the last one."""
    began = time.monotonic()
    say(f"shards={shards}: starting a stack with {params.coreapps_for(shards)} CoreApps")
    stack = start(shards, work / f"shards-{shards}", params.coreapps_for(shards))
    fo: dict[str, Any] | None = None
    try:
        reserve = budget.reserve(runs_after, params.duration, params.failover) + _knee_reserve(params, budget)
        figures = _measure(stack, shards, params, drain_bound=min(60.0, max(10.0, budget.left(reserve))))
        token = figures.pop("token")
        if params.failover and runs_after == 0:
            fo = _failover(stack, token, shards, params, budget)
    except Exception:
        _log_tails(stack)
        raise
    finally:
        stack.stop()
        shutil.rmtree(stack.data_dir, ignore_errors=True)  # a stack's database is ~50 MB
    figures["run_seconds"] = round(time.monotonic() - began, 1)
    return figures, fo


def _knee_reserve(params: Params, budget: Budget) -> float:
    return budget.knee(params) if params.knee else 0.0


def _saturated_rate(runs: list[dict[str, Any]], shards: int) -> float | None:
    """The accepted rate the sweep measured at `shards` under the offered load, if it did."""
    rates = [r["accepted_per_s"] for r in runs if r.get("shards") == shards and "error" not in r]
    return rates[0] if rates else None


def run_knee(params: Params, runs: list[dict[str, Any]], work: Path, budget: Budget) -> dict[str, Any]:
    """On a fresh stack: the ceiling, the knee, then a profile of every component under load (at
    the rate the sweep saturated at, so the flame graphs show where a full machine's time goes)."""
    if budget.left(budget.knee(params)) < 0:
        say("knee: skipped, it would not fit in the time budget")
        return {"error": "skipped: time budget"}
    shards = params.knee_shards
    saturated = _saturated_rate(runs, shards) or params.rate / 2
    say(f"knee: starting a stack with {shards} shard(s); searching from {saturated * KNEE_START:.0f} msg/s")
    stack = start(shards, work / "knee", params.coreapps_for(shards))
    try:
        token = prepare(stack)
        ceiling = asyncio.run(_ceiling(stack, token, params))
        minute = params.knee_confirm_s + Budget.STEP_OVERHEAD
        # Asked before each minute after the first (the budget reserved that one): a minute more
        # must leave the profile and the stack's stop their time.
        found = knee.find(
            stack,
            token,
            saturated * KNEE_START,
            ceiling,
            params.knee_search,
            params.knee_confirm_s,
            MAX_CONFIRMS,
            lambda: budget.left(params.profile_s + Budget.STEP_OVERHEAD + STOP_S) >= minute,
            say,
        )
        found["shards"] = shards
        found["profile"] = _profile(stack, token, saturated, params)
        return found
    except Exception as exc:
        say(f"knee: FAILED: {exc!r}")
        _log_tails(stack)
        return {"shards": shards, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        stack.stop()
        shutil.rmtree(stack.data_dir, ignore_errors=True)


async def _ceiling(stack: Stack, token: str, params: Params) -> float:
    async with load.session(token, params.in_flight) as client:
        url = stack.components["webapp"].url + CEILING_PATH
        return await load.ceiling(client, url, params.ceiling_s, params.in_flight)


def _profile(stack: Stack, token: str, rate: float, params: Params) -> dict[str, Any]:
    """Flame graphs of every component during `profile_s` of load at `rate`, with its CPU."""
    out = params.results / "profiles"
    say(f"profile: {rate:.0f} msg/s for {params.profile_s:.0f} s with py-spy attached → {out}")
    url = stack.components["webapp"].url

    async def loaded() -> tuple[int, dict[str, float]]:
        async with load.session(token, params.in_flight) as client:
            before = cpu.snapshot(stack)
            result = await load.open_loop(
                client, url, rate, params.profile_s, load.recipients(params.recipients), params.in_flight
            )
            return len(result.accepted), cpu.used(before, cpu.snapshot(stack))

    with profile.recording(stack, params.profile_s, out) as svgs:
        accepted, spent = asyncio.run(loaded())
    return {
        "rate_per_s": round(rate, 1),
        "seconds": params.profile_s,
        "directory": str(out),
        "svg": svgs,
        "cpu_ms_per_message": cpu.per_message_ms(spent, accepted),
    }


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive count")
    return value


def parse(argv: list[str] | None) -> Params:
    """Command line → parameters; `--quick` is the lead's smoke test (one stack, ~30 s)."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--shards", default="1,2,4,8", help="comma-separated shard counts (default 1,2,4,8)")
    parser.add_argument("--rate", type=float, default=1200, help="offered messages/s (default 1200)")
    parser.add_argument(
        "--duration", type=float, default=20, help="seconds of load per shard count (default 20)"
    )
    parser.add_argument("--in-flight", type=int, default=256, help="concurrent requests bound (default 256)")
    parser.add_argument(
        "--budget", type=float, default=570, help="seconds the whole run may take (default 570)"
    )
    parser.add_argument("--no-failover", action="store_true", help="skip the kill -9 measurement")
    parser.add_argument("--no-knee", action="store_true", help="skip the knee search and the profile")
    parser.add_argument("--knee-shards", type=int, default=1, help="shards of the knee's stack (default 1)")
    parser.add_argument(
        "--coreapps",
        type=positive_int,
        default=None,
        help="CoreApps per stack, whatever the shard count (default: shards + 1, one a standby)",
    )
    parser.add_argument(
        "--results", type=Path, default=report.RESULTS, help="where results go (default bench/results)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: shards 1, 3 s of load")
    args = parser.parse_args(argv)
    shards = [1] if args.quick else sorted({int(n) for n in args.shards.split(",")})
    return Params(
        shards=shards,
        rate=args.rate,
        duration=3.0 if args.quick else args.duration,
        in_flight=args.in_flight,
        recipients=5000,
        ceiling_s=2.0 if args.quick else 3.0,
        budget_s=args.budget,
        failover=not args.no_failover,
        knee=not args.no_knee,
        knee_shards=args.knee_shards,
        knee_search=(2, 2.0) if args.quick else (5, 6.0),
        knee_confirm_s=3.0 if args.quick else 60.0,
        profile_s=2.0 if args.quick else 10.0,
        results=args.results,
        coreapps=args.coreapps,
    )


def _all_runs(
    params: Params, work: Path, budget: Budget
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Every shard count in turn, within the budget; failures are recorded and the rest go on."""
    runs: list[dict[str, Any]] = []
    fo: dict[str, Any] | None = None
    for index, shards in enumerate(params.shards):
        runs_after = len(params.shards) - index - 1
        reserve = budget.reserve(runs_after + 1, params.duration, params.failover) + _knee_reserve(
            params, budget
        )
        if budget.left(reserve) < 0:
            say(f"shards={shards}: skipped, it would not fit in the {params.budget_s:.0f} s budget")
            runs.append({"shards": shards, "error": "skipped: time budget"})
            continue
        try:
            figures, fo_result = run_one(shards, params, work, budget, runs_after)
        except Exception as exc:  # one broken run must not hide the others' figures
            say(f"shards={shards}: FAILED: {exc!r}")
            runs.append({"shards": shards, "error": f"{type(exc).__name__}: {exc}"})
            continue
        runs.append(figures)
        fo = fo_result or fo
    return runs, fo


def main(argv: list[str] | None = None) -> int:
    """Run, write bench/results/<UTC time>.json|png and latest.*, print the table.

    Exit status 1 when a shard count failed, so `make bench` fails visibly too.
    """
    params = parse(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    budget = Budget(params.budget_s)
    work = Path(tempfile.mkdtemp(prefix="wabiz-bench-"))
    try:
        runs, fo = _all_runs(params, work, budget)
        knee_result = run_knee(params, runs, work, budget) if params.knee else None
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    result = {
        "when": stamp,
        "wabiz": __version__,
        "machine": report.machine(),
        "parameters": asdict(params) | {"ceiling_path": CEILING_PATH, "results": str(params.results)},
        "runs": runs,
        "failover": fo,
        "knee": knee_result,
        "bench_seconds": round(budget.elapsed(), 1),
    }
    path = report.write(result, stamp, params.results)
    print(report.table(runs))
    print(report.cpu_table(runs))
    print(report.failover_line(fo))
    print(report.knee_line(knee_result))
    say(f"results: {path} and {params.results}/latest.{{json,png}} ({result['bench_seconds']} s in all)")
    knee_failed = (
        knee_result is not None and "error" in knee_result and not knee_result["error"].startswith("skipped")
    )
    return 0 if all("error" not in r for r in runs) and not knee_failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
