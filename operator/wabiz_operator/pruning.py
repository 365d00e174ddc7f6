"""Which children the spec no longer wants: pure selection, the deletes are the reconciler's.

A child is a candidate only if it carries this client's labels AND its controller owner reference
is this very client (by uid): a same-named object of an earlier client, or one somebody labelled
by hand, is never deleted. Secrets and the ConfigMap are never pruned: their names do not depend on
the spec, and the generated Secrets outlive a client on purpose (`reconcile/secrets.py`).
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

PRUNABLE_KINDS = (
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("v1", "Service"),
    ("batch/v1", "Job"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
)
# Backups can be turned off (and a restore source is fixed at creation); the Cluster itself goes
# only with its client (the database mode is immutable), so it is never pruned.
CLOUDNATIVEPG_PRUNABLE_KINDS = (
    ("postgresql.cnpg.io/v1", "ScheduledBackup"),
    ("barmancloud.cnpg.io/v1", "ObjectStore"),
)


def prunable_kinds(database_mode: str) -> tuple[tuple[str, str], ...]:
    """Only a CloudNativePG client lists CloudNativePG kinds: elsewhere their CRDs may be absent."""
    return PRUNABLE_KINDS + (CLOUDNATIVEPG_PRUNABLE_KINDS if database_mode == "cloudnativepg" else ())


def controller_uid(obj: Obj) -> str | None:
    for reference in obj["metadata"].get("ownerReferences") or []:
        if reference.get("controller"):
            return str(reference.get("uid"))
    return None


def unwanted(live: list[Obj], wanted: set[str], owner_uid: str) -> list[str]:
    """Names of live children (one kind) owned by `owner_uid` that are not in `wanted`."""
    return [
        str(obj["metadata"]["name"])
        for obj in live
        if controller_uid(obj) == owner_uid and obj["metadata"]["name"] not in wanted
    ]
