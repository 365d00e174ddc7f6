"""The cloudnativepg database mode's builders: the Cluster's placement, bootstrap and connection
limit, backups and restore through the Barman Cloud plugin, and how the pods reach the database."""

from __future__ import annotations

from typing import Any

from tests.unit.test_operator_builders import IMAGE, load
from wabiz.kit.config import CommonConfig
from wabiz_operator.client import Client
from wabiz_operator.resources import cnpg, coreapp, sandbox, webapp
from wabiz_operator.resources.configmap import build_configmap, secret_refs
from wabiz_operator.resources.containers import Operand
from wabiz_operator.resources.migration import build_migration_job, database_target
from wabiz_operator.resources.networkpolicy import build_network_policies

Obj = dict[str, Any]


def initech(**spec: Any) -> Client:
    return load("cloudnativepg.yaml", **spec)


def with_database(**cloudnativepg: Any) -> Client:
    return initech(database={"cloudnativepg": cloudnativepg})


def test_instances_on_separate_database_nodes_away_from_the_apps() -> None:
    cluster = cnpg.build_cluster(with_database())
    assert (cluster["apiVersion"], cluster["kind"]) == ("postgresql.cnpg.io/v1", "Cluster")
    spec = cluster["spec"]
    assert spec["instances"] == 3
    affinity = spec["affinity"]
    assert affinity["nodeSelector"] == {"wabiz.io/role": "database"}
    assert affinity["tolerations"] == [
        {"key": "wabiz.io/role", "operator": "Equal", "value": "database", "effect": "NoSchedule"}
    ]
    assert (affinity["enablePodAntiAffinity"], affinity["podAntiAffinityType"]) == (True, "required")
    assert affinity["topologyKey"] == "kubernetes.io/hostname"
    (apart,) = affinity["additionalPodAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert apart["labelSelector"]["matchExpressions"][0]["values"] == ["webapp", "coreapp"]
    (zones,) = spec["topologySpreadConstraints"]
    assert (zones["topologyKey"], zones["whenUnsatisfiable"]) == (
        "topology.kubernetes.io/zone",
        "ScheduleAnyway",
    )
    assert zones["labelSelector"]["matchLabels"] == {"cnpg.io/cluster": "initech-db"}
    assert "imageName" not in spec, "CloudNativePG's default image unless one is named"
    named = cnpg.build_cluster(with_database(imageName="local/cnpg-postgresql:15", instances=5))
    assert (named["spec"]["imageName"], named["spec"]["instances"]) == ("local/cnpg-postgresql:15", 5)


def test_app_pods_keep_off_the_instances_nodes() -> None:
    client = initech()
    operand = Operand(IMAGE, "x")
    for workload in (
        webapp.build_webapp_deployment(client, operand),
        coreapp.build_coreapp_statefulset(client, operand),
    ):
        pod = workload["spec"]["template"]["spec"]
        (term,) = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert term == {
            "topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchLabels": {"cnpg.io/cluster": "initech-db"}},
        }


def test_the_application_owns_its_database_without_superuser_rights() -> None:
    spec = cnpg.build_cluster(initech())["spec"]
    assert spec["bootstrap"] == {"initdb": {"database": "wabiz", "owner": "wabiz"}}
    assert spec["enableSuperuserAccess"] is False
    assert spec["smartShutdownTimeout"] == 0, "the pools' sessions would hold a smart shutdown 180 s"
    assert spec["storage"] == {"size": "20Gi"}
    assert spec["resources"]["limits"]["memory"]


def test_max_connections_cover_every_pool() -> None:
    pool = CommonConfig.model_fields["database_pool_size"].default
    assert pool * 2 == cnpg.CONNECTIONS_PER_PROCESS, "make_engine: pool_size plus as many overflow"
    # (2 WebApps + 1 surging + 3 CoreApps) × 20 + 20 reserved = 140 → 200
    assert cnpg.build_cluster(initech())["spec"]["postgresql"]["parameters"] == {"max_connections": "200"}
    # (8 + 1 + 4 + 2) × 20 + 20 = 320 → 400
    bigger = initech(webapp={"replicas": 8}, coreapp={"shards": 4, "standby": 2})
    assert cnpg.max_connections(bigger) == 400
    scaled = initech(coreapp={"shards": 2, "standby": 1, "replicas": 4})
    assert cnpg.max_connections(scaled) == 200, "a CoreApp more needs no restart"


def test_wal_and_base_backups_go_to_the_media_bucket_under_the_clients_prefix() -> None:
    client = initech()
    (store,) = cnpg.build_object_stores(client)
    assert (store["apiVersion"], store["kind"]) == ("barmancloud.cnpg.io/v1", "ObjectStore")
    configuration = store["spec"]["configuration"]
    assert configuration["destinationPath"] == "s3://initech-media/database/"
    assert configuration["endpointURL"] == "http://minio.minio.svc:9000"
    assert configuration["s3Credentials"] == {
        "accessKeyId": {"name": "media-credentials", "key": "accessKeyId"},
        "secretAccessKey": {"name": "media-credentials", "key": "secretAccessKey"},
    }
    assert store["spec"]["retentionPolicy"] == "30d"
    assert {"name": "AWS_DEFAULT_REGION", "value": "us-east-1"} in store["spec"][
        "instanceSidecarConfiguration"
    ]["env"]
    (plugin,) = cnpg.build_cluster(client)["spec"]["plugins"]
    assert plugin == {
        "name": "barman-cloud.cloudnative-pg.io",
        "isWALArchiver": True,
        "parameters": {"barmanObjectName": "initech-db", "serverName": "initech-1234"},
    }
    schedule = cnpg.build_scheduled_backup(client)
    assert schedule is not None
    assert schedule["spec"] == {
        "schedule": "0 0 3 * * *",
        "cluster": {"name": "initech-db"},
        "method": "plugin",
        "pluginConfiguration": {"name": "barman-cloud.cloudnative-pg.io"},
        "immediate": True,
        "backupOwnerReference": "self",
    }
    short = initech(
        media={"s3": {"endpoint": "http://minio:9000", "bucket": "b", "credentialsSecretRef": {"name": "m"}}}
    )
    assert (
        cnpg.build_object_stores(short)[0]["spec"]["configuration"]["endpointURL"]
        == "http://minio.shop.svc:9000"
    )


