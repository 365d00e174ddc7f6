"""docs/operator.md ("The pods' environment") names every variable the operator sets, and no other."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.unit.test_operator_builders import all_children, load
from wabiz_operator.client import Client

SECTION = "## The pods' environment"
DOCS = Path(__file__).parents[2] / "docs" / "operator.md"
VARIABLE = re.compile(r"`((?:WABIZ_|POSTGRES_|PG)[A-Z][A-Z_]*)`")


def documented() -> set[str]:
    text = DOCS.read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    return set(VARIABLE.findall(section))


def clients() -> list[Client]:
    """Every mode and option that adds a variable: the three databases, both upstreams, the
    S3 endpoint, private webhook networks."""
    return [
        load("managed.yaml", webhooks={"allowPrivateNetworks": ["10.96.0.0/12"]}),
        load("external.yaml"),
        load("cloudnativepg.yaml"),
        load("external-cloudnativepg.yaml"),
    ]


def containers(child: dict[str, Any]) -> list[dict[str, Any]]:
    pod = child["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def set_by_the_operator() -> set[str]:
    names: set[str] = set()
    for client in clients():
        for child in all_children(client):
            if child["kind"] == "ConfigMap":
                names |= set(child["data"])
            elif child["kind"] in ("Deployment", "StatefulSet", "Job"):
                names |= {env["name"] for c in containers(child) for env in c.get("env", [])}
    return {name for name in names if VARIABLE.fullmatch(f"`{name}`")}


def test_every_variable_the_operator_sets_is_documented() -> None:
    missing = set_by_the_operator() - documented()
    assert not missing, f"set by the operator, missing in {DOCS.name} ({SECTION}): {sorted(missing)}"


def test_the_documentation_names_no_variable_the_operator_does_not_set() -> None:
    stale = documented() - set_by_the_operator()
    assert not stale, f"documented in {DOCS.name} but set nowhere: {sorted(stale)}"
