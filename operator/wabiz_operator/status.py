"""Status conditions as pure functions: observed facts in, Kubernetes-style conditions out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONDITION_TYPES = (
    "Ready",
    "DatabaseReady",
    "MediaReady",
    "WebhooksConfigured",
    "WebAppAvailable",
    "CoreAppAvailable",
    "ShardsInSync",
    "Progressing",
)


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str
    message: str


def condition(kind: str, check: Check, generation: int, previous: list[dict[str, Any]]) -> dict[str, Any]:
    """Keeps lastTransitionTime when the status did not change, as Kubernetes conventions ask."""
    status = "True" if check.ok else "False"
    old = next((c for c in previous if c.get("type") == kind), None)
    changed = old is None or old.get("status") != status
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "type": kind,
        "status": status,
        "reason": check.reason,
        "message": check.message,
        "observedGeneration": generation,
        "lastTransitionTime": now if changed or old is None else old.get("lastTransitionTime", now),
    }


def replicas_check(what: str, ready: int, desired: int) -> Check:
    if desired and ready >= desired:
        return Check(True, "AllReplicasReady", f"{ready}/{desired} {what} replicas ready")
    if ready:
        return Check(
            True, "MinimumReplicasReady", f"{ready}/{desired} {what} replicas ready; the rest are starting"
        )
    return Check(False, "NoReplicasReady", f"0/{desired} {what} replicas ready; see `kubectl describe pod`")


def conditions(
    checks: dict[str, Check], generation: int, previous: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """All conditions; Ready is the conjunction, Progressing its negation with the first blocker."""
    core = [checks[k] for k in ("DatabaseReady", "MediaReady", "WebAppAvailable", "CoreAppAvailable")]
    blockers = [(k, c) for k, c in checks.items() if not c.ok]
    ready = (
        Check(True, "Ready", "the client is serving")
        if all(c.ok for c in core)
        else Check(
            False,
            "NotReady",
            f"waiting for {blockers[0][0]}: {blockers[0][1].message}" if blockers else "starting",
        )
    )
    progressing = Check(not ready.ok, "Reconciling" if not ready.ok else "Stable", ready.message)
    full = dict(checks) | {"Ready": ready, "Progressing": progressing}
    return [condition(kind, full[kind], generation, previous) for kind in CONDITION_TYPES if kind in full]
