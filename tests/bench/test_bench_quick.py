"""`make bench ARGS=--quick` works end to end: every phase runs and reports; no figure is judged
here (the machine running the tests is busy with other tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).parents[2]


def test_the_quick_bench_runs_every_phase_and_writes_its_results(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--results", str(tmp_path)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
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
