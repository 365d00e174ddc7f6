"""The managed database, the development mode, on kind: its default placement tolerates the
database nodes' taint, the application's role is not a superuser, and deleting the pod stops
PostgreSQL with a fast shutdown (a clean stop, not a kill at the end of the grace period)."""

from __future__ import annotations

import subprocess
import time

from e2e import flows, workloads
from e2e.conftest import KUBECONFIG, POLL, ROLLOUT, Kubectl
from tests.tooling.scenarios import condition, get
from tests.tooling.waiting import eventually

NAME = "dev"
POD = f"{NAME}-postgres-0"


def test_the_development_database(kubectl: Kubectl, namespace: str) -> None:
    database = workloads.managed_database()
    database["managed"].pop("placement")  # the defaults: database nodes, their taint tolerated
    flows.deploy(kubectl, namespace, NAME, database)
    node = get(kubectl, namespace, "pod", POD)["spec"]["nodeName"]
    assert get(kubectl, "default", "node", node)["metadata"]["labels"].get("wabiz.io/role") == "database"

    password = kubectl.secret(namespace, f"{NAME}-postgres", "password")
    query = "select rolsuper from pg_roles where rolname = current_user"
    superuser = kubectl(
        "exec", POD, "-n", namespace, "--", "env", f"PGPASSWORD={password}",
        "psql", "-h", "127.0.0.1", "-U", "wabiz", "-d", "wabiz", "-qAtc", query,
    ).stdout.strip()  # fmt: skip
    assert superuser == "f", "the application's role is not a superuser"

    uid = get(kubectl, namespace, "pod", POD)["metadata"]["uid"]
    # The container's log, followed until it ends (the pod and its log go with the deletion).
    with subprocess.Popen(
        ["kubectl", f"--kubeconfig={KUBECONFIG}", "logs", "-f", POD, "-n", namespace, "--since=1s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as follower:
        started = time.monotonic()
        kubectl("delete", "pod", POD, "-n", namespace, "--wait=false")
        eventually(
            lambda: (get(kubectl, namespace, "pod", POD) or {}).get("metadata", {}).get("uid") != uid,
            timeout=ROLLOUT,
            what="the old pod gone",
            interval=POLL,
        )
        stopped = time.monotonic() - started
        log, _ = follower.communicate(timeout=30)
    print(f"\nmanaged database: deleted pod gone in {stopped:.1f} s; its last lines:\n{log[-600:]}")
    assert "received fast shutdown request" in log, log[-2000:]
    assert "database system is shut down" in log, "a clean stop"
    assert stopped < 30, "not killed at the end of the 60 s grace period"
    eventually(
        lambda: condition(kubectl, namespace, NAME, "DatabaseReady") == "True",
        timeout=ROLLOUT,
        what="the database back",
        interval=POLL,
    )
