"""One reconcile pass: desired children applied, outside resources checked, status computed.

Ordering: configuration and the database first; the migration Job next; the app workloads only
once the Job succeeded; webhooks once the WebApp is available. A pass that must wait says so in
the status and returns `done=False`, and the handler retries later (never sleeps).
"""

from __future__ import annotations

import secrets as random
from dataclasses import dataclass
from typing import Any

from wabiz_operator import checks
from wabiz_operator.addresses import qualified_host, qualified_url
from wabiz_operator.kube import Kube, decode_secret
from wabiz_operator.resources.children import foundation, workloads
from wabiz_operator.resources.common import namespace_of, selector_labels
from wabiz_operator.resources.configmap import webapp_url
from wabiz_operator.resources.coreapp import coreapp_replicas
from wabiz_operator.resources.database import database_name
from wabiz_operator.resources.migration import build_migration_job
from wabiz_operator.resources.secrets import generated_secret_name, new_generated_values
from wabiz_operator.resources.webapp import COMPONENT as WEBAPP
from wabiz_operator.status import Check, conditions, replicas_check

Obj = dict[str, Any]


@dataclass
class Outcome:
    status: Obj
    done: bool


async def _secret(kube: Kube, namespace: str, name: str) -> dict[str, str]:
    return decode_secret(await kube.get("v1", "Secret", namespace, name))


async def _ready(kube: Kube, api_version: str, kind: str, namespace: str, name: str) -> int:
    obj = await kube.get(api_version, kind, namespace, name)
    return int(((obj or {}).get("status") or {}).get("readyReplicas") or 0)


async def _database_check(kube: Kube, client: Obj) -> Check:
    namespace, database = namespace_of(client), client["spec"]["database"]
    if "external" in database:
        ref = database["external"]["credentialsSecretRef"]
        credentials = await _secret(kube, namespace, ref["name"])
        user, password = (
            credentials.get(ref.get("usernameKey", "username")),
            credentials.get(ref.get("passwordKey", "password")),
        )
        if not user or not password:
            return Check(
                False, "CredentialsMissing", f"Secret {ref['name']} lacks the database user or password"
            )
        external = database["external"]
        seen_from_client = {**external, "host": qualified_host(external["host"], namespace)}
        return await checks.external_database(seen_from_client, user, password)
    ready = await _ready(kube, "apps/v1", "StatefulSet", namespace, database_name(client))
    if ready:
        return Check(True, "DatabaseRunning", "the managed PostgreSQL is ready")
    return Check(
        False,
        "DatabaseStarting",
        "the managed PostgreSQL pod is not ready; does a node carry the database label?",
    )


async def _s3_credentials(kube: Kube, client: Obj) -> tuple[str | None, str | None]:
    ref = client["spec"]["media"]["s3"]["credentialsSecretRef"]
    credentials = await _secret(kube, namespace_of(client), ref["name"])
    return (
        credentials.get(ref.get("accessKeyIdKey", "accessKeyId")),
        credentials.get(ref.get("secretAccessKeyKey", "secretAccessKey")),
    )


def _s3_seen_from_client(client: Obj) -> Obj:
    s3: Obj = client["spec"]["media"]["s3"]
    if not s3.get("endpoint"):
        return s3
    return {**s3, "endpoint": qualified_url(s3["endpoint"], namespace_of(client))}


async def _media_check(kube: Kube, client: Obj) -> Check:
    access, secret = await _s3_credentials(kube, client)
    if not access or not secret:
        name = client["spec"]["media"]["s3"]["credentialsSecretRef"]["name"]
        return Check(False, "CredentialsMissing", f"Secret {name} lacks the access key id or secret")
    return await checks.media_bucket(_s3_seen_from_client(client), access, secret)


async def remove_bucket(kube: Kube, client: Obj) -> int:
    """Empty and delete the bucket (`media.deletionPolicy: Delete` only); objects removed."""
    access, secret = await _s3_credentials(kube, client)
    if not access or not secret:
        return 0  # nothing we could reach; the bucket is left as it is
    return await checks.delete_media_bucket(_s3_seen_from_client(client), access, secret)


async def _apply_foundation(kube: Kube, client: Obj) -> dict[str, str]:
    namespace = namespace_of(client)
    generated = new_generated_values(await _secret(kube, namespace, generated_secret_name(client)))
    database_password = (await _secret(kube, namespace, database_name(client))).get(
        "password"
    ) or random.token_urlsafe(24)
    for obj in foundation(client, generated, database_password):
        await kube.apply(obj)
    return generated


async def _migrated(kube: Kube, client: Obj) -> bool:
    job = await kube.apply(build_migration_job(client))
    return bool((job.get("status") or {}).get("succeeded"))


async def reconcile(kube: Kube, client: Obj) -> Outcome:
    namespace, generation = namespace_of(client), int(client["metadata"].get("generation", 1))
    generated = await _apply_foundation(kube, client)
    found = {
        "DatabaseReady": await _database_check(kube, client),
        "MediaReady": await _media_check(kube, client),
    }
    migrated = found["DatabaseReady"].ok and await _migrated(kube, client)
    if migrated:
        for obj in workloads(client):
            await kube.apply(obj)
    webapp_desired = int(client["spec"].get("webapp", {}).get("replicas", 2))
    webapp_ready = await _ready(
        kube, "apps/v1", "Deployment", namespace, f"{client['metadata']['name']}-{WEBAPP}"
    )
    coreapp_ready = await _ready(
        kube, "apps/v1", "StatefulSet", namespace, f"{client['metadata']['name']}-coreapp"
    )
    found["WebAppAvailable"] = replicas_check("WebApp", webapp_ready, webapp_desired)
    found["CoreAppAvailable"] = replicas_check("CoreApp", coreapp_ready, coreapp_replicas(client))
    if not migrated:
        found["WebAppAvailable"] = Check(
            False, "WaitingForMigrations", "the migration Job has not succeeded yet"
        )
    webhooks = client["spec"].get("webhooks") or {}
    if not webhooks.get("url"):
        found["WebhooksConfigured"] = Check(True, "NotRequested", "no webhook URL in the spec")
    elif found["WebAppAvailable"].ok:
        found["WebhooksConfigured"] = await checks.configure_webhooks(
            webapp_url(client), generated["admin-password"], webhooks
        )
    else:
        found["WebhooksConfigured"] = Check(
            False, "WaitingForWebApp", "webhooks are applied once the WebApp is up"
        )
    if found["WebAppAvailable"].ok:
        shards = int(client["spec"].get("coreapp", {}).get("shards", 1))
        found["ShardsInSync"] = await checks.apply_shards(
            webapp_url(client), generated["admin-password"], shards
        )
    previous = (client.get("status") or {}).get("conditions") or []
    all_conditions = conditions(found, generation, previous)
    status = {
        "observedGeneration": generation,
        "conditions": all_conditions,
        "coreappReplicas": coreapp_ready,
        "coreappSelector": ",".join(f"{k}={v}" for k, v in selector_labels(client, "coreapp").items()),
        "coreapps": f"{coreapp_ready}/{coreapp_replicas(client)}",
        "webapp": f"{webapp_ready}/{webapp_desired}",
        "databaseMode": "external" if "external" in client["spec"]["database"] else "managed",
        "endpoint": webapp_url(client),
    }
    ready = next(c for c in all_conditions if c["type"] == "Ready")["status"] == "True"
    settled = found["WebhooksConfigured"].ok and found.get("ShardsInSync", Check(True, "", "")).ok
    return Outcome(status, done=ready and settled)
