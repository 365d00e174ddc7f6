"""The CRD as the real API server enforces it: examples accepted, bad objects refused with the
schema's and CEL rules' own messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tests.cluster.conftest import ROOT
from tests.tooling.control_plane import ControlPlane


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "crds" / "examples" / name).read_text())
    return document


def apply(
    cluster: ControlPlane, namespace: str, obj: dict[str, Any], dry_run: bool = True
) -> tuple[bool, str]:
    args = ["apply", "-n", namespace, "-f", "-"] + (["--dry-run=server"] if dry_run else [])
    result = cluster.kubectl(*args, stdin=yaml.safe_dump(obj), check=False)
    return result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name", ["managed.yaml", "external.yaml", "cloudnativepg.yaml", "external-cloudnativepg.yaml"]
)
def test_examples_are_accepted(cluster: ControlPlane, namespace: str, name: str) -> None:
    accepted, output = apply(cluster, namespace, example(name))
    assert accepted, output


def _broken(change: str) -> tuple[dict[str, Any], str]:
    obj = example("managed.yaml")
    spec = obj["spec"]
    if change == "both-databases":
        spec["database"]["external"] = {"host": "db", "credentialsSecretRef": {"name": "x"}}
        return obj, "set exactly one of database.cloudnativepg, database.external and database.managed"
    if change == "managed-and-cloudnativepg":
        spec["database"]["cloudnativepg"] = {}
        return obj, "set exactly one of database.cloudnativepg, database.external and database.managed"
    if change == "no-database":
        spec["database"] = {}
        return obj, "set exactly one of database.cloudnativepg, database.external and database.managed"
    if change == "three-shards":
        spec["coreapp"]["shards"] = 3
        return obj, "Unsupported value: 3"
    if change == "too-few-coreapps":
        spec["coreapp"]["replicas"] = 1
        return obj, "coreapp.replicas must be at least coreapp.shards"
    if change == "insecure-webhook":
        spec["webhooks"]["url"] = "http://hooks.example"
        return obj, "webhooks.url must use https://"
    spec["upstream"]["cloud"] = {
        "phoneNumberId": "1",
        "tokenSecretRef": {"name": "a"},
        "appSecretRef": {"name": "b"},
    }
    return obj, "set exactly one of upstream.sandbox and upstream.cloud"


@pytest.mark.parametrize(
    "change",
    [
        "both-databases",
        "managed-and-cloudnativepg",
        "no-database",
        "three-shards",
        "too-few-coreapps",
        "insecure-webhook",
        "two-upstreams",
    ],
)
def test_invalid_objects_are_refused(cluster: ControlPlane, namespace: str, change: str) -> None:
    obj, message = _broken(change)
    accepted, output = apply(cluster, namespace, obj)
    assert not accepted
    assert message in output, output


def test_database_mode_is_immutable(cluster: ControlPlane, namespace: str) -> None:
    obj = example("managed.yaml")
    accepted, output = apply(cluster, namespace, obj, dry_run=False)
    assert accepted, output
    changed = copy.deepcopy(obj)
    changed["spec"]["database"] = {"external": {"host": "db", "credentialsSecretRef": {"name": "x"}}}
    accepted, output = apply(cluster, namespace, changed)
    assert not accepted
    assert "cannot be changed after creation" in output, output
    changed["spec"]["database"] = {"cloudnativepg": {}}
    accepted, output = apply(cluster, namespace, changed)
    assert not accepted
    assert "cannot be changed after creation" in output, output


def test_a_restore_source_is_fixed_at_creation(cluster: ControlPlane, namespace: str) -> None:
    obj = example("cloudnativepg.yaml")
    obj["spec"]["database"]["cloudnativepg"]["restore"] = {"serverName": "shop-1a2b"}
    accepted, output = apply(cluster, namespace, obj, dry_run=False)
    assert accepted, output
    for restore in ({"serverName": "other-3c4d"}, None):
        changed = copy.deepcopy(obj)
        changed["spec"]["database"]["cloudnativepg"]["restore"] = restore
        accepted, output = apply(cluster, namespace, changed)
        assert not accepted
        assert "restore is read only when the database is created" in output, output


def test_defaults_and_printer_columns(cluster: ControlPlane, namespace: str) -> None:
    obj = example("managed.yaml")
    obj["metadata"]["name"] = "columns"
    assert apply(cluster, namespace, obj, dry_run=False)[0]
    stored = yaml.safe_load(cluster.kubectl("get", "wac", "columns", "-n", namespace, "-o", "yaml").stdout)
    assert stored["spec"]["webapp"]["service"]["type"] == "ClusterIP"
    assert stored["spec"]["media"]["deletionPolicy"] == "Retain"
    header = cluster.kubectl("get", "wac", "-n", namespace).stdout.splitlines()[0].split()
    assert header == ["NAME", "READY", "VERSION", "SHARDS", "COREAPPS", "WEBAPP", "DATABASE", "AGE"]
    explained = cluster.kubectl("explain", "whatsappclient.spec.database").stdout
    assert "Exactly one of cloudnativepg" in explained
