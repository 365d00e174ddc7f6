"""PodDisruptionBudgets: a drain never takes the last WebApp or more CoreApps than the standbys."""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.common import Obj, metadata, selector_labels


def _pdb(client: Client, component: str, max_unavailable: int) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(client, component),
        "spec": {
            "maxUnavailable": max_unavailable,
            "selector": {"matchLabels": selector_labels(client, component)},
        },
    }


def build_webapp_pdb(client: Client) -> Obj:
    return _pdb(client, "webapp", 1)


def build_coreapp_pdb(client: Client) -> Obj:
    coreapp = client.spec.coreapp
    return _pdb(client, "coreapp", max(1, coreapp.desired_replicas - coreapp.shards))
