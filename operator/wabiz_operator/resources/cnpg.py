"""The CloudNativePG database: a `Cluster`, the Barman Cloud `ObjectStore`s and a `ScheduledBackup`.

CloudNativePG (postgresql.cnpg.io/v1) runs the primary, the streaming replicas and the failover;
these builders only describe what the client needs:

- placement: the instances on the database nodes (label and taint), each on its own host
  (required anti-affinity), spread over zones where nodes carry one, never beside this client's
  WebApp or CoreApp pods;
- the application's database `wabiz` owned by the role `wabiz`, not a superuser (superuser access
  stays off); the pods connect to `<cluster>-rw` with the `<cluster>-app` credentials over TLS,
  verifying the server against `<cluster>-ca` (its certificate names `<cluster>-rw.<ns>.svc`);
- `max_connections` from the pools the WebApp and CoreApps can open (`max_connections`);
- WAL archiving and scheduled base backups into the media bucket under `backup.path`, through the
  Barman Cloud plugin, with the media credentials; or, at creation, a recovery from such backups.
"""

from __future__ import annotations

import math

from wabiz_operator.addresses import qualified_url
from wabiz_operator.client import Client
from wabiz_operator.resources.common import Obj, away_from, metadata
from wabiz_operator.spec import CloudNativePGDatabase

CNPG_API = "postgresql.cnpg.io/v1"
BARMAN_API = "barmancloud.cnpg.io/v1"
PLUGIN = "barman-cloud.cloudnative-pg.io"
CLUSTER_LABEL = "cnpg.io/cluster"
DATABASE, OWNER = "wabiz", "wabiz"
ORIGIN = "origin"
# `kit.db.make_engine`: a pool of `database_pool_size` (10) plus as many overflow connections, one
# engine per process; a unit test keeps this equal to the services' default.
CONNECTIONS_PER_PROCESS = 20
# The migration Job (one connection at a time), CloudNativePG's instance manager, a person with
# psql; PostgreSQL's superuser_reserved_connections (3) come on top.
RESERVED_CONNECTIONS = 20
CONNECTIONS_STEP = 100
DEFAULT_RESOURCES: Obj = {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}
CA_VOLUME, CA_DIRECTORY, CA_KEY = "database-ca", "/etc/wabiz/database-ca", "ca.crt"


def cluster_name(client: Client) -> str:
    return client.child("db")


def app_secret_name(client: Client) -> str:
    """CloudNativePG's Secret with the owner's `username` and `password`."""
    return f"{cluster_name(client)}-app"


def ca_secret_name(client: Client) -> str:
    """CloudNativePG's CA (`ca.crt`, and `ca.key`, which no pod of ours mounts)."""
    return f"{cluster_name(client)}-ca"


def primary_host(client: Client) -> str:
    """The read-write Service, as the server certificate names it (verify-full checks the name)."""
    return f"{cluster_name(client)}-rw.{client.namespace}.svc"


def server_name(client: Client) -> str:
    """This database's name in the object store. The uid's first group keeps a client created again
    under the same name from writing into (and being refused by) its predecessor's archive."""
    return f"{client.name}-{client.uid.split('-')[0]}"


def object_store_name(client: Client) -> str:
    return cluster_name(client)


def origin_store_name(client: Client) -> str:
    return f"{cluster_name(client)}-{ORIGIN}"


def backup_destination(client: Client) -> str:
    cnpg = _spec(client)
    return f"s3://{client.spec.media.s3.bucket}/{cnpg.backup.path}/"


def max_connections(client: Client) -> int:
    """Every pool full at once: the WebApps (plus the one a rolling update adds), the CoreApps, and
    the reserve; rounded up to a step so that scaling by a replica or two needs no restart."""
    processes = client.spec.webapp.replicas + 1 + client.spec.coreapp.desired_replicas
    needed = processes * CONNECTIONS_PER_PROCESS + RESERVED_CONNECTIONS
    return math.ceil(needed / CONNECTIONS_STEP) * CONNECTIONS_STEP


def _spec(client: Client) -> CloudNativePGDatabase:
    cnpg = client.spec.database.cloudnativepg
    if cnpg is None:
        raise ValueError(f"{client.name} does not use the cloudnativepg database mode")
    return cnpg


def _affinity(client: Client, cnpg: CloudNativePGDatabase) -> Obj:
    affinity: Obj = {
        "nodeSelector": cnpg.placement.node_selector,
        "enablePodAntiAffinity": True,
        "podAntiAffinityType": "required",
        "topologyKey": "kubernetes.io/hostname",
        "additionalPodAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [away_from(client, ["webapp", "coreapp"])]
        },
    }
    if cnpg.placement.tolerations:
        affinity["tolerations"] = cnpg.placement.tolerations
    return affinity


def _bootstrap(cnpg: CloudNativePGDatabase) -> Obj:
    if cnpg.restore is None:
        return {"initdb": {"database": DATABASE, "owner": OWNER}}
    recovery: Obj = {"source": ORIGIN, "database": DATABASE, "owner": OWNER}
    if cnpg.restore.target_time:
        recovery["recoveryTarget"] = {"targetTime": cnpg.restore.target_time}
    return {"recovery": recovery}


