"""What went wrong in a pass, and whether retrying soon can help.

Permanent errors need a person: RBAC refuses a verb (403), the API server refuses an object (422,
400), a referenced Secret or key is missing, a name is taken by an object the operator did not
create. They become a condition with a reason and are retried slowly (a fix elsewhere, such as a
new RoleBinding, is noticed within minutes). Everything else — the API server or a dependency
unreachable, a conflict, throttling — is transient and retried with growing delays.
"""

from __future__ import annotations

from wabiz_operator.kube import KubeError
from wabiz_operator.status import Check

PERMANENT_STATUSES = {400: "Invalid", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 422: "Invalid"}


class ReconcileError(Exception):
    """A pass that could not finish: `reason` becomes the condition's reason; `observed` holds the
    conditions the failure itself tells (a missing CloudNativePG: `DatabaseReady` is False)."""

    def __init__(
        self, reason: str, message: str, *, permanent: bool, observed: dict[str, Check] | None = None
    ) -> None:
        super().__init__(message)
        self.reason, self.message, self.permanent = reason, message, permanent
        self.observed = observed or {}


def missing_reference(message: str) -> ReconcileError:
    return ReconcileError("InvalidReference", message, permanent=True)


def classify(exc: KubeError, doing: str) -> ReconcileError:
    """`doing` says what the operator was doing, e.g. "apply Ingress acme-webapp"."""
    reason = PERMANENT_STATUSES.get(exc.status)
    if reason is not None:
        return ReconcileError(reason, f"{doing}: {exc.message}", permanent=True)
    if exc.status == 0:
        return ReconcileError("APIUnreachable", f"{doing}: {exc.message}", permanent=False)
    return ReconcileError(exc.reason or f"HTTP{exc.status}", f"{doing}: {exc.message}", permanent=False)
