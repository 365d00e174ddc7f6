"""Which wabiz version (image) a client should run: pure, from the spec, the status and the operator.

- `spec.image.tag` set: exactly that.
- `spec.updatePolicy: Manual` (the default): the version the client already runs, recorded in
  `status.version`; a new client starts on the operator's own version. Upgrading the operator
  therefore changes no client: each moves when its owner sets `image.tag` (or `Auto`).
- `spec.updatePolicy: Auto`: the operator's own version, so an operator upgrade moves every
  unpinned client (each through its own migration Job first).
A client created by an operator that recorded no version runs what its workloads run (`live`).
"""

from __future__ import annotations

from typing import Any

from wabiz_operator.spec import ClientSpec


def image_ref(repository: str, tag: str) -> str:
    return f"{repository}@{tag}" if tag.startswith("sha256:") else f"{repository}:{tag}"


def desired_image(spec: ClientSpec, status: dict[str, Any], live: str | None, operator_version: str) -> str:
    repository = spec.image.repository
    if spec.image.tag:
        return image_ref(repository, spec.image.tag)
    if spec.update_policy == "Auto":
        return image_ref(repository, operator_version)
    if status.get("version"):
        return image_ref(repository, str(status["version"]))
    return live or image_ref(repository, operator_version)
