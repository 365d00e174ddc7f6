"""NetworkPolicies: who may open a connection to which of the client's pods (ingress only).

- WebApp: anyone, on its HTTP port: it is the public surface (REST API, the network's webhooks).
- CoreApps: only this client's WebApp and CoreApps (internal API, relayed webhooks).
- Managed database: only this client's WebApp, CoreApps and migration Job.
- CloudNativePG instances: PostgreSQL from those three; every port from the Cluster's own pods (the
  instances replicate from each other, CloudNativePG's Jobs clone the primary); the instance
  manager (8000) and PostgreSQL from the CloudNativePG operator's pods in its namespace, which
  CloudNativePG requires (docs/src/security.md, "Network Policies", of its source).
- Sandbox: only pods of the client's namespace (its control API fakes customers).
Egress stays open: callbacks go to the business's webhook, wherever it is. The kubelet's probes come
from the node, which NetworkPolicies always allow. Policies are additive, so a platform team adds
its own (Prometheus scraping the CoreApps, say) without turning these off.
"""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.resources.cnpg import CLUSTER_LABEL, cluster_name
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
INSTANCE_MANAGER_PORT = 8000
CNPG_OPERATOR_LABELS = {"app.kubernetes.io/name": "cloudnative-pg"}  # its release manifest's


def _tcp(*ports: int) -> list[Obj]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _network_policy(client: Client, component: str, pods: Obj, rules: list[Obj]) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(client, component),
        "spec": {"podSelector": pods, "policyTypes": ["Ingress"], "ingress": rules},
    }


def _policy(client: Client, component: str, port: int, peers: list[Peer] | None) -> Obj:
    """`peers` None: from anywhere; otherwise only from those."""
    rule: Obj = {"ports": _tcp(port)}
    if peers is not None:
        rule["from"] = peers
    return _network_policy(client, component, {"matchLabels": selector_labels(client, component)}, [rule])


def _components(client: Client, *components: str) -> Peer:
    return {
        "podSelector": {
            "matchLabels": {INSTANCE: client.name},
            "matchExpressions": [{"key": COMPONENT, "operator": "In", "values": list(components)}],
        }
    }


def _cloudnativepg_policy(client: Client, cnpg_namespace: str) -> Obj:
    instances = {"podSelector": {"matchLabels": {CLUSTER_LABEL: cluster_name(client)}}}
    cnpg_operator = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": cnpg_namespace}},
        "podSelector": {"matchLabels": CNPG_OPERATOR_LABELS},
    }
    rules = [
        {"ports": _tcp(POSTGRES_PORT), "from": [_components(client, "webapp", "coreapp", "migrate")]},
        {"from": [instances]},
        {"ports": _tcp(INSTANCE_MANAGER_PORT, POSTGRES_PORT), "from": [cnpg_operator]},
    ]
    return _network_policy(client, "database", instances["podSelector"], rules)


def build_network_policies(client: Client, cnpg_namespace: str) -> list[Obj]:
    """`cnpg_namespace`: where the CloudNativePG operator runs (the operator's setting)."""
    if not client.spec.network_policy.enabled:
        return []
    policies = [
        _policy(client, "webapp", WEBAPP_PORT, None),
        _policy(client, "coreapp", COREAPP_PORT, [_components(client, "webapp", "coreapp")]),
    ]
    if client.spec.database.managed is not None:
        peers = [_components(client, "webapp", "coreapp", "migrate")]
        policies.append(_policy(client, "database", POSTGRES_PORT, peers))
    if client.spec.database.cloudnativepg is not None:
        policies.append(_cloudnativepg_policy(client, cnpg_namespace))
    if client.spec.upstream.sandbox is not None:
        policies.append(_policy(client, "sandbox", SANDBOX_PORT, [{"podSelector": {}}]))
    return policies
