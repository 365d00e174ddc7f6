"""The operator keeps its own CRD current: at start, before reconciling anything, the leader
applies the CRD its chart ships (mounted from a ConfigMap the chart renders from `crds/`).

Helm installs `crds/` once and never upgrades it, and a CRD templated by the chart would conflict
with one a previous chart installed from `crds/` (Helm refuses to adopt it) or be deleted by
`helm uninstall`. Applying it here means a `helm upgrade` updates the schema exactly when the new
operator that understands it starts. A rollback never downgrades it: the CRD carries the version
that wrote it (`wabiz.io/version`), and an older operator leaves a newer CRD alone — fields are
only ever added within a served version, so an older operator ignores what it does not know.
"""

from __future__ import annotations

import logging
from typing import Any

from wabiz_operator.kube import Kube

VERSION_ANNOTATION = "wabiz.io/version"
log = logging.getLogger(__name__)


def version_key(version: str) -> tuple[int, ...]:
    """`0.10.1` > `0.9.3`; anything after the numbers (`-rc1`) is ignored."""
    numbers = []
    for part in version.split("-", 1)[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


def crd_version(crd: dict[str, Any] | None) -> str | None:
    annotations = ((crd or {}).get("metadata") or {}).get("annotations") or {}
    value = annotations.get(VERSION_ANNOTATION)
    return str(value) if value else None


def should_apply(shipped: dict[str, Any], live: dict[str, Any] | None) -> bool:
    live_version, shipped_version = crd_version(live), crd_version(shipped)
    if live is None or live_version is None or shipped_version is None:
        return True
    return version_key(shipped_version) >= version_key(live_version)


async def install(kube: Kube, shipped: dict[str, Any]) -> str:
    """Applies the shipped CRD unless a newer one is installed; says what it did."""
    name = shipped["metadata"]["name"]
    live = await kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, name)
    if not should_apply(shipped, live):
        message = (
            f"CRD {name} {crd_version(live)} is newer than the shipped {crd_version(shipped)}; left as it is"
        )
    else:
        await kube.apply(shipped)
        message = f"CRD {name} {crd_version(shipped)} applied"
    log.info(message)
    return message
