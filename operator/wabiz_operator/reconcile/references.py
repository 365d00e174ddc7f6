"""The user's Secrets a client refers to: read once per pass, every named key checked.

A missing Secret or key is a permanent error naming the field that refers to it, so the condition
says exactly what to fix; the values feed the checks (database, bucket) and the pods' checksums.

A Secret must also be *shared* with the client by whoever owns it: annotated `wabiz.io/clients`
with the client's name (a comma-separated list, or `*` for every client of its namespace).
Otherwise anyone allowed to write a WhatsAppClient could point one at any Secret of the namespace
and have its values sent to an endpoint of their choosing: the bucket and database checks connect
there, and the pods get the values. Clients that ran before the operator asked for this keep the
Secrets they already used (`status.grandfatheredSecrets`): those values reached their pods long ago.
"""

from __future__ import annotations

from dataclasses import dataclass

from wabiz_operator.client import Client
from wabiz_operator.errors import ReconcileError, missing_reference
from wabiz_operator.kube import decode_secret
from wabiz_operator.reconcile.applying import read
from wabiz_operator.reconcile.context import Context, Obj
from wabiz_operator.spec import ClientSpec

CONSENT_ANNOTATION = "wabiz.io/clients"


@dataclass(frozen=True)
class Reference:
    secret: str
    key: str
    field: str  # where in the spec, for the error message


def media_references(spec: ClientSpec) -> list[Reference]:
    s3 = spec.media.s3.credentials_secret_ref
    return [
        Reference(s3.name, s3.access_key_id_key, "media.s3.credentialsSecretRef.accessKeyIdKey"),
        Reference(s3.name, s3.secret_access_key_key, "media.s3.credentialsSecretRef.secretAccessKeyKey"),
    ]


def references(spec: ClientSpec) -> list[Reference]:
    found = media_references(spec)
    external = spec.database.external
    if external is not None:
        db = external.credentials_secret_ref
        found += [
            Reference(db.name, db.username_key, "database.external.credentialsSecretRef.usernameKey"),
            Reference(db.name, db.password_key, "database.external.credentialsSecretRef.passwordKey"),
        ]
    cloud = spec.upstream.cloud
    if cloud is not None:
        found += [
            Reference(
                cloud.token_secret_ref.name, cloud.token_secret_ref.key, "upstream.cloud.tokenSecretRef"
            ),
            Reference(cloud.app_secret_ref.name, cloud.app_secret_ref.key, "upstream.cloud.appSecretRef"),
        ]
    hook = spec.webhooks.secret_ref
    if hook is not None:
        found.append(Reference(hook.name, hook.key, "webhooks.secretRef"))
    return found


def grandfathered(client: Client) -> list[str]:
    return list(client.status.get("grandfatheredSecrets") or [])


def legacy_grandfathering(client: Client) -> list[str] | None:
    """For a client last reconciled by an operator that recorded no version (0.1.0): the Secrets it
    uses now, which keep working unlabelled. None for every other client."""
    status = client.status
    if "grandfatheredSecrets" in status or status.get("version") or not status.get("observedGeneration"):
        return None
    return sorted({ref.secret for ref in references(client.spec)})


def shared_with(secret: Obj, client: Client) -> bool:
    value = (secret["metadata"].get("annotations") or {}).get(CONSENT_ANNOTATION, "")
    names = {name.strip() for name in value.split(",")}
    return bool(names & {client.name, "*"}) or secret["metadata"]["name"] in grandfathered(client)


def not_shared(ref: Reference, client: Client) -> ReconcileError:
    return ReconcileError(
        "SecretNotShared",
        f"Secret {ref.secret} ({ref.field}) is not shared with this client: its owner annotates it "
        f'{CONSENT_ANNOTATION}={client.name} (or "*") before the operator reads it or hands it to the pods',
        permanent=True,
    )


async def read_references(
    ctx: Context, client: Client, wanted: list[Reference] | None = None
) -> dict[str, dict[str, str]]:
    """Secret name → its data, for every Secret the spec names (or only those `wanted`)."""
    data: dict[str, dict[str, str]] = {}
    for ref in references(client.spec) if wanted is None else wanted:
        if ref.secret not in data:
            shape = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"namespace": client.namespace, "name": ref.secret},
            }
            live = await read(ctx, shape)
            if live is None:
                raise missing_reference(
                    f"Secret {ref.secret} ({ref.field}) does not exist in {client.namespace}"
                )
            if not shared_with(live, client):
                raise not_shared(ref, client)
            data[ref.secret] = decode_secret(live)
        if not data[ref.secret].get(ref.key):
            raise missing_reference(f"Secret {ref.secret} has no key {ref.key!r} ({ref.field})")
    return data
