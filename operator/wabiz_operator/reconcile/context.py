"""What a pass works with: the API client, the WebApp sessions, and the pass's own findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wabiz_operator.client import Client
from wabiz_operator.kube import Kube
from wabiz_operator.status import Check
from wabiz_operator.webapp_api import AdminSessions

Obj = dict[str, Any]


@dataclass
class Context:
    """Shared by every pass of every client for the life of the operator process."""

    kube: Kube
    sessions: AdminSessions
    operator_version: str
    cnpg_namespace: str = "cnpg-system"  # where the CloudNativePG operator runs (NetworkPolicies)


@dataclass
class Pass:
    """One reconcile of one client: what was observed, and what is still moving."""

    client: Client
    checks: dict[str, Check] = field(default_factory=dict)
    moving: list[str] = field(default_factory=list)
    status: Obj = field(default_factory=dict)

    def wait(self, what: str) -> None:
        """Something Kubernetes is still doing (pods starting, a Job running): poll again soon."""
        self.moving.append(what)
