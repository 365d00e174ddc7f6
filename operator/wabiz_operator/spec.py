"""The `WhatsAppClient` spec as typed models: one parse per pass, no `.get(key, default)` elsewhere.

The API server applies the CRD's defaults before the operator ever reads an object, so the defaults
here matter only for objects the CRD leaves absent (an omitted `ingress`, `webhooks`, `statuses`).
They must still equal the CRD's: `tests/cluster/test_spec_defaults.py` creates objects through the
real API server and compares its defaulting with these models, and fails when they differ.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Obj = dict[str, Any]


class _Spec(BaseModel):
    # Unknown fields are ignored rather than refused: an older operator reading an object written
    # for a newer CRD keeps working (the API server has already validated the object).
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class ImageSpec(_Spec):
    repository: str = "ghcr.io/wabiz/wabiz"
    tag: str | None = None
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"


class ServiceSpec(_Spec):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    port: int = 80


class IngressSpec(_Spec):
    enabled: bool = False
    host: str | None = None
    class_name: str | None = None
    tls_secret_name: str | None = None
    annotations: dict[str, str] | None = None


class WebAppSpec(_Spec):
    replicas: int = 2
    resources: Obj | None = None
    service: ServiceSpec = ServiceSpec()
    ingress: IngressSpec = IngressSpec()


class CoreAppSpec(_Spec):
    shards: int = 1
    standby: int = 1
    replicas: int | None = None
    resources: Obj | None = None

    @property
    def desired_replicas(self) -> int:
        """What `kubectl scale` set, else one CoreApp per shard plus the standbys."""
        return self.replicas if self.replicas else self.shards + self.standby


class SecretKeyRef(_Spec):
    name: str
    key: str


class DatabaseCredentialsRef(_Spec):
    name: str
    username_key: str = "username"
    password_key: str = "password"  # noqa: S105 (a key name)


class ExternalDatabase(_Spec):
    host: str
    port: int = 5432
    name: str = "wabiz"
    ssl_mode: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] = "require"
    credentials_secret_ref: DatabaseCredentialsRef


DATABASE_ROLE = {"wabiz.io/role": "database"}
DATABASE_TOLERATION: Obj = {
    "key": "wabiz.io/role",
    "operator": "Equal",
    "value": "database",
    "effect": "NoSchedule",
}


class DatabasePlacement(_Spec):
    """The database nodes: selected by label, their taint tolerated (both by default)."""

    node_selector: dict[str, str] = Field(default_factory=lambda: dict(DATABASE_ROLE))
    tolerations: list[Obj] = Field(default_factory=lambda: [dict(DATABASE_TOLERATION)])


class ManagedDatabase(_Spec):
    """The development mode: one PostgreSQL pod, no replica, no backup."""

    storage: str = "10Gi"
    storage_class_name: str | None = None
    image: str = "postgres:16-alpine"
    resources: Obj | None = None
    placement: DatabasePlacement = DatabasePlacement()


class DatabaseBackup(_Spec):
    """WAL archiving and scheduled base backups into the media bucket, under `path`."""

    enabled: bool = True
    path: str = "database"
    schedule: str = "0 0 3 * * *"
    retention_policy: str = "30d"


class DatabaseRestore(_Spec):
    """Where a new client's database comes from: another database's backups (`serverName`)."""

    server_name: str
    bucket: str | None = None
    path: str = "database"
    target_time: str | None = None


class CloudNativePGDatabase(_Spec):
    """A CloudNativePG `Cluster`: a primary and streaming replicas with automated failover."""

    instances: int = 3
    image_name: str | None = None
    storage: str = "10Gi"
    storage_class_name: str | None = None
    resources: Obj | None = None
    placement: DatabasePlacement = DatabasePlacement()
    backup: DatabaseBackup = DatabaseBackup()
    restore: DatabaseRestore | None = None


DatabaseMode = Literal["external", "managed", "cloudnativepg"]


class DatabaseSpec(_Spec):
    external: ExternalDatabase | None = None
    managed: ManagedDatabase | None = None
    cloudnativepg: CloudNativePGDatabase | None = None

    @property
    def mode(self) -> DatabaseMode:
        if self.external is not None:
            return "external"
        return "cloudnativepg" if self.cloudnativepg is not None else "managed"


class S3CredentialsRef(_Spec):
    name: str
    access_key_id_key: str = "accessKeyId"
    secret_access_key_key: str = "secretAccessKey"  # noqa: S105 (a key name)


class S3Spec(_Spec):
    endpoint: str | None = None
    bucket: str
    region: str = "us-east-1"
    create: bool = True
    credentials_secret_ref: S3CredentialsRef


class MediaSpec(_Spec):
    s3: S3Spec
    deletion_policy: Literal["Retain", "Delete"] = "Retain"


class WebhookSecretRef(_Spec):
    name: str
    key: str = "secret"


class WebhookStatuses(_Spec):
    sent: bool = False
    delivered: bool = True
    read: bool = True


class WebhooksSpec(_Spec):
    url: str | None = None
    allow_insecure: bool = False
    allow_private_networks: list[str] | None = None
    secret_ref: WebhookSecretRef | None = None
    max_concurrent_requests: Literal[6, 12, 18, 24] = 6
    statuses: WebhookStatuses = WebhookStatuses()


class SandboxUpstream(_Spec):
    enforce_window: bool = True


class TokenRef(_Spec):
    name: str
    key: str = "token"


class AppSecretRef(_Spec):
    name: str
    key: str = "appSecret"


class CloudUpstream(_Spec):
    phone_number_id: str
    token_secret_ref: TokenRef
    app_secret_ref: AppSecretRef


class UpstreamSpec(_Spec):
    sandbox: SandboxUpstream | None = None
    cloud: CloudUpstream | None = None


class NetworkPolicySpec(_Spec):
    enabled: bool = True


class PlacementSpec(_Spec):
    node_selector: dict[str, str] | None = None
    tolerations: list[Obj] | None = None
    spread_across_nodes: bool = True


class ClientSpec(_Spec):
    update_policy: Literal["Manual", "Auto"] = "Manual"
    image: ImageSpec = ImageSpec()
    webapp: WebAppSpec = WebAppSpec()
    coreapp: CoreAppSpec = CoreAppSpec()
    database: DatabaseSpec
    media: MediaSpec
    webhooks: WebhooksSpec = WebhooksSpec()
    upstream: UpstreamSpec = UpstreamSpec(sandbox=SandboxUpstream())
    network_policy: NetworkPolicySpec = NetworkPolicySpec()
    placement: PlacementSpec = PlacementSpec()


def parse_spec(spec: Obj) -> ClientSpec:
    return ClientSpec.model_validate(spec)
