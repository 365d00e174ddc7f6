"""NetworkPolicies: who may open a connection to which of the client's pods (ingress only).

- WebApp: anyone, on its HTTP port: it is the public surface (REST API, the network's webhooks).
- CoreApps: only this client's WebApp and CoreApps (internal API, relayed webhooks).
- Managed database: only this client's WebApp, CoreApps and migration Job.
- Sandbox: only pods of the client's namespace (its control API fakes customers).
Egress stays open: callbacks go to the business's webhook, wherever it is. The kubelet's probes come
from the node, which NetworkPolicies always allow. Policies are additive, so a platform team adds
its own (Prometheus scraping the CoreApps, say) without turning these off.
"""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.common import (
    COMPONENT,
    COREAPP_PORT,
    INSTANCE,
    POSTGRES_PORT,
    SANDBOX_PORT,
    WEBAPP_PORT,
    Obj,
    metadata,
    selector_labels,
)

Peer = Obj


def _policy(client: Client, component: str, port: int, peers: list[Peer] | None) -> Obj:
    """`peers` None: from anywhere; otherwise only from those."""
    rule: Obj = {"ports": [{"protocol": "TCP", "port": port}]}
    if peers is not None:
        rule["from"] = peers
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(client, component),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(client, component)},
            "policyTypes": ["Ingress"],
            "ingress": [rule],
        },
    }


def _components(client: Client, *components: str) -> Peer:
    return {
        "podSelector": {
            "matchLabels": {INSTANCE: client.name},
            "matchExpressions": [{"key": COMPONENT, "operator": "In", "values": list(components)}],
        }
    }


def build_network_policies(client: Client) -> list[Obj]:
    if not client.spec.network_policy.enabled:
        return []
    policies = [
        _policy(client, "webapp", WEBAPP_PORT, None),
        _policy(client, "coreapp", COREAPP_PORT, [_components(client, "webapp", "coreapp")]),
    ]
    if client.spec.database.managed is not None:
        peers = [_components(client, "webapp", "coreapp", "migrate")]
        policies.append(_policy(client, "database", POSTGRES_PORT, peers))
    if client.spec.upstream.sandbox is not None:
        policies.append(_policy(client, "sandbox", SANDBOX_PORT, [{"podSelector": {}}]))
    return policies
