"""Running `wabiz operator` against the cluster tier's API server, as the chart would run it.

The operator is a local process (kwok's pods run nothing), authenticated as a token of the chart's
own ServiceAccount with exactly the chart's RBAC. `previous_release` checks the last release out of
git history (never a copy in the repository), so upgrades are tested from what users really run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.tooling.control_plane import ControlPlane
from tests.tooling.k8s_tools import ensure_tools
from tests.tooling.waiting import eventually
from wabiz.local.ports import pick
from wabiz.local.postgres import EmbeddedPostgres
from wabiz.local.s3 import ACCESS_KEY, SECRET_KEY, LocalS3

ROOT = Path(__file__).parents[2]
CHART = ROOT / "charts" / "wabiz-operator"
CRD = ROOT / "crds" / "wabiz.io_whatsappclients.yaml"
OPERATOR_NAMESPACE = "wabiz-system"
RELEASE = "wabiz"
SERVICE_ACCOUNT = "wabiz-wabiz-operator"
# The commit of wabiz 0.1.0, the release before the operator's day-2 work: the chart and operator
# an upgrade starts from.
PREVIOUS_RELEASE = "a891cab22c0e017d53bb73ad2de4e781031ac25b"
FAST = {
    "WABIZ_OPERATOR_DRIFT_SECONDS": "3",
    "WABIZ_OPERATOR_RETRY_SECONDS": "1",
    "WABIZ_OPERATOR_PROGRESS_SECONDS": "1",
    "WABIZ_OPERATOR_PERMANENT_RETRY_SECONDS": "1",
}


def helm(cluster: ControlPlane, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(ensure_tools()["helm"]), f"--kubeconfig={cluster.kubeconfig}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def previous_release(workdir: Path) -> Path:
    """The tree of the previous release (operator, services, chart, CRD), from git history."""
    target = workdir / "previous"
    if target.exists():
        return target
    archive = workdir / "previous.tar"
    paths = ["operator", "services", "charts", "crds"]
    result = subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), PREVIOUS_RELEASE, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"cannot read release {PREVIOUS_RELEASE[:8]} from git history (a shallow clone?): {result.stderr}"
        )
    target.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def install_rbac(cluster: ControlPlane, chart: Path = CHART) -> None:
    """The chart's ServiceAccount and RBAC alone (the operator itself runs as a local process)."""
    templates = [
        p.name for p in (chart / "templates").glob("*.yaml") if p.name in ("rbac.yaml", "serviceaccount.yaml")
    ]
    shown = [arg for name in templates for arg in ("--show-only", f"templates/{name}")]
    rendered = helm(cluster, "template", RELEASE, str(chart), "-n", OPERATOR_NAMESPACE, *shown).stdout
    cluster.kubectl("create", "namespace", OPERATOR_NAMESPACE, check=False)
    cluster.kubectl("apply", "-f", "-", stdin=rendered)


@dataclass(frozen=True)
class Account:
    """The ServiceAccount an operator runs as: the chart's, in the namespace it was installed to."""

    name: str = SERVICE_ACCOUNT
    namespace: str = OPERATOR_NAMESPACE


CHART_ACCOUNT = Account()


def token_kubeconfig(cluster: ControlPlane, path: Path, account: Account = CHART_ACCOUNT) -> Path:
    token = cluster.kubectl(
        "create", "token", account.name, "-n", account.namespace, "--duration=3h"
    ).stdout.strip()
    admin = yaml.safe_load(cluster.kubeconfig.read_text())
    admin["users"] = [{"name": "operator", "user": {"token": token}}]
    admin["contexts"] = [{"name": "test", "context": {"cluster": "test", "user": "operator"}}]
    path.write_text(yaml.safe_dump(admin))
    return path


