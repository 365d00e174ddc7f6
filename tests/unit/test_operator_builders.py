"""The operator's builders: every child for both database modes, placement, probes, security."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from wabiz_operator.kube import resource_path
from wabiz_operator.resources import coreapp, database, pdb, sandbox, webapp
from wabiz_operator.resources.children import foundation, workloads
from wabiz_operator.resources.configmap import build_configmap, secret_env
from wabiz_operator.resources.migration import build_migration_job, migration_job_name
from wabiz_operator.resources.secrets import GENERATED_KEYS, new_generated_values
from wabiz_operator.status import Check, conditions

EXAMPLES = Path(__file__).parents[2] / "crds" / "examples"


def load(name: str) -> dict[str, Any]:
    client: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    client["metadata"] |= {"namespace": "shop", "uid": "1234-uid", "generation": 3}
    return client


@pytest.fixture(params=["managed.yaml", "external.yaml"])
def client(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


def all_children(client: dict[str, Any]) -> list[dict[str, Any]]:
    values = new_generated_values({})
    return [*foundation(client, values, "db-pass"), build_migration_job(client), *workloads(client)]


def test_every_child_is_owned_labelled_and_deterministic(client: dict[str, Any]) -> None:
    first, second = all_children(client), all_children(copy.deepcopy(client))
    assert [c["metadata"]["name"] for c in first] == [c["metadata"]["name"] for c in second]
    for child in first:
        meta = child["metadata"]
        assert meta["namespace"] == "shop"
        assert meta["name"].startswith(client["metadata"]["name"] + "-")
        assert meta["ownerReferences"][0]["uid"] == "1234-uid"
        assert meta["ownerReferences"][0]["controller"] is True
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "wabiz-operator"
        resource_path(child["apiVersion"], child["kind"], "shop", meta["name"])  # a known kind


def pods(client: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c["spec"]["template"]["spec"]
        for c in all_children(client)
        if c["kind"] in ("Deployment", "StatefulSet", "Job")
    ]


def test_pods_run_non_root_with_a_read_only_root(client: dict[str, Any]) -> None:
    for pod in pods(client):
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert "limits" in container["resources"]


def test_app_probes_and_replicas() -> None:
    client = load("managed.yaml")
    deployment = webapp.build_webapp_deployment(client)
    assert deployment["spec"]["replicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"] and container["livenessProbe"]
    assert container["args"] == ["webapp"]
    statefulset = coreapp.build_coreapp_statefulset(client)
    assert statefulset["spec"]["replicas"] == 3, "shards 2 + standby 1"
    client["spec"]["coreapp"]["replicas"] = 5
    assert coreapp.build_coreapp_statefulset(client)["spec"]["replicas"] == 5, "kubectl scale wins"
    assert coreapp.build_coreapp_service(client)["spec"]["clusterIP"] == "None"


def test_managed_database_is_placed_alone_on_database_nodes() -> None:
    client = load("managed.yaml")
    statefulset = database.build_database_statefulset(client)
    assert statefulset is not None
    pod = statefulset["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"wabiz.io/role": "database"}
    assert pod["tolerations"][0]["key"] == "wabiz.io/role"
    term = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchExpressions"][0]["values"] == ["webapp", "coreapp"]
    assert (
        statefulset["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "20Gi"
    )
    app_pod = webapp.build_webapp_deployment(client)["spec"]["template"]["spec"]
    app_term = app_pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert app_term["labelSelector"]["matchExpressions"][0]["values"] == ["database"]
    assert app_pod["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"


def test_external_database_has_no_database_children() -> None:
    client = load("external.yaml")
    assert database.build_database_statefulset(client) is None
    assert database.build_database_secret(client, "x") is None
    assert sandbox.build_sandbox_deployment(client) is None, "cloud upstream: no sandbox"
    data = build_configmap(client)["data"]
    assert data["WABIZ_DATABASE_HOST"] == "postgres.databases.svc"
    assert data["WABIZ_DATABASE_NAME"] == "globex_whatsapp"
    assert data["WABIZ_UPSTREAM"] == "cloud"


def test_secrets_only_by_reference(client: dict[str, Any]) -> None:
    data = build_configmap(client)["data"]
    assert not any("PASSWORD" in key or "SECRET" in key or "TOKEN" in key for key in data)
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in secret_env(client)}
    assert {"WABIZ_INTERNAL_TOKEN", "WABIZ_DATABASE_PASSWORD", "WABIZ_S3_SECRET_ACCESS_KEY"} <= set(refs)


def test_generated_values_are_kept() -> None:
    first = new_generated_values({})
    assert set(first) == set(GENERATED_KEYS)
    assert new_generated_values(first) == first
    from wabiz.kit.passwords import password_problem

    assert password_problem(first["admin-password"]) is None


def test_pdbs_leave_the_shards_running() -> None:
    client = load("external.yaml")  # shards 4, standby 2
    assert pdb.build_coreapp_pdb(client)["spec"]["maxUnavailable"] == 2
    assert pdb.build_webapp_pdb(client)["spec"]["maxUnavailable"] == 1


def test_migration_job_name_follows_the_image() -> None:
    client = load("managed.yaml")
    name = migration_job_name(client)
    client["spec"]["image"] = {"tag": "9.9.9"}
    assert migration_job_name(client) != name


def test_ingress_only_when_enabled() -> None:
    client = load("managed.yaml")
    assert webapp.build_webapp_ingress(client) is None
    client["spec"]["webapp"]["ingress"] = {"enabled": True, "host": "wa.example", "tlsSecretName": "tls"}
    ingress = webapp.build_webapp_ingress(client)
    assert ingress is not None
    assert ingress["spec"]["tls"][0]["hosts"] == ["wa.example"]


def test_conditions_ready_and_transition_times() -> None:
    ok = Check(True, "Fine", "fine")
    checks = {"DatabaseReady": ok, "MediaReady": ok, "WebAppAvailable": ok, "CoreAppAvailable": ok}
    ready = {c["type"]: c for c in conditions(checks, 2, [])}
    assert ready["Ready"]["status"] == "True"
    assert ready["Progressing"]["status"] == "False"
    broken = checks | {"MediaReady": Check(False, "BucketUnavailable", "no bucket")}
    later = {c["type"]: c for c in conditions(broken, 3, list(ready.values()))}
    assert later["Ready"]["status"] == "False"
    assert "MediaReady" in later["Ready"]["message"]
    assert later["DatabaseReady"]["lastTransitionTime"] == ready["DatabaseReady"]["lastTransitionTime"]


def test_resource_paths() -> None:
    assert resource_path("v1", "Secret", "ns", "x") == "/api/v1/namespaces/ns/secrets/x"
    assert resource_path("apps/v1", "StatefulSet", "ns") == "/apis/apps/v1/namespaces/ns/statefulsets"


def test_in_cluster_urls_use_service_ports() -> None:
    client = load("managed.yaml")
    data = build_configmap(client)["data"]
    assert data["WABIZ_SANDBOX_WEBHOOK_URL"] == "http://acme-webapp.shop.svc:80/upstream/webhook"
    assert data["WABIZ_SANDBOX_PUBLIC_URL"] == "http://acme-sandbox.shop.svc:9092"
    assert data["WABIZ_UPSTREAM_URL"] == "http://acme-sandbox.shop.svc:9092"