def _plugin(store: str, server: str, archiver: bool) -> Obj:
    plugin: Obj = {"name": PLUGIN, "parameters": {"barmanObjectName": store, "serverName": server}}
    if archiver:
        plugin["isWALArchiver"] = True
    return plugin


def build_cluster(client: Client) -> Obj:
    cnpg = _spec(client)
    name = cluster_name(client)
    storage: Obj = {"size": cnpg.storage}
    if cnpg.storage_class_name:
        storage["storageClass"] = cnpg.storage_class_name
    spec: Obj = {
        "instances": cnpg.instances,
        "enableSuperuserAccess": False,
        # A deleted or drained primary stops at once with a fast shutdown. The default smart shutdown
        # waits up to 180 s for every session to end, and the pools' idle sessions never do: the
        # primary left the Service, and the failover waited for the timeout (192 s on kind).
        "smartShutdownTimeout": 0,
        "postgresql": {"parameters": {"max_connections": str(max_connections(client))}},
        "bootstrap": _bootstrap(cnpg),
        "storage": storage,
        "resources": cnpg.resources or DEFAULT_RESOURCES,
        "affinity": _affinity(client, cnpg),
        # Zones where the nodes have them; a node without the label leaves this constraint inert.
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {CLUSTER_LABEL: name}},
            }
        ],
    }
    if cnpg.image_name:
        spec["imageName"] = cnpg.image_name
    if cnpg.backup.enabled:
        spec["plugins"] = [_plugin(object_store_name(client), server_name(client), archiver=True)]
    if cnpg.restore is not None:
        origin = _plugin(origin_store_name(client), cnpg.restore.server_name, archiver=False)
        spec["externalClusters"] = [{"name": ORIGIN, "plugin": origin}]
    return {
        "apiVersion": CNPG_API,
        "kind": "Cluster",
        "metadata": metadata(client, "database", name),
        "spec": spec,
    }


def _object_store(client: Client, name: str, bucket: str, path: str) -> Obj:
    s3 = client.spec.media.s3
    ref = s3.credentials_secret_ref
    configuration: Obj = {
        "destinationPath": f"s3://{bucket}/{path}/",
        "s3Credentials": {
            "accessKeyId": {"name": ref.name, "key": ref.access_key_id_key},
            "secretAccessKey": {"name": ref.name, "key": ref.secret_access_key_key},
        },
        "wal": {"compression": "gzip"},
        "data": {"compression": "gzip"},
    }
    if s3.endpoint:
        configuration["endpointURL"] = qualified_url(s3.endpoint, client.namespace)
    return {
        "apiVersion": BARMAN_API,
        "kind": "ObjectStore",
        "metadata": metadata(client, "database", name),
        "spec": {
            "configuration": configuration,
            # barman-cloud (boto3) takes the region from the environment of the plugin's sidecar.
            "instanceSidecarConfiguration": {"env": [{"name": "AWS_DEFAULT_REGION", "value": s3.region}]},
        },
    }


def build_object_stores(client: Client) -> list[Obj]:
    """Where this database archives (when backups are on), and where it was restored from."""
    cnpg = _spec(client)
    stores = []
    if cnpg.backup.enabled:
        store = _object_store(
            client, object_store_name(client), client.spec.media.s3.bucket, cnpg.backup.path
        )
        store["spec"]["retentionPolicy"] = cnpg.backup.retention_policy
        stores.append(store)
    if cnpg.restore is not None:
        bucket = cnpg.restore.bucket or client.spec.media.s3.bucket
        stores.append(_object_store(client, origin_store_name(client), bucket, cnpg.restore.path))
    return stores


def build_scheduled_backup(client: Client) -> Obj | None:
    cnpg = _spec(client)
    if not cnpg.backup.enabled:
        return None
    name = cluster_name(client)
    return {
        "apiVersion": CNPG_API,
        "kind": "ScheduledBackup",
        "metadata": metadata(client, "database", name),
        "spec": {
            "schedule": cnpg.backup.schedule,
            "cluster": {"name": name},
            "method": "plugin",
            "pluginConfiguration": {"name": PLUGIN},
            "immediate": True,  # a base backup as soon as the database is up: restorable from day one
            "backupOwnerReference": "self",
        },
    }


def ca_volumes(client: Client) -> list[Obj]:
    """The cluster's CA certificate alone (never its key), for the pods that connect."""
    if client.spec.database.cloudnativepg is None:
        return []
    items = [{"key": CA_KEY, "path": CA_KEY}]
    return [{"name": CA_VOLUME, "secret": {"secretName": ca_secret_name(client), "items": items}}]


def ca_mounts(client: Client) -> list[Obj]:
    if client.spec.database.cloudnativepg is None:
        return []
    return [{"name": CA_VOLUME, "mountPath": CA_DIRECTORY, "readOnly": True}]
