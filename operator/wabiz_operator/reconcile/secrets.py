"""The generated Secrets, kept for as long as the data they protect.

- `<client>-secrets` (admin password, tokens) protects what the migration wrote into the
  database: once a migration succeeded (the status says so), a missing Secret is an error for a
  person to fix, never a reason to generate new values that would lock the operator out.
- `<client>-postgres` (managed database) protects the database volume: it is owned by the volume's
  PVC as well as by the client, so it outlives a deleted client exactly as long as the volume does,
  and a client created again under the same name finds its data and the password for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from wabiz_operator.client import Client
from wabiz_operator.errors import ReconcileError
from wabiz_operator.kube import decode_secret
from wabiz_operator.reconcile.applying import guard, read, write
from wabiz_operator.reconcile.context import Context, Obj
from wabiz_operator.resources.database import database_volume_claim
from wabiz_operator.resources.secrets import (
    build_database_secret,
    build_generated_secret,
    database_secret_name,
    generated_secret_name,
    new_database_values,
    new_generated_values,
)


@dataclass(frozen=True)
class Generated:
    values: dict[str, str]
    database: dict[str, str] | None  # the managed database's username and password


def migrated_before(client: Client) -> bool:
    return (client.status.get("migration") or {}).get("state") == "Succeeded"


async def _generated(ctx: Context, client: Client) -> dict[str, str]:
    name = generated_secret_name(client)
    live = await read(
        ctx, {"apiVersion": "v1", "kind": "Secret", "metadata": {"namespace": client.namespace, "name": name}}
    )
    if live is None and migrated_before(client):
        raise ReconcileError(
            "SecretLost",
            f"Secret {name} is gone, but the database was set up with its admin password and tokens; "
            "restore it (for example from a backup) — the operator does not generate new values "
            "while the data they protect exists",
            permanent=True,
        )
    values = new_generated_values(decode_secret(live))
    secret_obj = build_generated_secret(client, values)
    guard(live, client, secret_obj)
    await write(ctx, secret_obj)
    return values


def _volume_owner(claim: Obj) -> Obj:
    """A non-controller owner reference: garbage collection keeps the Secret while the PVC lives."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "name": claim["metadata"]["name"],
        "uid": claim["metadata"]["uid"],
    }


async def _database(ctx: Context, client: Client) -> dict[str, str] | None:
    if client.spec.database.managed is None:
        return None
    name, namespace = database_secret_name(client), client.namespace
    live = await read(
        ctx, {"apiVersion": "v1", "kind": "Secret", "metadata": {"namespace": namespace, "name": name}}
    )
    claim_ref = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"namespace": namespace, "name": database_volume_claim(client)},
    }
    claim = await read(ctx, claim_ref)
    if live is None and claim is not None:
        raise ReconcileError(
            "SecretLost",
            f"PVC {claim['metadata']['name']} holds a database whose password was in Secret {name}, which is "
            "gone; restore the Secret, or delete the PVC to start with an empty database",
            permanent=True,
        )
    secret_obj = build_database_secret(client, new_database_values(decode_secret(live)))
    assert secret_obj is not None  # managed mode
    guard(live, client, secret_obj)
    if claim is not None:
        secret_obj["metadata"]["ownerReferences"].append(_volume_owner(claim))
    await write(ctx, secret_obj)
    return dict(secret_obj["stringData"])


async def ensure(ctx: Context, client: Client) -> Generated:
    return Generated(await _generated(ctx, client), await _database(ctx, client))
