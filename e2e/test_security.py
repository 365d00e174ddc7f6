"""What a pod of the cluster can reach, on kind with a CNI that enforces NetworkPolicies, and the
admin bootstrap: the well-known first-login password never opens a client's API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from e2e import flows, workloads
from e2e.conftest import POLL, READY, TAG, Kubectl
from tests.tooling.scenarios import get
from tests.tooling.waiting import eventually

NAME = "guarded"
# A TCP connect from inside a pod; exit 0 when the connection opens within 3 s.
CONNECT = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)"


def probe_pod(kubectl: Kubectl, namespace: str, name: str) -> None:
    """A pod with Python (the wabiz image) and none of the client's labels."""
    kubectl(
        "run",
        name,
        "-n",
        namespace,
        f"--image=wabiz:{TAG}",
        "--image-pull-policy=Never",
        "--restart=Never",
        "--labels=app=probe",
        "--command",
        "--",
        "python",
        "-c",
        "import time; time.sleep(3600)",
    )
    eventually(
        lambda: (get(kubectl, namespace, "pod", name) or {}).get("status", {}).get("phase") == "Running",
        timeout=READY,
        what=f"probe pod {name}",
        interval=POLL,
    )


def reaches(kubectl: Kubectl, namespace: str, pod: str, host: str, port: int) -> bool:
    result = kubectl(
        "exec", pod, "-n", namespace, "--", "python", "-c", CONNECT, host, str(port), check=False
    )
    return result.returncode == 0


@pytest.fixture
def guarded(kubectl: Kubectl, namespace: str) -> Iterator[str]:
    flows.deploy(kubectl, namespace, NAME, workloads.managed_database())
    kubectl("create", "namespace", f"{namespace}-other")
    yield namespace
    kubectl("delete", "namespace", f"{namespace}-other", "--wait=false", check=False)


def test_network_policies_let_in_only_who_needs_in(kubectl: Kubectl, guarded: str) -> None:
    other = f"{guarded}-other"
    probe_pod(kubectl, other, "outsider")
    probe_pod(kubectl, guarded, "neighbour")
    here = f"{guarded}.svc"
    coreapp = f"{NAME}-coreapp-0.{NAME}-coreapp.{here}"
    targets = {
        "webapp": (f"{NAME}-webapp.{here}", 80),
        "coreapp": (coreapp, 9091),
        "sandbox": (f"{NAME}-sandbox.{here}", 9092),
        "database": (f"{NAME}-postgres.{here}", 5432),
    }
    from_other_namespace = {
        name: reaches(kubectl, other, "outsider", *target) for name, target in targets.items()
    }
    from_the_namespace = {
        name: reaches(kubectl, guarded, "neighbour", *target) for name, target in targets.items()
    }
    assert from_other_namespace == {"webapp": True, "coreapp": False, "sandbox": False, "database": False}
    assert from_the_namespace == {"webapp": True, "coreapp": False, "sandbox": True, "database": False}


def test_the_well_known_admin_password_never_opens_the_api(kubectl: Kubectl, guarded: str) -> None:
    """The migration Job set the generated password before any WebApp ran: first login with the
    documented default fails, the generated password works."""
    with kubectl.port_forward(guarded, f"{NAME}-webapp", 80) as url:
        first = httpx.post(
            f"{url}/v1/users/login",
            auth=("admin", "secret"),
            json={"new_password": "Taken-0ver!pass"},
            timeout=30,
        )
        assert first.status_code == 401, first.text
        password = kubectl.secret(guarded, f"{NAME}-secrets", "admin-password")
        flows.admin_session(url, password).close()
