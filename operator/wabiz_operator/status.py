"""Status conditions as pure functions: observed facts in, Kubernetes-style conditions out.

- `Ready`: the client serves (database, media, WebApp and CoreApp all available).
- `Reconciled`: the last pass applied the whole spec; False with the error's reason when it could
  not (Forbidden, Invalid, InvalidReference, SecretLost, …), written on failures too.
- `Progressing`: something is still moving (a migration, a rollout, pods starting).
- The rest are the observations `Ready` is made of, plus `Migrated`, `WebhooksConfigured` and
  `ShardsInSync`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
CONDITION_TYPES = (
    "Ready",
    "Reconciled",
    "Progressing",
    "DatabaseReady",
    "MediaReady",
    "Migrated",
    "WebAppAvailable",
    "CoreAppAvailable",
    "WebhooksConfigured",
    "ShardsInSync",
)
SERVING = ("DatabaseReady", "MediaReady", "WebAppAvailable", "CoreAppAvailable")


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str
    message: str


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(kind: str, check: Check, generation: int, previous: list[Obj]) -> Obj:
    """Keeps lastTransitionTime when the status did not change, as Kubernetes conventions ask."""
    status = "True" if check.ok else "False"
    old = next((c for c in previous if c.get("type") == kind), None)
    unchanged = old is not None and old.get("status") == status
    return {
        "type": kind,
        "status": status,
        "reason": check.reason,
        "message": check.message,
        "observedGeneration": generation,
        "lastTransitionTime": old.get("lastTransitionTime", now()) if unchanged and old else now(),
    }


def replicas_check(what: str, ready: int, desired: int) -> Check:
    if desired and ready >= desired:
        return Check(True, "AllReplicasReady", f"{ready}/{desired} {what} replicas ready")
    if ready:
        return Check(
            True, "MinimumReplicasReady", f"{ready}/{desired} {what} replicas ready; the rest are starting"
        )
    return Check(False, "NoReplicasReady", f"0/{desired} {what} replicas ready; see `kubectl describe pod`")


def cluster_check(cluster: Obj | None) -> Check:
    """`DatabaseReady` from a CloudNativePG Cluster: its own Ready condition, or, while it is not
    (a replica starting, a rolling update), a stable primary that is healthy serves writes too."""
    status = (cluster or {}).get("status") or {}
    if not status:
        return Check(
            False, "DatabaseStarting", "the Cluster has no status yet; is the CloudNativePG operator running?"
        )
    primary = status.get("currentPrimary")
    counts = f"{status.get('readyInstances') or 0}/{status.get('instances') or 0} instances ready"
    counts += f", primary {primary}" if primary else ", no primary"
    ready: Obj = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    if ready.get("status") == "True":
        return Check(True, "ClusterHealthy", counts)
    phase = status.get("phase") or "starting"
    if status.get("phaseReason"):
        phase += f" ({status['phaseReason']})"
    healthy = (status.get("instancesStatus") or {}).get("healthy") or []
    if primary and primary == status.get("targetPrimary") and primary in healthy:
        return Check(True, "PrimaryReady", f"{phase}: {counts}")
    return Check(False, "DatabaseNotReady", f"{phase}: {counts}")


def serving(checks: dict[str, Check]) -> Check:
    blockers = [(kind, checks[kind]) for kind in SERVING if kind in checks and not checks[kind].ok]
    missing = [kind for kind in SERVING if kind not in checks]
    if not blockers and not missing:
        return Check(True, "Serving", "the client is serving")
    if blockers:
        kind, check = blockers[0]
        return Check(False, "NotReady", f"waiting for {kind}: {check.message}")
    return Check(False, "NotReady", f"waiting for {missing[0]}")


def conditions(checks: dict[str, Check], generation: int, previous: list[Obj]) -> list[Obj]:
    """Every condition in `checks` plus Ready; conditions not observed this pass keep their old value."""
    full = {**checks, "Ready": serving(checks)}
    written = [condition(kind, full[kind], generation, previous) for kind in CONDITION_TYPES if kind in full]
    kept = [c for c in previous if c.get("type") not in full and c.get("type") in CONDITION_TYPES]
    order = {kind: index for index, kind in enumerate(CONDITION_TYPES)}
    return sorted(written + kept, key=lambda c: order[c["type"]])


def transitions(before: list[Obj], after: list[Obj]) -> list[Obj]:
    """Conditions whose status changed (or appeared): one Event each, no more."""
    old = {c.get("type"): c.get("status") for c in before}
    return [c for c in after if old.get(c["type"]) != c["status"]]


def failed_pass(
    previous: list[Obj], generation: int, reason: str, message: str, observed: dict[str, Check] | None = None
) -> list[Obj]:
    """A pass that raised: `Reconciled` says why, and so do the conditions the failure itself
    observed (`observed`, which Ready then follows); the others keep their last values."""
    fresh = {"Reconciled": Check(False, reason, message), **(observed or {})}
    known = {
        c["type"]: Check(c["status"] == "True", c.get("reason", ""), c.get("message", "")) for c in previous
    } | fresh
    if observed or "Ready" not in known:
        fresh["Ready"] = serving(known)
    written = [condition(kind, check, generation, previous) for kind, check in fresh.items()]
    kept = [c for c in previous if c.get("type") not in fresh]
    order = {kind: index for index, kind in enumerate(CONDITION_TYPES)}
    return sorted(written + kept, key=lambda c: order.get(c["type"], len(order)))
