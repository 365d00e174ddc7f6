"""Where the app pods (WebApp, CoreApps, sandbox) run: the user's placement, spread over nodes, and
never on a node running this client's database (managed or CloudNativePG), which mirrors the
database side's own rule."""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.cnpg import CLUSTER_LABEL, cluster_name
from wabiz_operator.resources.common import Obj, away_from, selector_labels


def _away_from_database(client: Client) -> Obj | None:
    database = client.spec.database
    if database.managed is not None:
        return away_from(client, ["database"])
    if database.cloudnativepg is not None:
        return {
            "topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchLabels": {CLUSTER_LABEL: cluster_name(client)}},
        }
    return None


def app_placement(client: Client, component: str) -> Obj:
    placement = client.spec.placement
    pod: Obj = {}
    if placement.node_selector:
        pod["nodeSelector"] = placement.node_selector
    if placement.tolerations:
        pod["tolerations"] = placement.tolerations
    if placement.spread_across_nodes:
        pod["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector_labels(client, component)},
            }
        ]
    term = _away_from_database(client)
    if term is not None:
        pod["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    return pod
