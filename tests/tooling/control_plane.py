"""A real Kubernetes control plane on this machine, as controller-runtime's envtest does.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler run as local processes with
generated certificates; kwok simulates nodes and drives pods through their lifecycle. Binaries
come from `KUBEBUILDER_ASSETS` when it points at them, else they are built once from their Go
modules (`tests/tooling/{kube,etcd,kwok}/go.mod`) into a cache keyed by version.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.tooling.certs import make_pki
from tests.tooling.waiting import eventually
from wabiz.local.ports import pick

TOOLING = Path(__file__).parent
KUBE_VERSION, ETCD_VERSION, KWOK_VERSION = "v1.34.4", "v3.6.16", "v0.7.0"
CACHE = Path(os.environ.get("WABIZ_TOOLS_CACHE", Path.home() / ".cache" / "wabiz" / "tools"))
BUILDS = {
    "kube-apiserver": ("kube", "k8s.io/kubernetes/cmd/kube-apiserver", KUBE_VERSION),
    "kube-controller-manager": ("kube", "k8s.io/kubernetes/cmd/kube-controller-manager", KUBE_VERSION),
    "kube-scheduler": ("kube", "k8s.io/kubernetes/cmd/kube-scheduler", KUBE_VERSION),
    "etcd": ("etcd", "go.etcd.io/etcd/server/v3", ETCD_VERSION),
    "kwok": ("kwok", "sigs.k8s.io/kwok/cmd/kwok", KWOK_VERSION),
}


def version_flags(version: str) -> str:
    """Stamp the Kubernetes version a release build would carry; clients such as helm check it."""
    major, minor = version.lstrip("v").split(".")[:2]
    flags = []
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {package}.gitVersion={version}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
        ]
    return " ".join(flags)


def binary(name: str) -> Path:
    """The path of a control-plane binary, building it on first use (minutes; progress printed)."""
    assets = os.environ.get("KUBEBUILDER_ASSETS")
    if assets and (Path(assets) / name).exists():
        return Path(assets) / name
    module_dir, package, version = BUILDS[name]
    target = CACHE / f"{name}-{version}" / name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"control plane: building {name} {version} with Go (first run only) …", file=sys.stderr, flush=True)
    started = time.monotonic()
    env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    flags = ["-ldflags", version_flags(version) if module_dir == "kube" else ""]
    subprocess.run(
        ["go", "build", *flags, "-o", str(target), package], cwd=TOOLING / module_dir, env=env, check=True
    )
    print(f"control plane: built {name} in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)
    return target


@dataclass
class ControlPlane:
    workdir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    apiserver_port: int = 0

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "admin.kubeconfig"

    def _start(self, name: str, args: list[str]) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [str(binary(name)), *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def _write_kubeconfig(self) -> None:
        pki = self.workdir / "pki"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "test",
                    "cluster": {
                        "server": f"https://127.0.0.1:{self.apiserver_port}",
                        "certificate-authority": str(pki / "ca.crt"),
                    },
                }
            ],
            "users": [
                {
                    "name": "admin",
                    "user": {
                        "client-certificate": str(pki / "admin.crt"),
                        "client-key": str(pki / "admin.key"),
                    },
                }
            ],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
            "current-context": "test",
        }
        self.kubeconfig.write_text(yaml.safe_dump(config))

    def start(self, timeout: float = 60) -> None:
        pki = self.workdir / "pki"
        make_pki(pki)
        etcd_port, peer_port = pick(), pick()
        self._start(
            "etcd",
            [
                "--data-dir",
                str(self.workdir / "etcd"),
                "--name",
                "default",
                "--listen-client-urls",
                f"http://127.0.0.1:{etcd_port}",
                "--advertise-client-urls",
                f"http://127.0.0.1:{etcd_port}",
                "--listen-peer-urls",
                f"http://127.0.0.1:{peer_port}",
                "--initial-advertise-peer-urls",
                f"http://127.0.0.1:{peer_port}",
                "--initial-cluster",
                f"default=http://127.0.0.1:{peer_port}",
                "--unsafe-no-fsync",
            ],
        )
        self.apiserver_port = pick()
        self._start(
            "kube-apiserver",
            [
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={self.apiserver_port}",
                f"--tls-cert-file={pki / 'apiserver.crt'}",
                f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--client-ca-file={pki / 'ca.crt'}",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                "--service-account-issuer=https://kubernetes.default.svc",
                "--authorization-mode=RBAC",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--enable-admission-plugins=OwnerReferencesPermissionEnforcement",
                f"--cert-dir={self.workdir / 'apiserver-certs'}",
                "--allow-privileged=true",
            ],
        )
        self._write_kubeconfig()
        self.wait_ready(timeout)
        common = [f"--kubeconfig={self.kubeconfig}", "--leader-elect=false", "--bind-address=127.0.0.1"]
        self._start(
            "kube-controller-manager",
            [
                *common,
                f"--secure-port={pick()}",
                f"--service-account-private-key-file={pki / 'sa.key'}",
                f"--root-ca-file={pki / 'ca.crt'}",
                "--controllers=*,-nodeipam",
                "--use-service-account-credentials=false",
            ],
        )
        self._start("kube-scheduler", [*common, f"--secure-port={pick()}"])
        self._start(
            "kwok",
            [
                f"--kubeconfig={self.kubeconfig}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--node-ip=10.0.0.1",
                # Lease heartbeats (renewed well within the lease): without them kwok refreshes node
                # status only every 20–45 s, and on a busy machine the node controller, whose grace
                # period is 50 s, marks every node NotReady now and then — and every pod with it.
                "--node-lease-duration-seconds=40",
                "--cidr=10.244.0.1/16",
                f"--server-address=127.0.0.1:{pick()}",
            ],
        )

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        from tests.tooling.k8s_tools import ensure_tools

        return subprocess.run(
            [str(ensure_tools()["kubectl"]), f"--kubeconfig={self.kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=check,
        )

    def wait_ready(self, timeout: float) -> None:
        def ready() -> bool:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited early:\n{self.log_tail(name)}")
            return (
                self.kubeconfig.exists()
                and self.kubectl("get", "--raw", "/readyz", check=False).returncode == 0
            )

        try:
            eventually(ready, timeout=timeout, interval=0.3, what="kube-apiserver to be ready")
        except AssertionError as exc:
            raise RuntimeError(f"{exc}:\n{self.log_tail('kube-apiserver')}") from exc

    def add_nodes(self, nodes: list[dict[str, Any]]) -> None:
        documents = [
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": node["name"],
                    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                    "labels": {
                        "kubernetes.io/hostname": node["name"],
                        "type": "kwok",
                        **node.get("labels", {}),
                    },
                },
                "spec": {"taints": node.get("taints", [])},
            }
            for node in nodes
        ]
        self.kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(documents))

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"
        )

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    # `make tools`: build (or find) every binary before the tests, so no test waits on a compiler.
    from tests.tooling.k8s_tools import ensure_tools

    for tool, path in {**{name: binary(name) for name in BUILDS}, **ensure_tools()}.items():
        print(f"{tool}: {path}")
