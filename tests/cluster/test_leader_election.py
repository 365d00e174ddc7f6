"""Two operator replicas, one leader Lease: only the holder reconciles; the other takes over when
the holder stops."""

from __future__ import annotations

from pathlib import Path

from tests.cluster.operators import (
    OPERATOR_NAMESPACE,
    Operator,
    create_managed_client,
    get,
    install_rbac,
    patch_spec,
    settled,
    start_operator,
)
from tests.tooling.control_plane import ControlPlane
from tests.tooling.waiting import eventually
from wabiz.local.s3 import LocalS3

ELECTION = {"WABIZ_OPERATOR_LEASE_NAMESPACE": OPERATOR_NAMESPACE, "WABIZ_OPERATOR_CRD_FILE": ""}


def leaders(*operators: Operator) -> list[Operator]:
    return [o for o in operators if o.metric("wabiz_operator_leader") == 1]


def passes(operator: Operator, namespace: str) -> float:
    return operator.metric("wabiz_operator_reconciles_total", namespace=namespace, name="acme")


def test_only_the_lease_holder_reconciles(
    cluster: ControlPlane, namespace: str, s3: LocalS3, tmp_path: Path
) -> None:
    install_rbac(cluster)
    first = start_operator(cluster, tmp_path / "first", env=ELECTION)
    second = start_operator(cluster, tmp_path / "second", env=ELECTION)
    try:
        eventually(lambda: len(leaders(first, second)) == 1, timeout=60, what="exactly one leader")
        (leader,) = leaders(first, second)
        standby = second if leader is first else first
        create_managed_client(cluster, namespace, s3)
        eventually(lambda: settled(cluster, namespace, "acme"), timeout=150, what="acme settled")
        assert passes(leader, namespace) > 0
        assert passes(standby, namespace) == 0, "the standby never reconciles"
        assert leaders(first, second) == [leader]

        leader.stop()  # a clean stop hands the Lease back at once
        eventually(lambda: leaders(standby) == [standby], timeout=30, what="the standby takes the Lease")
        patch_spec(cluster, namespace, "acme", {"webapp": {"replicas": 3}})
        eventually(
            lambda: get(cluster, namespace, "deployment", "acme-webapp")["spec"]["replicas"] == 3,
            timeout=60,
            what="the new leader reconciles",
        )
        assert passes(standby, namespace) > 0
        lease = get(cluster, OPERATOR_NAMESPACE, "lease", "wabiz-operator")["spec"]
        assert lease["holderIdentity"] and lease["leaseTransitions"] >= 2
    finally:
        first.stop()
        second.stop()
