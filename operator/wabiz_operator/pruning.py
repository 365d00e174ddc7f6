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
