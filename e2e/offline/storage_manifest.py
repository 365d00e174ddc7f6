"""Print kind's default storage manifest (from its Go source) with the locally built images."""

from __future__ import annotations

import sys
from pathlib import Path

IMAGES = {
    "storageProvisionerImage": "local/local-path-provisioner:dev",
    "storageHelperImage": "local/local-path-helper:dev",
}


def manifest(source: str) -> str:
    start = "const defaultStorageManifest = `"
    body = source[source.index(start) + len(start) :]
    for constant, image in IMAGES.items():
        body = body.replace(f"` + {constant} + `", image)
    return body[: body.index("`")]


if __name__ == "__main__":
    print(manifest(Path(sys.argv[1]).read_text()))
