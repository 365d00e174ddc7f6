"""PodDisruptionBudgets: a drain never takes the last WebApp or more CoreApps than the standbys."""

from __future__ import annotations

from wabiz_operator.resources.common import Obj, child_name, metadata, selector_labels
from wabiz_operator.resources.coreapp import coreapp_replicas


def _pdb(client: Obj, component: str, max_unavailable: int) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(client, component, child_name(client, component)),
        "spec": {
            "maxUnavailable": max_unavailable,
            "selector": {"matchLabels": selector_labels(client, component)},
        },
    }


def build_webapp_pdb(client: Obj) -> Obj:
    return _pdb(client, "webapp", 1)


def build_coreapp_pdb(client: Obj) -> Obj:
    shards = int(client["spec"].get("coreapp", {}).get("shards", 1))
    return _pdb(client, "coreapp", max(1, coreapp_replicas(client) - shards))
