"""The app container and pod template shared by WebApp, CoreApp, sandbox and the migration Job."""

from __future__ import annotations

from dataclasses import dataclass

from wabiz_operator.client import Client
from wabiz_operator.resources.cnpg import ca_mounts, ca_volumes
from wabiz_operator.resources.common import (
    Obj,
    container_security,
    pod_labels,
    pod_security,
)
from wabiz_operator.resources.configmap import env_from, secret_env
from wabiz_operator.resources.placement import app_placement

CHECKSUM_ANNOTATION = "wabiz.io/config-checksum"
DATABASE_READERS = ("webapp", "coreapp", "migrate")
TMP_MOUNT = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 (an emptyDir, read-only root)


def volume_mounts(client: Client, component: str) -> list[Obj]:
    """The scratch emptyDir, and the database CA for the components that connect to it."""
    return [TMP_MOUNT, *(ca_mounts(client) if component in DATABASE_READERS else [])]


@dataclass(frozen=True)
class Operand:
    """What a pod runs: the image, and a checksum of everything it reads from the ConfigMap and
    Secrets, so that a change of either rolls the pods (`rollout.checksum`)."""

    image: str
    checksum: str


def app_container(
    client: Client, component: str, operand: Operand, port: int | None, extra_env: list[Obj], resources: Obj
) -> Obj:
    container: Obj = {
        "name": component,
        "image": operand.image,
        "imagePullPolicy": client.spec.image.pull_policy,
        "args": [component],
        "envFrom": env_from(client),
        "env": secret_env(client, component) + extra_env,
        "securityContext": container_security(),
        "resources": resources,
        "volumeMounts": volume_mounts(client, component),
    }
    if port is not None:
        container["ports"] = [{"name": "http", "containerPort": port}]
        container["readinessProbe"] = {"tcpSocket": {"port": "http"}, "periodSeconds": 5}
        container["livenessProbe"] = {
            "tcpSocket": {"port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 3,
        }
        # Endpoints are removed asynchronously: serving a few more seconds after SIGTERM is what
        # keeps a rolling update from refusing connections that were already routed here.
        container["lifecycle"] = {"preStop": {"sleep": {"seconds": 5}}}
    return container


def pod_template(
    client: Client, component: str, image: str, containers: list[Obj], extra: Obj, checksum: str | None = None
) -> Obj:
    meta: Obj = {"labels": pod_labels(client, component, image)}
    if checksum is not None:
        meta["annotations"] = {CHECKSUM_ANNOTATION: checksum}
    return {
        "metadata": meta,
        "spec": {
            "securityContext": pod_security(),
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "containers": containers,
            "volumes": [
                {"name": "tmp", "emptyDir": {}},
                *(ca_volumes(client) if component in DATABASE_READERS else []),
            ],
            **extra,
        },
    }


def app_pod_template(client: Client, component: str, operand: Operand, container: Obj) -> Obj:
    """The pod template of a spread app workload (WebApp, CoreApp, sandbox) with its checksum."""
    return pod_template(
        client, component, operand.image, [container], app_placement(client, component), operand.checksum
    )
