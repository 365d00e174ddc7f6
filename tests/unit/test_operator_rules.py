"""The operator's decisions as pure functions: versions, rollout, pruning, scheduling, conditions,
error classes, CRD versions and the leader lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wabiz_operator import crd, election, rollout
from wabiz_operator.errors import classify
from wabiz_operator.kube import KubeError
from wabiz_operator.pruning import PRUNABLE_KINDS, prunable_kinds, unwanted
from wabiz_operator.scheduling import Result, Timing, next_delay
from wabiz_operator.spec import parse_spec
from wabiz_operator.status import Check, cluster_check, conditions, failed_pass, transitions
from wabiz_operator.versions import desired_image

MINIMAL = {
    "database": {"managed": {}},
    "media": {"s3": {"bucket": "media", "credentialsSecretRef": {"name": "m"}}},
}
REPO = "ghcr.io/wabiz/wabiz"


def spec(**fields: Any) -> Any:
    return parse_spec({**MINIMAL, **fields})


@pytest.mark.parametrize(
    ("fields", "status", "live", "expected"),
    [
        ({}, {}, None, f"{REPO}:0.3.0"),  # a new client: the operator's own version
        ({}, {"version": "0.2.0"}, None, f"{REPO}:0.2.0"),  # Manual: stays where it is
        ({}, {}, f"{REPO}:0.1.0", f"{REPO}:0.1.0"),  # recorded nothing: what runs
        ({"updatePolicy": "Auto"}, {"version": "0.2.0"}, None, f"{REPO}:0.3.0"),
        ({"image": {"tag": "0.2.5"}}, {"version": "0.2.0"}, None, f"{REPO}:0.2.5"),
        ({"image": {"tag": "sha256:abc"}}, {}, None, f"{REPO}@sha256:abc"),
    ],
)
def test_which_version_a_client_runs(
    fields: dict[str, Any], status: dict[str, Any], live: str | None, expected: str
) -> None:
    assert desired_image(spec(**fields), status, live, "0.3.0") == expected


def workload(image: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "acme-webapp", "annotations": annotations or {}},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"spec": {"containers": [{"image": image}]}},
        },
    }


def test_a_new_operator_defers_until_the_inputs_change() -> None:
    desired = workload("img:1")
    assert rollout.plan(desired, None, "0.3.0", "in-1") is rollout.Plan.APPLY
    ours = workload("img:1", {rollout.RENDERED_BY: "0.3.0", rollout.INPUTS: "in-0"})
    assert rollout.plan(desired, ours, "0.3.0", "in-1") is rollout.Plan.APPLY, "own rendering: apply"
    older = workload("img:1", {rollout.RENDERED_BY: "0.2.0", rollout.INPUTS: "in-1"})
    assert rollout.plan(desired, older, "0.3.0", "in-1") is rollout.Plan.DEFER, "same inputs: leave it"
    assert rollout.plan(desired, older, "0.3.0", "in-2") is rollout.Plan.APPLY, "the user changed something"
    legacy = workload("img:1")
    assert rollout.plan(desired, legacy, "0.3.0", "in-1") is rollout.Plan.DEFER, "no record, same image"
    assert rollout.plan(workload("img:2"), legacy, "0.3.0", "in-1") is rollout.Plan.APPLY, "a new image"
    assert rollout.adoption_stamp(legacy, "in-1") == {"metadata": {"annotations": {rollout.INPUTS: "in-1"}}}
    assert rollout.adoption_stamp(older, "in-1") is None


def test_fingerprints_follow_spec_image_and_secret_data() -> None:
    base = rollout.inputs_fingerprint(3, "img:1", {"s": {"k": "v"}})
    assert base == rollout.inputs_fingerprint(3, "img:1", {"s": {"k": "v"}})
    assert base != rollout.inputs_fingerprint(4, "img:1", {"s": {"k": "v"}})
    assert base != rollout.inputs_fingerprint(3, "img:2", {"s": {"k": "v"}})
    assert base != rollout.inputs_fingerprint(3, "img:1", {"s": {"k": "w"}})
    assert rollout.config_checksum({"A": "1"}, {"S": "x"}) != rollout.config_checksum({"A": "2"}, {"S": "x"})


def test_immutable_fields_come_from_the_live_object() -> None:
    live_claim = {
        "metadata": {"name": "data", "labels": {"app.kubernetes.io/version": "0.1.0"}},
        "status": {"phase": "Pending"},
    }
    live = {
        "kind": "StatefulSet",
        "spec": {"selector": {"x": 1}, "serviceName": "old", "volumeClaimTemplates": [live_claim]},
    }
    desired = {
        "kind": "StatefulSet",
        "spec": {"selector": {"x": 2}, "serviceName": "new", "volumeClaimTemplates": [{}], "replicas": 3},
    }
    merged = rollout.keep_immutable(desired, live)
    assert merged["spec"]["volumeClaimTemplates"] == [{"metadata": live_claim["metadata"]}]
    assert merged["spec"]["serviceName"] == "old"
    assert merged["spec"]["replicas"] == 3
    assert desired["spec"]["serviceName"] == "new", "the desired object is not modified"


def owned(name: str, uid: str | None) -> dict[str, Any]:
    refs = [{"uid": uid, "controller": True}] if uid else []
    return {"metadata": {"name": name, "ownerReferences": refs}}


def test_pruning_deletes_only_our_own_unwanted_children() -> None:
    live = [
        owned("acme-webapp", "u1"),
        owned("acme-sandbox", "u1"),
        owned("acme-other", "u2"),
        owned("loose", None),
    ]
    assert unwanted(live, {"acme-webapp"}, "u1") == ["acme-sandbox"]


def test_delays_grow_and_are_capped() -> None:
    timing = Timing()
    transient = [next_delay(Result.TRANSIENT_ERROR, n, timing) for n in range(1, 12)]
    permanent = [next_delay(Result.PERMANENT_ERROR, n, timing) for n in range(1, 8)]
    assert transient == sorted(transient) and transient[0] == 2 and transient[-1] == 300
    assert permanent[0] == 30 and permanent[-1] == 600, "permanent errors back off to minutes"
    assert next_delay(Result.SETTLED, 5, timing) == 60
    assert next_delay(Result.PROGRESSING, 1, timing) < next_delay(Result.PROGRESSING, 5, timing) <= 30


@pytest.mark.parametrize(
    ("status", "permanent", "reason"),
    [
        (403, True, "Forbidden"),
        (422, True, "Invalid"),
        (400, True, "Invalid"),
        (409, False, "Conflict"),
        (500, False, "InternalError"),
        (0, False, "APIUnreachable"),
        (429, False, "TooManyRequests"),
    ],
)
def test_error_classes(status: int, permanent: bool, reason: str) -> None:
    found = classify(KubeError(status, reason if status not in (0,) else "", "no"), "apply Ingress x")
    assert found.permanent is permanent
    assert found.reason == reason
    assert found.message.startswith("apply Ingress x:")


def test_conditions_ready_transitions_and_failures() -> None:
    ok = Check(True, "Fine", "fine")
    checks = {"DatabaseReady": ok, "MediaReady": ok, "WebAppAvailable": ok, "CoreAppAvailable": ok}
    first = conditions(checks, 2, [])
    ready = {c["type"]: c for c in first}
    assert ready["Ready"]["status"] == "True"
    broken = checks | {"MediaReady": Check(False, "BucketUnavailable", "no bucket")}
    later = conditions(broken, 3, first)
    by_type = {c["type"]: c for c in later}
    assert by_type["Ready"]["status"] == "False" and "MediaReady" in by_type["Ready"]["message"]
    assert by_type["DatabaseReady"]["lastTransitionTime"] == ready["DatabaseReady"]["lastTransitionTime"]
    assert {c["type"] for c in transitions(first, later)} == {"Ready", "MediaReady"}, "one Event per change"
    failed = {c["type"]: c for c in failed_pass(later, 4, "Forbidden", "apply Ingress: forbidden")}
    assert failed["Reconciled"]["status"] == "False" and failed["Reconciled"]["reason"] == "Forbidden"
    assert failed["Reconciled"]["observedGeneration"] == 4
    assert failed["MediaReady"] == by_type["MediaReady"], "observations keep their last value"


def test_a_failure_that_observed_something_says_so() -> None:
    ok = Check(True, "Fine", "fine")
    checks = {"DatabaseReady": ok, "MediaReady": ok, "WebAppAvailable": ok, "CoreAppAvailable": ok}
    before = conditions(checks, 2, [])
    missing = Check(False, "CloudNativePGMissing", "the CRD clusters.postgresql.cnpg.io is missing")
    after = {
        c["type"]: c
        for c in failed_pass(before, 3, missing.reason, missing.message, {"DatabaseReady": missing})
    }
    assert (after["DatabaseReady"]["status"], after["DatabaseReady"]["reason"]) == (
        "False",
        "CloudNativePGMissing",
    )
    assert after["Reconciled"]["reason"] == "CloudNativePGMissing"
    assert after["Ready"]["status"] == "False" and "DatabaseReady" in after["Ready"]["message"]


def cluster(**status: Any) -> dict[str, Any]:
    return {"status": status}


def test_database_ready_follows_the_cloudnativepg_cluster() -> None:
    assert not cluster_check(None).ok
    assert "CloudNativePG operator running" in cluster_check({"spec": {}}).message
    healthy = cluster(
        instances=3,
        readyInstances=3,
        currentPrimary="shop-db-1",
        targetPrimary="shop-db-1",
        phase="Cluster in healthy state",
        conditions=[{"type": "Ready", "status": "True"}],
    )
    assert cluster_check(healthy) == Check(True, "ClusterHealthy", "3/3 instances ready, primary shop-db-1")
    replica_joining = cluster(
        instances=3,
        readyInstances=2,
        currentPrimary="shop-db-1",
        targetPrimary="shop-db-1",
        phase="Creating a new replica",
        instancesStatus={"healthy": ["shop-db-1", "shop-db-2"]},
        conditions=[{"type": "Ready", "status": "False"}],
    )
    assert cluster_check(replica_joining).ok, "the primary serves while a replica joins"
    failing_over = cluster(
        instances=3,
        readyInstances=2,
        currentPrimary="shop-db-1",
        targetPrimary="pending",
        phase="Failing over",
        instancesStatus={"healthy": ["shop-db-2", "shop-db-3"]},
        conditions=[{"type": "Ready", "status": "False"}],
    )
    check = cluster_check(failing_over)
    assert (check.ok, check.reason) == (False, "DatabaseNotReady")
    assert check.message.startswith("Failing over: 2/3 instances ready")
    starting = cluster(instances=3, phase="Setting up primary", phaseReason="Creating primary instance")
    assert (
        cluster_check(starting).message
        == "Setting up primary (Creating primary instance): 0/3 instances ready, no primary"
    )


def test_cloudnativepg_kinds_are_pruned_only_for_its_clients() -> None:
    assert prunable_kinds("managed") == prunable_kinds("external") == PRUNABLE_KINDS
    extra = set(prunable_kinds("cloudnativepg")) - set(PRUNABLE_KINDS)
    assert {kind for _, kind in extra} == {"ScheduledBackup", "ObjectStore"}, "never the Cluster"


def test_crd_versions_never_go_backwards() -> None:
    def shipped(version: str | None) -> dict[str, Any]:
        return {"metadata": {"annotations": {crd.VERSION_ANNOTATION: version} if version else {}}}

    assert crd.should_apply(shipped("0.2.0"), None)
    assert crd.should_apply(shipped("0.2.0"), shipped(None)), "a CRD from before versions"
    assert crd.should_apply(shipped("0.10.0"), shipped("0.9.1"))
    assert not crd.should_apply(shipped("0.2.0"), shipped("0.3.0-rc1")), "a rollback leaves the newer CRD"


def test_lease_rules() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    fresh = election.held_spec({}, "a", 15, now)
    assert fresh["holderIdentity"] == "a" and fresh["leaseTransitions"] == 1
    assert election.may_take(fresh, "a", now + timedelta(seconds=1)), "renewing one's own"
    assert not election.may_take(fresh, "b", now + timedelta(seconds=10)), "held by a live holder"
    assert election.may_take(fresh, "b", now + timedelta(seconds=16)), "expired"
    assert election.may_take({**fresh, "holderIdentity": None}, "b", now), "released"
    renewed = election.held_spec(fresh, "a", 15, now + timedelta(seconds=5))
    assert renewed["acquireTime"] == fresh["acquireTime"] and renewed["leaseTransitions"] == 1


def test_only_clients_of_the_previous_operator_keep_unshared_secrets() -> None:
    from wabiz_operator.client import Client
    from wabiz_operator.reconcile.references import legacy_grandfathering, shared_with

    def client(status: dict[str, Any]) -> Client:
        body = {"metadata": {"name": "acme", "namespace": "n", "uid": "u"}, "spec": MINIMAL, "status": status}
        return Client.from_body(body)

    assert legacy_grandfathering(client({"observedGeneration": 4})) == ["m"], "0.1.0 wrote no version"
    assert legacy_grandfathering(client({})) is None, "a new client"
    assert legacy_grandfathering(client({"observedGeneration": 4, "version": "0.2.0"})) is None

    def secret(shared: str | None) -> dict[str, Any]:
        annotations = {"wabiz.io/clients": shared} if shared is not None else {}
        return {"metadata": {"name": "m", "annotations": annotations}}

    assert not shared_with(secret(None), client({"version": "0.2.0"}))
    assert shared_with(secret(None), client({"grandfatheredSecrets": ["m"]}))
    assert shared_with(secret("acme"), client({}))
    assert shared_with(secret("globex, acme"), client({}))
    assert shared_with(secret("*"), client({}))
    assert not shared_with(secret("other"), client({}))
    assert not shared_with(secret("acme-2"), client({}))


def test_an_operand_upgrade_does_not_touch_the_database_pod() -> None:
    """The managed database's inputs are its own part of the spec: a new image tag or webhook URL
    re-renders the app workloads, never the database."""
    from wabiz_operator.client import Client
    from wabiz_operator.reconcile import database_spec

    def client(**fields: Any) -> Client:
        body = {"metadata": {"name": "acme", "namespace": "n", "uid": "u"}, "spec": {**MINIMAL, **fields}}
        return Client.from_body(body)

    base = database_spec(client())
    assert database_spec(client(image={"tag": "9.9.9"}, webhooks={"url": "https://x.example/h"})) == base
    assert database_spec(client(database={"managed": {"storage": "50Gi"}})) != base
