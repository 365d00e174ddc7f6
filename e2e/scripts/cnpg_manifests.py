"""CloudNativePG's manifests as its Go modules ship them, pointed at chosen images (install-cnpg.sh).

`operator RELEASE_YAML IMAGE`: the operator's release manifest (`releases/cnpg-X.Y.Z.yaml`) with
IMAGE as the operator and as the instance manager it copies into every PostgreSQL pod.
`plugin MANIFEST_YAML IMAGE SIDECAR_IMAGE`: the Barman Cloud plugin's `manifest.yaml` with its
images, without its cert-manager objects: install-cnpg.sh makes the two TLS Secrets they would make.
Images are pulled only when absent, so images loaded into the nodes are used as they are.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import yaml

Manifest = list[dict[str, Any]]


def _containers(manifest: Manifest, deployment: str) -> list[dict[str, Any]]:
    for document in manifest:
        if document["kind"] == "Deployment" and document["metadata"]["name"] == deployment:
            containers: list[dict[str, Any]] = document["spec"]["template"]["spec"]["containers"]
            return containers
    raise SystemExit(f"no Deployment {deployment} in the manifest")


def _use_image(container: dict[str, Any], image: str) -> None:
    container["image"] = image
    container["imagePullPolicy"] = "IfNotPresent"


def operator(manifest: Manifest, image: str) -> Manifest:
    (manager,) = _containers(manifest, "cnpg-controller-manager")
    _use_image(manager, image)
    for variable in manager["env"]:
        if variable["name"] == "OPERATOR_IMAGE_NAME":
            variable["value"] = image
    return manifest


def plugin(manifest: Manifest, image: str, sidecar_image: str) -> Manifest:
    kept = [d for d in manifest if not d["apiVersion"].startswith("cert-manager.io/")]
    (manager,) = _containers(kept, "barman-cloud")
    _use_image(manager, image)
    # The sidecar's image reaches the plugin through a generated Secret that the Deployment names.
    reference = next(v for v in manager["env"] if v["name"] == "SIDECAR_IMAGE")["valueFrom"]["secretKeyRef"]
    for document in kept:
        if document["kind"] == "Secret" and document["metadata"]["name"] == reference["name"]:
            document["data"] = {reference["key"]: base64.b64encode(sidecar_image.encode()).decode()}
    return kept


def main(arguments: list[str]) -> None:
    what, path, *images = arguments
    manifest = [d for d in yaml.safe_load_all(Path(path).read_text()) if d]
    result = operator(manifest, *images) if what == "operator" else plugin(manifest, *images)
    sys.stdout.write(yaml.safe_dump_all(result, sort_keys=False))


if __name__ == "__main__":
    main(sys.argv[1:])
