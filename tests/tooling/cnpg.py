"""CloudNativePG's and its Barman Cloud plugin's CRDs for the cluster tier, read from their Go
modules at test time (never copied into the repository).

`go mod download` fetches an exact version from the Go module proxy into Go's module cache (once);
the CRD files are the modules' own `config/crd/bases/*.yaml`, as their release manifests ship them.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tests.tooling.scenarios import KubectlFn

CLOUDNATIVEPG = ("github.com/cloudnative-pg/cloudnative-pg", "v1.28.0")
BARMAN_CLOUD = ("github.com/cloudnative-pg/plugin-barman-cloud", "v0.7.0")


@functools.cache
def module_dir(module: str, version: str) -> Path:
    """The module's source in Go's module cache, downloaded on first use."""
    # The checksum database does not know the plugin's module; Go then verifies nothing else.
    env = {**os.environ, "GONOSUMDB": BARMAN_CLOUD[0], "GOFLAGS": "-mod=mod"}
    with tempfile.TemporaryDirectory() as outside_any_module:
        result = subprocess.run(
            ["go", "mod", "download", "-json", f"{module}@{version}"],
            cwd=outside_any_module,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"go mod download {module}@{version} failed:\n{result.stdout}\n{result.stderr}")
    return Path(json.loads(result.stdout)["Dir"])


def crd_files() -> list[Path]:
    """Every CRD of CloudNativePG (postgresql.cnpg.io) and of the plugin (barmancloud.cnpg.io)."""
    return [
        path
        for module in (CLOUDNATIVEPG, BARMAN_CLOUD)
        for path in sorted((module_dir(*module) / "config" / "crd" / "bases").glob("*.yaml"))
    ]


def crd_names() -> list[str]:
    return [str(yaml.safe_load(path.read_text())["metadata"]["name"]) for path in crd_files()]


def install_crds(kubectl: KubectlFn) -> None:
    """Server-side: the CRDs are too large for a client-side apply's last-applied annotation."""
    for path in crd_files():
        kubectl("apply", "--server-side", "-f", str(path))
    kubectl("wait", "--for=condition=Established", *(f"crd/{n}" for n in crd_names()), "--timeout=60s")


def remove_crds(kubectl: KubectlFn) -> None:
    """As on a cluster where CloudNativePG was never installed (their objects go with them)."""
    kubectl("delete", "crd", *crd_names(), "--ignore-not-found", "--wait=true", "--timeout=120s")


if __name__ == "__main__":
    # `make tools`: fetch the modules before the tests, so no test waits on a download.
    for path in crd_files():
        print(f"crd: {path}", file=sys.stdout)
