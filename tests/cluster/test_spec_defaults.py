"""The typed spec's defaults against the CRD's, as the real API server applies them.

Objects go through the API server with a dry-run create, so its structural defaulting fills the
CRD's defaults; the model must produce exactly the same values from the same input, with every
optional object present and absent. A default changed in one place and not the other fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.tooling.control_plane import ControlPlane
from wabiz_operator.spec import parse_spec

BASE: dict[str, Any] = {
    "media": {"s3": {"bucket": "media", "credentialsSecretRef": {"name": "m"}}},
}
OPTIONAL_OBJECTS: dict[str, Any] = {
    "webapp": {"ingress": {}, "service": {}},
    "coreapp": {},
    "image": {},
    "webhooks": {"url": "https://hooks.example/x", "statuses": {}, "secretRef": {"name": "hook"}},
    "placement": {},
}
CASES = {
    "managed, minimal": {**BASE, "database": {"managed": {}}},
    "managed, every object": {**BASE, "database": {"managed": {"placement": {}}}, **OPTIONAL_OBJECTS},
    "cloudnativepg, minimal": {**BASE, "database": {"cloudnativepg": {}}},
    "cloudnativepg, every object": {
        **BASE,
        "database": {"cloudnativepg": {"placement": {}, "backup": {}, "restore": {"serverName": "old-1a2b"}}},
        **OPTIONAL_OBJECTS,
    },
    "external, minimal": {
        **BASE,
        "database": {"external": {"host": "db", "credentialsSecretRef": {"name": "db"}}},
        "upstream": {
            "cloud": {"phoneNumberId": "1", "tokenSecretRef": {"name": "t"}, "appSecretRef": {"name": "a"}}
        },
    },
    "external, every object": {
        **BASE,
        "database": {"external": {"host": "db", "credentialsSecretRef": {"name": "db"}}},
        "upstream": {"sandbox": {}},
        **OPTIONAL_OBJECTS,
    },
}


def defaulted_by_the_api_server(cluster: ControlPlane, spec: dict[str, Any]) -> dict[str, Any]:
    obj = {
        "apiVersion": "wabiz.io/v1alpha1",
        "kind": "WhatsAppClient",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": spec,
    }
    result = cluster.kubectl("create", "--dry-run=server", "-o", "json", "-f", "-", stdin=yaml.safe_dump(obj))
    defaulted: dict[str, Any] = json.loads(result.stdout)["spec"]
    return defaulted


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    return value


def differences(server: Any, model: Any, path: str = "spec") -> list[str]:
    """Where the model disagrees with the API server. The model may add whole objects the CRD
    leaves absent (their inner defaults are compared where the input gives them), never a value."""
    if not isinstance(server, dict) or not isinstance(model, dict):
        return [] if server == model else [f"{path}: API server {server!r}, model {model!r}"]
    found = [f"{path}.{key}: only the API server has {server[key]!r}" for key in server if key not in model]
    found += [
        f"{path}.{key}: only the model has {model[key]!r}"
        for key in model
        if key not in server and not isinstance(model[key], dict)
    ]
    for key in server.keys() & model.keys():
        found += differences(server[key], model[key], f"{path}.{key}")
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_the_model_defaults_as_the_crd_does(cluster: ControlPlane, case: str) -> None:
    spec = CASES[case]
    from_server = defaulted_by_the_api_server(cluster, spec)
    from_model = without_nulls(parse_spec(spec).model_dump(by_alias=True))
    assert differences(from_server, from_model) == []
    if case.endswith("every object"):
        assert from_model == from_server, "with every object given, nothing is left to add"
