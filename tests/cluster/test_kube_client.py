"""The operator's credentials: token files read again when the API server refuses the old token
(bound service-account tokens expire), and kubeconfigs with inline client certificates — for the
operator's own client and for kopf, in a whole operator run."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import yaml
from lightkube import KubeConfig

from tests.cluster.operators import conditions, create_managed_client, install_rbac, start_operator
from tests.tooling.certs import client_certificate
from tests.tooling.control_plane import ControlPlane
from tests.tooling.waiting import eventually
from wabiz.local.s3 import LocalS3
from wabiz_operator.kube import Kube


def kubeconfig(cluster: ControlPlane, path: Path, user: dict[str, Any]) -> Path:
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    ca = Path(config["clusters"][0]["cluster"].pop("certificate-authority")).read_bytes()
    config["clusters"][0]["cluster"]["certificate-authority-data"] = base64.b64encode(ca).decode()
    config["users"] = [{"name": "u", "user": user}]
    config["contexts"] = [{"name": "test", "context": {"cluster": "test", "user": "u"}}]
    path.write_text(yaml.safe_dump(config))
    return path


async def read_root_ca(path: Path) -> bool:
    kube = Kube.from_environment(KubeConfig.from_file(path))
    try:
        return await kube.get("v1", "ConfigMap", "default", "kube-root-ca.crt") is not None
    finally:
        await kube.close()


def test_a_token_file_is_read_again_when_its_token_is_refused(cluster: ControlPlane, tmp_path: Path) -> None:
    def new_account() -> str:
        cluster.kubectl("create", "serviceaccount", "rotating", "-n", "default")
        return cluster.kubectl("create", "token", "rotating", "-n", "default").stdout.strip()

    cluster.kubectl(
        "create",
        "clusterrolebinding",
        "rotating-view",
        "--clusterrole=view",
        "--serviceaccount=default:rotating",
    )
    token_file = tmp_path / "token"
    token_file.write_text(new_account())
    config = KubeConfig.from_file(
        kubeconfig(cluster, tmp_path / "kubeconfig", {"tokenFile": str(token_file)})
    )

    async def scenario() -> tuple[bool, bool]:
        kube = Kube.from_environment(config)
        try:
            first = await kube.get("v1", "ConfigMap", "default", "kube-root-ca.crt") is not None
            # The account is replaced: its old tokens are refused from now on (as an expired one is).
            cluster.kubectl("delete", "serviceaccount", "rotating", "-n", "default")
            token_file.write_text(new_account())
            second = await kube.get("v1", "ConfigMap", "default", "kube-root-ca.crt") is not None
            return first, second
        finally:
            await kube.close()

    assert asyncio.run(scenario()) == (True, True)


def test_inline_client_certificates(cluster: ControlPlane, tmp_path: Path) -> None:
    pki = cluster.workdir / "pki"
    user = {
        "client-certificate-data": base64.b64encode((pki / "admin.crt").read_bytes()).decode(),
        "client-key-data": base64.b64encode((pki / "admin.key").read_bytes()).decode(),
    }
    assert asyncio.run(read_root_ca(kubeconfig(cluster, tmp_path / "kubeconfig", user)))


def test_the_operator_runs_on_a_client_certificate(
    cluster: ControlPlane, namespace: str, s3: LocalS3, tmp_path: Path
) -> None:
    """A whole operator (kopf's watch and the operator's own client) authenticated by an inline
    client certificate of a user bound to exactly the chart's roles."""
    install_rbac(cluster)
    cert, key = client_certificate(cluster.workdir / "pki", "wabiz-cert-operator")
    for role in ("wabiz-wabiz-operator", "wabiz-wabiz-operator-crd"):
        cluster.kubectl(
            "create",
            "clusterrolebinding",
            f"{role}-cert",
            f"--clusterrole={role}",
            "--user=wabiz-cert-operator",
            check=False,
        )
    user = {
        "client-certificate-data": base64.b64encode(cert).decode(),
        "client-key-data": base64.b64encode(key).decode(),
    }
    config = kubeconfig(cluster, tmp_path / "cert.kubeconfig", user)
    operator = start_operator(cluster, tmp_path / "operator", env={"KUBECONFIG": str(config)})
    try:
        create_managed_client(cluster, namespace, s3)
        eventually(
            lambda: conditions(cluster, namespace, "acme").get("Ready", {}).get("status") == "True",
            timeout=150,
            what="Ready with a certificate-authenticated operator",
        )
        assert 'User "wabiz-cert-operator" cannot' not in operator.text(), operator.text()[-3000:]
    finally:
        operator.stop()
