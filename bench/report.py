"""The benchmark's outputs: a table on the terminal, JSON and a PNG plot under bench/results/."""

from __future__ import annotations

import json
import platform
import shutil
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).parent / "results"
TARGET_RATE = 1000


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {"cores": os.cpu_count(), "cpu": model, "python": platform.python_version()}


def table(runs: list[dict[str, Any]]) -> str:
    head = (
        f"{'shards':>6} {'msg/s':>7} {'ceiling':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
    )
    head += f"{'lag p50':>8} {'lag p99':>8} {'lost':>5} {'dups':>5} errors"
    lines = [head]
    for run in runs:
        lat, lag = run["send_latency_ms"], run["delivery_lag_ms"]
        lines.append(
            f"{run['shards']:>6} {run['accepted_per_s']:>7.0f} {run['ceiling_per_s']:>8.0f} "
            f"{run['ratio_to_ceiling']:>6.2f} {lat['p50']:>7} {lat['p99']:>7} {lat['max']:>7} "
            f"{lag['p50']:>8} {lag['p99']:>8} {run['lost']:>5} {run['duplicates']:>5} {run['errors']}"
        )
    return "\n".join(lines)


def plot(runs: list[dict[str, Any]], path: Path) -> None:
    shards = [r["shards"] for r in runs]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(shards, [r["accepted_per_s"] for r in runs], "o-", label="accepted msg/s")
    left.plot(shards, [r["ceiling_per_s"] for r in runs], "s--", label="trivial endpoint (ceiling)")
    left.axhline(TARGET_RATE, color="red", linestyle=":", label="target 1,000 msg/s")
    left.set_xlabel("shards")
    left.set_ylabel("per second")
    left.set_xscale("log", base=2)
    left.legend()
    right.plot(shards, [r["send_latency_ms"]["p99"] for r in runs], "o-", label="send p99 (ms)")
    right.plot(shards, [r["delivery_lag_ms"]["p99"] for r in runs], "s-", label="webhook lag p99 (ms)")
    right.axhline(100, color="red", linestyle=":", label="target p99 100 ms")
    right.set_xlabel("shards")
    right.set_yscale("log")
    right.set_xscale("log", base=2)
    right.legend()
    fig.suptitle("wabiz make bench")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(report: dict[str, Any], stamp: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{stamp}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    if report["runs"]:
        plot(report["runs"], RESULTS / f"{stamp}.png")
        shutil.copy(RESULTS / f"{stamp}.png", RESULTS / "latest.png")
    shutil.copy(target, RESULTS / "latest.json")
    return target