@dataclass
class Operator:
    process: subprocess.Popen[bytes]
    log: Path
    metrics_url: str

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def metric(self, family: str, **labels: str) -> float:
        """One sample of the operator's Prometheus metrics (0 when absent)."""
        with urllib.request.urlopen(self.metrics_url, timeout=5) as answer:  # noqa: S310 (local test URL)
            body = answer.read().decode()
        total = 0.0
        for line in body.splitlines():
            match = re.match(rf"^{family}(?:{{(.*)}})? (\S+)$", line)
            if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
                total += float(match.group(2))
        return total

    def wait_serving(self, timeout: float = 60) -> None:
        """Until `/healthz` answers: the process is up (and, on the previous release, kopf too)."""
        health = self.metrics_url.replace("/metrics", "/healthz")

        def serving() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the operator exited ({self.process.returncode})")
            try:
                with urllib.request.urlopen(health, timeout=2):  # noqa: S310 (local test URL)
                    return True
            except OSError:
                return False

        try:
            eventually(serving, timeout=timeout, interval=0.3, what=f"the operator to serve {health}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}:\n{self.text()[-3000:]}") from exc

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def start_operator(
    cluster: ControlPlane,
    workdir: Path,
    *,
    source: Path | None = None,
    env: dict[str, str] | None = None,
    account: Account = CHART_ACCOUNT,
) -> Operator:
    """`wabiz operator` as the chart's ServiceAccount; `source` runs an older release's code."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = pick()
    settings = {
        **os.environ,
        "KUBECONFIG": str(token_kubeconfig(cluster, workdir / "operator.kubeconfig", account)),
        "WABIZ_OPERATOR_METRICS": f"127.0.0.1:{port}",
        "WABIZ_OPERATOR_LIVENESS": f"http://127.0.0.1:{port}/healthz",  # the previous release's knob
        **FAST,
        **(env or {}),
    }
    if source is not None:
        settings["PYTHONPATH"] = f"{source / 'services'}{os.pathsep}{source / 'operator'}"
    log = workdir / f"operator-{int(time.time() * 1000)}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from wabiz.cli import main; main()", "operator"],
            env=settings,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    operator = Operator(process, log, f"http://127.0.0.1:{port}/metrics")
    operator.wait_serving()
    return operator


def get(cluster: ControlPlane, namespace: str, *what: str) -> Any:
    result = cluster.kubectl("get", *what, "-n", namespace, "-o", "json", check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def conditions(cluster: ControlPlane, namespace: str, name: str) -> dict[str, dict[str, Any]]:
    obj = get(cluster, namespace, "wac", name) or {}
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions", [])}


def condition(cluster: ControlPlane, namespace: str, name: str, kind: str) -> str | None:
    found = conditions(cluster, namespace, name).get(kind)
    return str(found["status"]) if found else None


def pod_uids(cluster: ControlPlane, namespace: str, component: str, client: str | None = None) -> set[str]:
    selector = f"app.kubernetes.io/component={component}" + (
        f",app.kubernetes.io/instance={client}" if client else ""
    )
    pods = get(cluster, namespace, "pods", "-l", selector) or {"items": []}
    return {p["metadata"]["uid"] for p in pods["items"] if not p["metadata"].get("deletionTimestamp")}


def shared_secret(
    cluster: ControlPlane, namespace: str, name: str, data: dict[str, str], shared: bool = True
) -> None:
    """A Secret for a client to use: shared with every client of the namespace (`wabiz.io/clients`)."""
    annotations = {"wabiz.io/clients": "*"} if shared else {}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "annotations": annotations},
        "stringData": data,
    }
    cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(secret))


def s3_secret(
    cluster: ControlPlane, namespace: str, name: str = "media-credentials", shared: bool = True
) -> None:
    shared_secret(
        cluster, namespace, name, {"accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY}, shared
    )


def create_managed_client(
    cluster: ControlPlane, namespace: str, s3: LocalS3, name: str = "acme", **spec: Any
) -> dict[str, Any]:
    """The managed example with the test's S3 endpoint; `spec` replaces top-level spec fields."""
    # No storage provisioner runs here: a pre-made volume for the database's claim to bind to.
    volume = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": f"{namespace}-{name}-db"},
        "spec": {
            "capacity": {"storage": "20Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": f"/tmp/{namespace}-{name}-db"},
            "persistentVolumeReclaimPolicy": "Delete",
        },
    }
    cluster.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(volume))
    if get(cluster, namespace, "secret", "media-credentials") is None:
        s3_secret(cluster, namespace)
    client: dict[str, Any] = yaml.safe_load((ROOT / "crds" / "examples" / "managed.yaml").read_text())
    client["metadata"]["name"] = name
    client["spec"]["media"]["s3"]["endpoint"] = s3.endpoint
    client["spec"]["webhooks"].pop("secretRef")
    client["spec"] |= spec
    cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(client))
    return client


def patch_spec(cluster: ControlPlane, namespace: str, name: str, spec: dict[str, Any]) -> None:
    cluster.kubectl("patch", "wac", name, "-n", namespace, "--type=merge", "-p", json.dumps({"spec": spec}))


def settled(cluster: ControlPlane, namespace: str, name: str) -> bool:
    """Ready, reconciled, nothing in flight, and the status describes the current spec."""
    obj = get(cluster, namespace, "wac", name) or {}
    status = obj.get("status") or {}
    found = {c["type"]: c["status"] for c in status.get("conditions", [])}
    current = status.get("observedGeneration") == obj.get("metadata", {}).get("generation")
    return (
        current
        and found.get("Ready") == "True"
        and found.get("Reconciled") == "True"
        and (found.get("Progressing") == "False")
    )


def create_external_client(
    cluster: ControlPlane,
    namespace: str,
    s3: LocalS3,
    postgres: EmbeddedPostgres,
    *,
    database: str,
    media_secret: str,
    shared: bool = True,
    **media: Any,
) -> None:
    """Client `ext` on the embedded PostgreSQL (database `database`, Secret `db`); `media` adds
    fields to `spec.media` (e.g. `deletionPolicy`)."""
    password = postgres.password_file.read_text().strip()
    shared_secret(cluster, namespace, "db", {"username": "wabiz", "password": password}, shared)
    external = {
        "host": "127.0.0.1",
        "port": postgres.port,
        "name": database,
        "sslMode": "disable",
        "credentialsSecretRef": {"name": "db"},
    }
    s3_spec = {
        "endpoint": s3.endpoint,
        "bucket": database.replace("_", "-"),
        "credentialsSecretRef": {"name": media_secret},
    }
    client = {
        "apiVersion": "wabiz.io/v1alpha1",
        "kind": "WhatsAppClient",
        "metadata": {"name": "ext"},
        "spec": {"database": {"external": external}, "media": {"s3": s3_spec, **media}},
    }
    cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(client))
