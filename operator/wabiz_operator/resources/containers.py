"""The app container and pod template shared by WebApp, CoreApp, sandbox and the migration Job."""

from __future__ import annotations

from wabiz_operator.resources.common import (
    Obj,
    container_security,
    image,
    labels,
    pod_security,
    pull_policy,
)
from wabiz_operator.resources.configmap import env_from, secret_env


def app_container(client: Obj, component: str, port: int | None, extra_env: list[Obj], resources: Obj) -> Obj:
    container: Obj = {
        "name": component,
        "image": image(client),
        "imagePullPolicy": pull_policy(client),
        "args": [component],
        "envFrom": env_from(client),
        "env": secret_env(client) + extra_env,
        "securityContext": container_security(),
        "resources": resources,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 (an emptyDir, read-only root)
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
    return container


def pod_template(client: Obj, component: str, containers: list[Obj], extra: Obj) -> Obj:
    return {
        "metadata": {"labels": labels(client, component)},
        "spec": {
            "securityContext": pod_security(),
            "automountServiceAccountToken": False,
            "containers": containers,
            "volumes": [{"name": "tmp", "emptyDir": {}}],
            **extra,
        },
    }
