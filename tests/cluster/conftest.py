"""The cluster tier: a real API server (with controller-manager, scheduler, kwok nodes) per session.

It never skips: when the control plane cannot start, every cluster test errors, so CI fails.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.operators import CRD, Operator, install_rbac, start_operator
from tests.tooling.control_plane import ControlPlane

ROOT = Path(__file__).parents[2]
NODES = [
    {"name": "app-1"},
    {"name": "app-2"},
    {"name": "app-3"},
    {
        "name": "db-1",
        "labels": {"wabiz.io/role": "database"},
        "taints": [{"key": "wabiz.io/role", "value": "database", "effect": "NoSchedule"}],
    },
]
_namespaces = itertools.count(1)
_planes: list[ControlPlane] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed cluster test, attach every component's log tail (the files stay in the tmp dir)."""
    report = yield
    if report.failed:
        for plane in _planes:
            for name in plane.processes:
                report.sections.append(
                    (f"{name} log (tail, full log in {plane.workdir})", plane.log_tail(name))
                )
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/cluster/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.cluster)
            item.add_marker(pytest.mark.xdist_group("cluster"))


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    plane = ControlPlane(tmp_path_factory.mktemp("cluster"))
    try:
        plane.start()
        plane.add_nodes(NODES)
        plane.kubectl("apply", "--server-side", "-f", str(ROOT / "crds" / "wabiz.io_whatsappclients.yaml"))
        plane.kubectl("wait", "--for=condition=Established", "crd/whatsappclients.wabiz.io", "--timeout=60s")
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        logs = "\n".join(f"--- {n} ---\n{plane.log_tail(n)}" for n in plane.processes)
        plane.stop()
        raise RuntimeError(f"the control plane did not start: {exc}\n{logs}") from exc
    _planes.append(plane)
    yield plane
    _planes.remove(plane)
    plane.stop()


@pytest.fixture(scope="module")
def operator(cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    """This module's `wabiz operator` process, with the chart's RBAC; one module's at a time."""
    install_rbac(cluster)
    process = start_operator(
        cluster, tmp_path_factory.mktemp("operator"), env={"WABIZ_OPERATOR_CRD_FILE": str(CRD)}
    )
    yield process
    process.stop()


@pytest.fixture
def namespace(cluster: ControlPlane) -> Iterator[str]:
    name = f"t{next(_namespaces)}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)
