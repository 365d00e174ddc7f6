"""The CRD file: structure, validation rules and the examples (API-server checks come with the
cluster tier)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
CRD = ROOT / "crds" / "wabiz.io_whatsappclients.yaml"


def schema() -> dict[str, Any]:
    crd = yaml.safe_load(CRD.read_text())
    result: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return result


def walk(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = [(path, node)]
    for name, child in (node.get("properties") or {}).items():
        found += walk(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        found += walk(node["items"], f"{path}[]")
    return found


def test_every_spec_field_is_described() -> None:
    spec = schema()["properties"]["spec"]
    missing = [path for path, node in walk(spec, "spec") if "description" not in node]
    assert missing == []


def test_crd_identity_and_subresources() -> None:
    crd = yaml.safe_load(CRD.read_text())
    assert crd["metadata"]["name"] == "whatsappclients.wabiz.io"
    assert crd["spec"]["names"]["shortNames"] == ["wac"]
    version = crd["spec"]["versions"][0]
    assert version["subresources"]["scale"]["specReplicasPath"] == ".spec.coreapp.replicas"
    columns = [c["name"] for c in version["additionalPrinterColumns"]]
    assert columns == ["Ready", "Reconciled", "Version", "Shards", "CoreApps", "WebApp", "Database", "Age"]


def test_validation_rules_are_in_the_schema() -> None:
    spec = schema()["properties"]["spec"]
    database_rules = [r["rule"] for r in spec["properties"]["database"]["x-kubernetes-validations"]]
    assert any("has(self.cloudnativepg) ? 1 : 0) == 1" in rule for rule in database_rules), "one mode"
    immutable = next(rule for rule in database_rules if "oldSelf" in rule)
    assert all(
        f"has(self.{mode}) == has(oldSelf.{mode})" in immutable
        for mode in ("external", "managed", "cloudnativepg")
    )
    assert spec["properties"]["coreapp"]["properties"]["shards"]["enum"] == [1, 2, 4, 8, 16, 32]


def test_examples_use_only_known_fields() -> None:
    spec_schema = schema()["properties"]["spec"]

    def check(value: Any, node: dict[str, Any], path: str) -> None:
        if node.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in node:
            return
        if isinstance(value, dict) and "properties" in node:
            for key, child in value.items():
                assert key in node["properties"], f"{path}.{key} is not in the schema"
                check(child, node["properties"][key], f"{path}.{key}")
            for required in node.get("required", []):
                assert required in value, f"{path}.{required} is required"

    for example in sorted((ROOT / "crds" / "examples").glob("*.yaml")):
        document = yaml.safe_load(example.read_text())
        assert document["apiVersion"] == "wabiz.io/v1alpha1"
        check(document["spec"], spec_schema, "spec")
