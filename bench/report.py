"""The benchmark's outputs: a table on the terminal, JSON and a PNG plot under bench/results/."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on CI or over ssh; must precede the pyplot import
import matplotlib.pyplot as plt

RESULTS = Path(__file__).parent / "results"
TARGET_RATE = 1000  # msg/s the project promises on this kind of machine


def _cpu_model() -> str:
    """The CPU's name, so that results of different machines are not compared by mistake."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str | None:
    """The commit measured, with "+dirty" for uncommitted changes: results are per code version."""
    here = Path(__file__).parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "../services"], cwd=here, capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def machine() -> dict[str, Any]:
    """What the figures were measured on and with."""
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": _git_commit(),
    }


def _ms(value: float | None) -> str:
    """Whole milliseconds; "-" when nothing was measured."""
    return "-" if value is None else f"{value:.0f}"


def _short(error: str, width: int = 160) -> str:
    """The last line of an error (an exception's own message, not its traceback), clipped."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    last = lines[-1] if lines else error
    return last if len(last) <= width else last[: width - 1] + "…"


def _row(run: dict[str, Any]) -> str:
    """One table line; a failed or skipped shard count says so instead of showing zeros."""
    if "error" in run:
        verdict = "" if run["error"].startswith("skipped") else "failed: "
        return f"{run['shards']:>6}  {verdict}{_short(run['error'])}"
    lat, lag = run["send_latency_ms"], run["delivery_lag_ms"]
    errors = ", ".join(f"{k}×{v}" for k, v in run["errors_by_code"].items()) or "-"
    ratio = ("≥" if run.get("ratio_is_lower_bound") else "") + f"{run['ratio_to_ceiling']:.2f}"
    return (
        f"{run['shards']:>6} {run['offered_per_s']:>7.0f} {run['accepted_per_s']:>7.0f} "
        f"{run['ceiling_per_s']:>7.0f} {ratio:>6} "
        f"{_ms(lat['p50']):>6} {_ms(lat['p99']):>6} {_ms(lat['max']):>6} "
        f"{_ms(lag['p50']):>7} {_ms(lag['p99']):>7} {_ms(lag['max']):>7} "
        f"{run['lost']['total']:>5} {run['duplicates']:>5} {run['cpu_other_share']:>6.0%}  {errors}"
    )


def table(runs: list[dict[str, Any]]) -> str:
    """One line per shard count; latencies in ms, lag = send → `delivered` callback, other = CPU
    share of processes outside the benchmark during the load (should be ~0%). A ratio marked ≥
    is a lower bound: the stack took the whole offer at its pace (offer more with `--rate`)."""
    head = (
        f"{'shards':>6} {'offered':>7} {'acc/s':>7} {'ceiling':>7} {'ratio':>6} "
        f"{'p50':>6} {'p99':>6} {'max':>6} {'lag p50':>7} {'lag p99':>7} {'lag max':>7} "
        f"{'lost':>5} {'dups':>5} {'other':>6}  errors (status/code×n)"
    )
    return "\n".join([head, *(_row(run) for run in runs)])


def failover_line(result: dict[str, Any] | None) -> str:
    """The failover result in one sentence."""
    if result is None:
        return "failover: not measured"
    if "error" in result:
        return f"failover: failed: {_short(result['error'])}"
    took = "not within bound" if result["failover_s"] is None else f"{result['failover_s']} s"
    return (
        f"failover (shards={result['shards']}, kill -9 {result['killed']}): {took}; "
        f"first accepted after {result['first_accepted_after_kill_s']} s, "
        f"{result['probes_sent']} probes, refusals {result['probe_refusals'] or '-'}; "
        f"lost before/after kill {result['before_kill']['lost']}/{result['after_kill']['lost']}, "
        f"duplicates {result['duplicates']}"
    )


def cpu_line(spent: dict[str, float]) -> str:
    """The biggest CPU consumers first, e.g. "webapp 9.1, coreapp-0 6.0, … (machine 19.2)"."""
    parts = [f"{name} {seconds}" for name, seconds in spent.items() if seconds >= 0.1]
    return ", ".join(parts)


def _shards_label(runs: list[dict[str, Any]]) -> str:
    if all(r["coreapps"] == r["shards"] + 1 for r in runs):
        return "shards (CoreApps = shards + 1)"
    return "shards (CoreApps: " + ", ".join(f"{r['coreapps']}" for r in runs) + ")"


def plot(runs: list[dict[str, Any]], path: Path) -> None:
    """Throughput and p99 latencies against shard count, with the ceiling and the target."""
    runs = [r for r in runs if "error" not in r]
    shards = [r["shards"] for r in runs]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    xlabel = _shards_label(runs)
    left.plot(shards, [r["accepted_per_s"] for r in runs], "o-", label="accepted msg/s")
    left.plot(shards, [r["offered_per_s"] for r in runs], "x:", color="grey", label="offered msg/s")
    left.plot(shards, [r["ceiling_per_s"] for r in runs], "s--", label="ceiling (trivial endpoint, req/s)")
    left.axhline(TARGET_RATE, color="red", linestyle=":", label=f"target {TARGET_RATE:,} msg/s")
    left.set(xlabel=xlabel, ylabel="per second", ylim=(0, None))
    right.plot(shards, [r["send_latency_ms"]["p99"] for r in runs], "o-", label="send p99 (ms)")
    right.plot(shards, [r["delivery_lag_ms"]["p99"] for r in runs], "s-", label="webhook lag p99 (ms)")
    right.set(xlabel=xlabel, ylabel="milliseconds", yscale="log")
    for axis in (left, right):
        axis.set_xscale("log", base=2)
        axis.set_xticks(shards, [str(s) for s in shards])
        axis.grid(alpha=0.3)
        axis.legend(fontsize="small")
    fig.suptitle(f"wabiz make bench — {os.cpu_count()} cores, {_cpu_model()}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(result: dict[str, Any], stamp: str, results: Path = RESULTS) -> Path:
    """`<stamp>.json` and `.png`, copied to `latest.*` (which the repository keeps)."""
    results.mkdir(parents=True, exist_ok=True)
    target = results / f"{stamp}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    shutil.copy(target, results / "latest.json")
    if any("error" not in r for r in result["runs"]):
        plot(result["runs"], results / f"{stamp}.png")
        shutil.copy(results / f"{stamp}.png", results / "latest.png")
    else:  # a stale plot next to a new JSON would contradict it
        (results / "latest.png").unlink(missing_ok=True)
    return target


def cpu_table(runs: list[dict[str, Any]]) -> str:
    """CPU milliseconds per accepted message, by component, for each shard count."""
    measured = [r for r in runs if "cpu_ms_per_message" in r]
    if not measured:
        return "CPU per message: not measured"
    lines = ["CPU ms per accepted message (during the load):"]
    for run in measured:
        parts = [f"{name} {ms:.2f}" for name, ms in _grouped(run["cpu_ms_per_message"]).items()]
        lines.append(f"  shards={run['shards']}: " + ", ".join(parts))
    return "\n".join(lines)


def _grouped(per_message: dict[str, float]) -> dict[str, float]:
    """The CoreApps summed into one figure (their count varies with the shard count)."""
    grouped: dict[str, float] = {}
    for name, ms in per_message.items():
        key = "coreapps" if name.startswith("coreapp-") else name
        grouped[key] = round(grouped.get(key, 0.0) + ms, 3)
    return grouped


def knee_line(result: dict[str, Any] | None) -> str:
    """The knee in one sentence."""
    if result is None:
        return "knee: not measured"
    if "error" in result:
        return f"knee: {_short(result['error'])}"
    if result["rate_per_s"] is None:
        return f"knee: no rate held (steps: {len(result['steps'])}); see knee.steps in the JSON"
    return (
        f"knee (shards={result['shards']}): {result['rate_per_s']:.0f} msg/s held {result['held_s']:.0f} s"
        f" = {result['ratio_to_ceiling']:.2f} × the ceiling ({result['ceiling_per_s']:.0f} req/s);"
        f" send p99 {result['send_p99_ms']:.0f} ms, webhook lag p99 {result['lag_p99_ms']} ms"
    )