def test_backups_can_be_turned_off() -> None:
    client = with_database(backup={"enabled": False})
    assert "plugins" not in cnpg.build_cluster(client)["spec"]
    assert cnpg.build_object_stores(client) == []
    assert cnpg.build_scheduled_backup(client) is None


def test_a_new_client_restores_another_databases_backups() -> None:
    client = with_database(restore={"serverName": "shop-8f2a", "targetTime": "2026-01-02T03:04:05Z"})
    spec = cnpg.build_cluster(client)["spec"]
    assert spec["bootstrap"] == {
        "recovery": {
            "source": "origin",
            "database": "wabiz",
            "owner": "wabiz",
            "recoveryTarget": {"targetTime": "2026-01-02T03:04:05Z"},
        }
    }
    assert spec["externalClusters"] == [
        {
            "name": "origin",
            "plugin": {
                "name": "barman-cloud.cloudnative-pg.io",
                "parameters": {"barmanObjectName": "initech-db-origin", "serverName": "shop-8f2a"},
            },
        }
    ]
    assert spec["plugins"][0]["parameters"]["serverName"] == "initech-1234", "its own archive is new"
    stores = {s["metadata"]["name"]: s["spec"] for s in cnpg.build_object_stores(client)}
    assert stores["initech-db-origin"]["configuration"]["destinationPath"] == "s3://initech-media/database/"
    assert "retentionPolicy" not in stores["initech-db-origin"], "the source's retention is its own"
    elsewhere = with_database(restore={"serverName": "old", "bucket": "archive", "path": "pg"})
    origin = next(
        s for s in cnpg.build_object_stores(elsewhere) if s["metadata"]["name"] == "initech-db-origin"
    )
    assert origin["spec"]["configuration"]["destinationPath"] == "s3://archive/pg/"


def test_pods_connect_to_the_primary_with_verify_full() -> None:
    client = initech()
    data = build_configmap(client)["data"]
    assert data["WABIZ_DATABASE_HOST"] == "initech-db-rw.shop.svc", "a name the server certificate carries"
    assert data["WABIZ_DATABASE_SSLMODE"] == "verify-full"
    assert data["WABIZ_DATABASE_SSLROOTCERT"] == "/etc/wabiz/database-ca/ca.crt"
    assert database_target(client) == "initech-db-rw.shop.svc:5432/wabiz"
    for component in ("webapp", "coreapp", "migrate"):
        refs = {ref.env: (ref.secret, ref.key) for ref in secret_refs(client, component)}
        assert refs["WABIZ_DATABASE_USER"] == ("initech-db-app", "username")
        assert refs["WABIZ_DATABASE_PASSWORD"] == ("initech-db-app", "password")
    operand = Operand(IMAGE, "x")
    readers = {
        "webapp": webapp.build_webapp_deployment(client, operand)["spec"]["template"],
        "coreapp": coreapp.build_coreapp_statefulset(client, operand)["spec"]["template"],
        "migrate": build_migration_job(client, IMAGE)["spec"]["template"],
    }
    for template in readers.values():
        pod = template["spec"]
        volume = next(v for v in pod["volumes"] if v["name"] == cnpg.CA_VOLUME)
        assert volume["secret"] == {
            "secretName": "initech-db-ca",
            "items": [{"key": "ca.crt", "path": "ca.crt"}],
        }
        mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == cnpg.CA_VOLUME)
        assert (mount["mountPath"], mount["readOnly"]) == ("/etc/wabiz/database-ca", True)
        if template is readers["migrate"]:
            env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
            assert env["WABIZ_DATABASE_SSLROOTCERT"] == "/etc/wabiz/database-ca/ca.crt"
    sandbox_pod = sandbox.build_sandbox_deployment(client, operand)
    assert sandbox_pod is not None
    assert [v["name"] for v in sandbox_pod["spec"]["template"]["spec"]["volumes"]] == ["tmp"], "no database"


def test_the_instances_accept_the_apps_each_other_and_cloudnativepg() -> None:
    found = {p["metadata"]["name"]: p["spec"] for p in build_network_policies(initech(), "cnpg-ops")}
    assert set(found) == {"initech-webapp", "initech-coreapp", "initech-database", "initech-sandbox"}
    policy = found["initech-database"]
    assert policy["podSelector"] == {"matchLabels": {"cnpg.io/cluster": "initech-db"}}
    apps, peers, operator = policy["ingress"]
    assert apps["ports"] == [{"protocol": "TCP", "port": 5432}]
    assert apps["from"][0]["podSelector"]["matchExpressions"][0]["values"] == ["webapp", "coreapp", "migrate"]
    assert peers == {"from": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "initech-db"}}}]}, (
        "every port"
    )
    assert operator["ports"] == [{"protocol": "TCP", "port": 8000}, {"protocol": "TCP", "port": 5432}]
    assert operator["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-ops"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "cloudnative-pg"}},
        }
    ]
