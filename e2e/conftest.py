"""The kind e2e suite: the whole system on a real multi-node cluster (`make e2e`).

Runs only when `make e2e` (e2e/run.sh) provides a cluster through `E2E_KUBECONFIG`; otherwise every
test is skipped with the reason, so `pytest e2e --collect-only` works anywhere (it is part of
`make test`). One namespace per test; every wait has a named timeout; no bare sleeps.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import socket
import subprocess
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tooling.scenarios import get

# Named timeouts (seconds), generous for a laptop's kind cluster.
READY = 600
ROLLOUT = 300
DELIVERY = 120
FAILOVER = 60
TEST_TIMEOUT = 1800  # a whole test, set-up included (the suite's default is 300)
POLL = 2.0  # each check runs kubectl, so poll every 2 s rather than 10 times a second

TAG = os.environ.get("E2E_TAG", "e2e")
KUBECONFIG = os.environ.get("E2E_KUBECONFIG")
RELEASE, OPERATOR_NAMESPACE = "wabiz", "wabiz-system"  # as e2e/scripts/install-chart.sh installs it
ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "e2e" / "logs"
OUTCOMES = pytest.StashKey[dict[str, bool]]()  # a test's phases (setup, call) and whether each failed
_names = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if KUBECONFIG:
        for item in items:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))
        return
    skip = pytest.mark.skip(reason="e2e needs a kind cluster: run `make e2e` where docker and kind exist")
    for item in items:
        item.add_marker(skip)


class Kubectl:
    """kubectl against the kind cluster; same call shape as the cluster tier's, for shared checks."""

    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["kubectl", f"--kubeconfig={KUBECONFIG}", *args], input=stdin, capture_output=True, text=True
        )
        if check and result.returncode != 0:
            command = " ".join(args)
            raise AssertionError(f"kubectl {command} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def apply(self, namespace: str, *objects: dict[str, Any]) -> None:
        self("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump_all(objects))

    def secret(self, namespace: str, name: str, key: str) -> str:
        data = get(self, namespace, "secret", name)["data"]
        return base64.b64decode(data[key]).decode()

    @contextlib.contextmanager
    def port_forward(self, namespace: str, service: str, port: int) -> Iterator[str]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            local = sock.getsockname()[1]
        command = ["kubectl", f"--kubeconfig={KUBECONFIG}", "-n", namespace, "port-forward"]
        with subprocess.Popen(
            [*command, f"svc/{service}", f"{local}:{port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            try:
                assert process.stdout is not None
                process.stdout.readline()  # "Forwarding from 127.0.0.1:…" once the tunnel is up
                yield f"http://127.0.0.1:{local}"
            finally:
                process.terminate()
                process.wait(10)


@pytest.fixture(scope="session")
def kubectl() -> Kubectl:
    kubectl = Kubectl()
    remove_leftovers(kubectl)
    return kubectl


def remove_leftovers(kubectl: Kubectl) -> None:
    """A reused cluster may keep the namespaces of an interrupted run (every test namespace is
    `e2e-…`); their pods hold the workers' CPU requests, and new clients would stay Pending."""
    names = kubectl("get", "namespaces", "-o", "name").stdout.split()
    leftovers = [n for n in names if n.startswith("namespace/e2e-")]
    if leftovers:
        print(f"\nremoving namespaces an earlier run left: {', '.join(leftovers)}")
        kubectl("delete", *leftovers, "--wait=true", f"--timeout={ROLLOUT}s")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep whether each phase failed on the test, so its fixtures know it at teardown."""
    report = yield
    item.stash.setdefault(OUTCOMES, {})[report.when] = report.failed
    return report


@pytest.fixture
def namespace(kubectl: Kubectl, request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"e2e-{os.getpid()}-{next(_names)}"
    kubectl("create", "namespace", name)
    yield name
    if any(request.node.stash.get(OUTCOMES, {}).values()):
        save_pod_logs(kubectl, name)
    kubectl("delete", "namespace", name, "--wait=false", check=False)


def save_pod_logs(kubectl: Kubectl, namespace: str) -> None:
    """A failed test's namespace is deleted with it: its pods' logs (the restarted containers'
    previous ones too) and its events go to e2e/logs/ first, where export-logs.sh puts the rest."""
    LOGS.mkdir(exist_ok=True)
    for pod in kubectl("get", "pods", "-n", namespace, "-o", "name", check=False).stdout.split():
        for suffix, extra in (("", ()), (".previous", ("--previous",))):
            found = kubectl("logs", "-n", namespace, pod, "--all-containers", *extra, check=False)
            if found.stdout:
                (LOGS / f"{namespace}-{pod.removeprefix('pod/')}{suffix}.log").write_text(found.stdout)
    events = kubectl("get", "events", "-n", namespace, "--sort-by=.lastTimestamp", check=False)
    (LOGS / f"{namespace}-events.txt").write_text(events.stdout)
    print(f"\n{namespace}: pod logs and events saved in {LOGS}")
