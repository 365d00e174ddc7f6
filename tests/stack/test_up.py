"""`wabiz up` as a user runs it: endpoints.json, Ctrl-C stops everything, data persists."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.stack.helpers import login
from tests.tooling.waiting import eventually
from wabiz.local.ports import pick

NEW_PASSWORD = "Up-Test-Pass1!"


def start_up(data_dir: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wabiz.cli", "up", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "WABIZ_LOG_LEVEL": "WARNING"},
    )


def wait_endpoints(data_dir: Path, process: subprocess.Popen[str]) -> dict[str, str]:
    endpoints = data_dir / "endpoints.json"

    def ready() -> dict[str, str] | None:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        return json.loads(endpoints.read_text()) if endpoints.exists() else None

    return eventually(ready, timeout=90, what="endpoints.json")


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


def test_up_runs_stops_and_restarts_on_the_same_data(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", pick()
    first = start_up(data_dir, port)
    try:
        endpoints = wait_endpoints(data_dir, first)
        assert {"webapp", "sandbox", "webhook_receiver", "coreapp-0", "database", "media"} <= set(endpoints)
        assert endpoints["webapp"] == f"http://127.0.0.1:{port}"
        token = login(endpoints["webapp"], "admin", "secret", new_password=NEW_PASSWORD)
        health = httpx.get(endpoints["webapp"] + "/v1/health", headers={"Authorization": f"Bearer {token}"})
        assert health.json()["health"]["gateway_status"] == "connected"
    finally:
        output = stop(first)
    assert "wabiz is up" in output and "stopped" in output
    assert not (data_dir / "endpoints.json").exists(), "a stopped stack must not advertise endpoints"

    second = start_up(data_dir, port)
    try:
        endpoints = wait_endpoints(data_dir, second)
        login(endpoints["webapp"], "admin", NEW_PASSWORD)  # the database persisted
    finally:
        stop(second)
    with httpx.Client() as client:
        try:
            client.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
            raise AssertionError("the WebApp still answers after Ctrl-C")
        except httpx.ConnectError:
            pass
