"""The operator's builders: every child for both database modes, placement, probes, security, and
which secrets reach which container."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from wabiz.kit.passwords import password_problem
from wabiz_operator.client import Client
from wabiz_operator.kube import KINDS
from wabiz_operator.reconcile.workloads import app_inputs, desired, operand
from wabiz_operator.resources import cnpg, coreapp, database, pdb, sandbox, webapp
from wabiz_operator.resources.common import VERSION_LABEL, image_tag, pod_labels
from wabiz_operator.resources.configmap import build_configmap, secret_refs
from wabiz_operator.resources.containers import CHECKSUM_ANNOTATION, Operand
from wabiz_operator.resources.migration import build_migration_job, database_target
from wabiz_operator.resources.secrets import (
    GENERATED_KEYS,
    SUPERUSER_PASSWORD,
    build_database_secret,
    build_generated_secret,
    new_database_values,
    new_generated_values,
)

EXAMPLES = Path(__file__).parents[2] / "crds" / "examples"
IMAGE = "ghcr.io/wabiz/wabiz:1.2.3"


def body(name: str) -> dict[str, Any]:
    client: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    client["metadata"] |= {"namespace": "shop", "uid": "1234-uid", "generation": 3}
    return client


def load(name: str, **spec: Any) -> Client:
    raw = body(name)
    raw["spec"] |= spec
    return Client.from_body(raw)


@pytest.fixture(params=["managed.yaml", "external.yaml", "cloudnativepg.yaml"])
def client(request: pytest.FixtureRequest) -> Client:
    return load(request.param)


def operands(client: Client) -> dict[str, Operand]:
    return {c: Operand(IMAGE, f"sum-{c}") for c in ("sandbox", "coreapp", "webapp")}


def all_children(client: Client) -> list[dict[str, Any]]:
    workloads, rest = desired(client, operands(client))
    extra = [
        build_generated_secret(client, new_generated_values({})),
        build_configmap(client),
        build_migration_job(client, IMAGE),
        database.build_database_init(client),
        database.build_database_service(client),
        database.build_database_statefulset(client),
        build_database_secret(client, new_database_values({})),
    ]
    if client.spec.database.cloudnativepg is not None:
        extra += [
            cnpg.build_cluster(client),
            *cnpg.build_object_stores(client),
            cnpg.build_scheduled_backup(client),
        ]
    return workloads + rest + [o for o in extra if o is not None]


def test_every_child_is_owned_labelled_and_deterministic(client: Client) -> None:
    first, second = all_children(client), all_children(copy.deepcopy(client))
    assert [c["metadata"]["name"] for c in first] == [c["metadata"]["name"] for c in second]
    for child in first:
        meta = child["metadata"]
        assert meta["namespace"] == "shop"
        assert meta["name"].startswith(client.name + "-")
        assert meta["ownerReferences"][0]["uid"] == "1234-uid"
        assert meta["ownerReferences"][0]["controller"] is True
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "wabiz-operator"
        assert VERSION_LABEL not in meta["labels"], "versions never go where selectors copy them"
        assert child["kind"] in KINDS


def test_claim_templates_and_selectors_carry_no_version() -> None:
    statefulset = database.build_database_statefulset(load("managed.yaml"))
    assert statefulset is not None
    claim = statefulset["spec"]["volumeClaimTemplates"][0]
    assert VERSION_LABEL not in claim["metadata"]["labels"]
    assert VERSION_LABEL not in statefulset["spec"]["selector"]["matchLabels"]


def test_pod_templates_carry_the_operand_version_and_the_checksum() -> None:
    client = load("managed.yaml")
    template = webapp.build_webapp_deployment(client, Operand(IMAGE, "abc"))["spec"]["template"]
    assert template["metadata"]["labels"][VERSION_LABEL] == "1.2.3"
    assert template["metadata"]["annotations"][CHECKSUM_ANNOTATION] == "abc"
    digest = "ghcr.io/wabiz/wabiz@sha256:" + "a" * 64
    assert image_tag(digest).startswith("sha256:")
    assert VERSION_LABEL not in pod_labels(client, "webapp", digest), "a digest is no label value"
    assert image_tag("registry:5000/wabiz") == "latest"


def pods(client: Client) -> list[dict[str, Any]]:
    return [
        c["spec"]["template"]["spec"]
        for c in all_children(client)
        if c["kind"] in ("Deployment", "StatefulSet", "Job")
    ]


def test_pods_run_non_root_with_a_read_only_root(client: Client) -> None:
    for pod in pods(client):
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert "limits" in container["resources"]


def test_app_probes_replicas_and_rollout() -> None:
    client = load("managed.yaml")
    deployment = webapp.build_webapp_deployment(client, Operand(IMAGE, "x"))
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"] and container["livenessProbe"]
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] > 0, "drain before the server stops"
    assert container["args"] == ["webapp"]
    statefulset = coreapp.build_coreapp_statefulset(client, Operand(IMAGE, "x"))
    assert statefulset["spec"]["replicas"] == 3, "shards 2 + standby 1"
    assert statefulset["spec"]["updateStrategy"]["type"] == "RollingUpdate"
    scaled = load("managed.yaml", coreapp={"shards": 2, "standby": 1, "replicas": 5})
    assert coreapp.build_coreapp_statefulset(scaled, Operand(IMAGE, "x"))["spec"]["replicas"] == 5
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
    app_pod = webapp.build_webapp_deployment(client, Operand(IMAGE, "x"))["spec"]["template"]["spec"]
    app_term = app_pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert app_term["labelSelector"]["matchExpressions"][0]["values"] == ["database"]
    assert app_pod["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"


def test_managed_database_tolerates_the_database_taint_by_default() -> None:
    client = load("managed.yaml", database={"managed": {}})
    statefulset = database.build_database_statefulset(client)
    assert statefulset is not None
    pod = statefulset["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"wabiz.io/role": "database"}
    assert pod["tolerations"] == [
        {"key": "wabiz.io/role", "operator": "Equal", "value": "database", "effect": "NoSchedule"}
    ]


def test_managed_database_stops_fast_and_serves_a_non_superuser() -> None:
    client = load("managed.yaml")
    statefulset = database.build_database_statefulset(client)
    assert statefulset is not None
    pod = statefulset["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 60
    container = pod["containers"][0]
    assert "-m fast" in container["lifecycle"]["preStop"]["exec"]["command"][-1]
    env = {e["name"]: e for e in container["env"]}
    assert env["POSTGRES_USER"]["value"] == "postgres", "the superuser is not the application's role"
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == SUPERUSER_PASSWORD
    assert env["WABIZ_APP_USER"]["valueFrom"]["secretKeyRef"]["key"] == "username"
    init = database.build_database_init(client)
    assert init is not None
    mounted = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounted[database.INIT_VOLUME] == "/docker-entrypoint-initdb.d"
    volume = next(v for v in pod["volumes"] if v["name"] == database.INIT_VOLUME)
    assert volume["configMap"]["name"] == init["metadata"]["name"]
    apps = {ref.env: ref.key for ref in secret_refs(client, "webapp") if ref.secret == "acme-postgres"}
    assert apps == {"WABIZ_DATABASE_USER": "username", "WABIZ_DATABASE_PASSWORD": "password"}


def test_managed_database_credentials_are_kept_and_completed() -> None:
    first = new_database_values({})
    assert set(first) == {"username", "password", SUPERUSER_PASSWORD}
    assert new_database_values(first) == first
    legacy = new_database_values({"username": "wabiz", "password": "old"})
    assert legacy["password"] == "old", "a 0.1.0 Secret keeps its password"
    assert legacy[SUPERUSER_PASSWORD]


def test_external_database_has_no_database_children() -> None:
    client = load("external.yaml")
    assert database.build_database_statefulset(client) is None
    assert build_database_secret(client, {}) is None
    assert sandbox.build_sandbox_deployment(client, Operand(IMAGE, "x")) is None, "cloud upstream: no sandbox"
    data = build_configmap(client)["data"]
    assert data["WABIZ_DATABASE_HOST"] == "postgres.databases.svc"
    assert data["WABIZ_DATABASE_NAME"] == "globex_whatsapp"
    assert data["WABIZ_UPSTREAM"] == "cloud"


def env_names(client: Client, component: str) -> set[str]:
    return {ref.env for ref in secret_refs(client, component)}


def test_each_container_gets_only_the_secrets_it_reads(client: Client) -> None:
    data = build_configmap(client)["data"]
    assert not any("PASSWORD" in key or "SECRET" in key or "TOKEN" in key for key in data)
    assert {"WABIZ_INTERNAL_TOKEN", "WABIZ_DATABASE_PASSWORD", "WABIZ_S3_SECRET_ACCESS_KEY"} <= env_names(
        client, "webapp"
    )
    assert "WABIZ_UPSTREAM_TOKEN" not in env_names(client, "webapp"), "only the CoreApp sends"
    assert "WABIZ_WEBHOOK_SECRET" in env_names(client, "coreapp"), "callbacks are always signed"
    assert env_names(client, "migrate") == {
        "WABIZ_DATABASE_USER",
        "WABIZ_DATABASE_PASSWORD",
        "WABIZ_ADMIN_PASSWORD",
    }
    sandbox_env = env_names(client, "sandbox")
    assert not sandbox_env & {"WABIZ_DATABASE_PASSWORD", "WABIZ_S3_SECRET_ACCESS_KEY", "WABIZ_INTERNAL_TOKEN"}


def test_a_changed_secret_changes_only_the_checksums_of_its_readers() -> None:
    client = load("managed.yaml")
    secrets = {
        "acme-secrets": new_generated_values({}),
        "media-credentials": {"accessKeyId": "a", "secretAccessKey": "b"},
    }
    before = {c: operand(client, c, IMAGE, secrets).checksum for c in ("sandbox", "coreapp", "webapp")}
    rotated = copy.deepcopy(secrets)
    rotated["media-credentials"]["secretAccessKey"] = "c"
    after = {c: operand(client, c, IMAGE, rotated).checksum for c in ("sandbox", "coreapp", "webapp")}
    assert after["webapp"] != before["webapp"] and after["coreapp"] != before["coreapp"]
    assert after["sandbox"] == before["sandbox"], "the sandbox reads no S3 credentials"


def test_generated_values_are_kept_and_valid() -> None:
    first = new_generated_values({})
    assert set(first) == set(GENERATED_KEYS)
    assert new_generated_values(first) == first
    assert password_problem(first["admin-password"]) is None
    assert all(len(value) >= 32 for key, value in first.items() if key != "admin-password")


def test_pdbs_leave_the_shards_running() -> None:
    client = load("external.yaml")  # shards 4, standby 2
    assert pdb.build_coreapp_pdb(client)["spec"]["maxUnavailable"] == 2
    assert pdb.build_webapp_pdb(client)["spec"]["maxUnavailable"] == 1


def test_migration_job_is_named_by_its_whole_template() -> None:
    client = load("managed.yaml")
    name = build_migration_job(client, IMAGE)["metadata"]["name"]
    assert build_migration_job(client, IMAGE)["metadata"]["name"] == name, "deterministic"
    assert build_migration_job(client, "ghcr.io/wabiz/wabiz:9.9.9")["metadata"]["name"] != name
    other_pull = load("managed.yaml", image={"pullPolicy": "Always"})
    assert build_migration_job(other_pull, IMAGE)["metadata"]["name"] != name, "any template change"
    job = build_migration_job(client, IMAGE)
    assert "envFrom" not in job["spec"]["template"]["spec"]["containers"][0], "reads no ConfigMap"
    assert database_target(client) == "acme-postgres.shop.svc:5432/wabiz"


def test_ingress_only_when_enabled() -> None:
    assert webapp.build_webapp_ingress(load("managed.yaml")) is None
    client = load(
        "managed.yaml", webapp={"ingress": {"enabled": True, "host": "wa.example", "tlsSecretName": "tls"}}
    )
    ingress = webapp.build_webapp_ingress(client)
    assert ingress is not None
    assert ingress["spec"]["tls"][0]["hosts"] == ["wa.example"]
    issued = load(
        "managed.yaml",
        webapp={"ingress": {"enabled": True, "annotations": {"cert-manager.io/cluster-issuer": "le"}}},
    )
    annotated = webapp.build_webapp_ingress(issued)
    assert annotated is not None and annotated["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "le"
    }


def test_in_cluster_urls_use_service_ports() -> None:
    data = build_configmap(load("managed.yaml"))["data"]
    assert data["WABIZ_SANDBOX_WEBHOOK_URL"] == "http://acme-webapp.shop.svc:80/upstream/webhook"
    assert data["WABIZ_SANDBOX_PUBLIC_URL"] == "http://acme-sandbox.shop.svc:9092"
    assert data["WABIZ_UPSTREAM_URL"] == "http://acme-sandbox.shop.svc:9092"


def policies(client: Client) -> dict[str, dict[str, Any]]:
    from wabiz_operator.resources.networkpolicy import build_network_policies

    return {p["metadata"]["name"]: p["spec"] for p in build_network_policies(client, "cnpg-system")}


def sources(policy: dict[str, Any]) -> Any:
    return policy["ingress"][0].get("from")


def test_network_policies_let_in_only_who_needs_in() -> None:
    found = policies(load("managed.yaml"))
    assert set(found) == {"acme-webapp", "acme-coreapp", "acme-database", "acme-sandbox"}
    assert sources(found["acme-webapp"]) is None, "the public surface"
    coreapp_from = sources(found["acme-coreapp"])[0]["podSelector"]["matchExpressions"][0]["values"]
    assert coreapp_from == ["webapp", "coreapp"]
    database_from = sources(found["acme-database"])[0]["podSelector"]["matchExpressions"][0]["values"]
    assert database_from == ["webapp", "coreapp", "migrate"], "the migration Job reaches the database"
    assert sources(found["acme-sandbox"]) == [{"podSelector": {}}], "its namespace only"
    assert all(p["policyTypes"] == ["Ingress"] for p in found.values())
    external = policies(load("external.yaml"))
    assert set(external) == {"globex-webapp", "globex-coreapp"}
    assert policies(load("managed.yaml", networkPolicy={"enabled": False})) == {}


def test_private_webhook_networks_reach_the_pods() -> None:
    client = load(
        "managed.yaml",
        webhooks={
            "url": "http://receiver:9093/webhook",
            "allowInsecure": True,
            "allowPrivateNetworks": ["10.96.0.0/12", "192.168.0.0/16"],
        },
    )
    assert build_configmap(client)["data"]["WABIZ_WEBHOOK_ALLOW_PRIVATE"] == "10.96.0.0/12,192.168.0.0/16"
    assert "WABIZ_WEBHOOK_ALLOW_PRIVATE" not in build_configmap(load("managed.yaml"))["data"]


def test_a_version_request_alone_does_not_re_render_the_app_workloads() -> None:
    """Raising `image.tag` first runs the migration on the old pods; the workloads move once, to the
    new image, when it succeeded (the image they run is part of their inputs apart from the spec)."""
    base = app_inputs(load("managed.yaml", image={"tag": "1.0.0"}))
    assert app_inputs(load("managed.yaml", image={"tag": "1.1.0"})) == base
    assert app_inputs(load("managed.yaml", image={"tag": "1.0.0"}, updatePolicy="Auto")) == base
    assert app_inputs(load("managed.yaml", image={"tag": "1.0.0", "pullPolicy": "Always"})) != base
    assert app_inputs(load("managed.yaml", image={"tag": "1.0.0"}, webapp={"replicas": 3})) != base
