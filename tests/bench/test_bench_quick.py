"""The bench tools work end to end: `make bench ARGS=--quick` and the topology control run every phase
and report; no figure is judged here (the machine running the tests is busy with other tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).parents[2]
# Two configurations of a second each: it runs, it does not measure.
TOPOLOGY_SMOKE = ("--clients", "1,2", "--rate", "100", "--period", "0.05", "--seconds", "1", "--repeats", "1")


def _module(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`python -m <args>` from the repository, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_quick_bench_runs_every_phase_and_writes_its_results(tmp_path: Path) -> None:
    finished = _module("bench.run", "--quick", "--results", str(tmp_path), timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    result = json.loads((tmp_path / "latest.json").read_text())
    (run,) = result["runs"]
    assert run["accepted"] > 0 and run["lost"]["total"] == 0, run
    before, after = run["ceiling_probes_per_s"]
    assert before > 0 and after > 0 and abs(run["ceiling_per_s"] - (before + after) / 2) <= 0.1, run
    assert set(run["cpu_ms_per_message"]) >= {"webapp", "coreapp-0", "sandbox", "postgres"}
    assert result["failover"]["failover_s"] is not None, result["failover"]
    knee = result["knee"]
    assert {"rate_per_s", "ratio_to_ceiling", "send_p99_ms", "lag_p99_ms", "steps"} <= set(knee), knee
    assert knee["steps"], "the search tried rates"
    svgs = knee["profile"]["svg"]
    assert svgs["webapp"] == "webapp.svg", svgs
    assert (tmp_path / "profiles" / "webapp.svg").read_text().startswith("<?xml")
    assert "knee" in finished.stdout and "CPU ms per accepted message" in finished.stdout


def test_the_topology_control_runs_every_configuration_and_writes_its_results(tmp_path: Path) -> None:
    finished = _module("bench.topology", *TOPOLOGY_SMOKE, "--results", str(tmp_path), timeout=120)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    (written,) = tmp_path.glob("topology-*.json")
    runs = json.loads(written.read_text())["runs"]
    assert [(run["clients"], run["period_s"]) for run in runs] == [(1, 0.05), (2, 0.05)], runs
    for run in runs:
        assert run["requests"] > 0 and run["client_cpu_ms_per_request"] > 0, run
        assert run["upstream_cpu_ms_per_request"] > 0, run
