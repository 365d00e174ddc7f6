"""The Alembic migration Job: runs `wabiz migrate` (and applies the admin password) before the app
workloads roll to a new image.

The Job's name carries a hash of its whole template: a Job's template is immutable, so any change
(image, database, resources) must be a new Job, and re-reconciling the same template finds the
same Job. Whether a migration must run at all is decided from the status (`reconcile/migrations.py`),
not from the Job's presence, so its TTL removing a finished Job changes nothing.
"""

from __future__ import annotations

import hashlib

import orjson

from wabiz_operator.client import Client
from wabiz_operator.resources.common import Obj, container_security, default_resources, metadata
from wabiz_operator.resources.configmap import database_settings, secret_env
from wabiz_operator.resources.containers import pod_template, volume_mounts

COMPONENT = "migrate"
FINISHED_JOB_TTL_SECONDS = 86400


def database_target(client: Client) -> str:
    """Which database a migration prepared: a new one (external host changed) needs its own run."""
    found = database_settings(client)
    host, port, name = (
        found["WABIZ_DATABASE_HOST"],
        found["WABIZ_DATABASE_PORT"],
        found["WABIZ_DATABASE_NAME"],
    )
    return f"{host}:{port}/{name}"


def _container(client: Client, image: str) -> Obj:
    env = [{"name": key, "value": value} for key, value in sorted(database_settings(client).items())]
    return {
        "name": COMPONENT,
        "image": image,
        "imagePullPolicy": client.spec.image.pull_policy,
        "args": [COMPONENT],
        "env": env + secret_env(client, COMPONENT),
        "securityContext": container_security(),
        "resources": default_resources("100m", "192Mi"),
        "volumeMounts": volume_mounts(client, COMPONENT),
    }


def build_migration_job(client: Client, image: str) -> Obj:
    # The Job reads no ConfigMap: everything it uses is in its template, which its name hashes.
    template = pod_template(client, COMPONENT, image, [_container(client, image)], {"restartPolicy": "Never"})
    digest = hashlib.sha256(orjson.dumps(template, option=orjson.OPT_SORT_KEYS)).hexdigest()[:10]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(client, COMPONENT, f"{client.child(COMPONENT)}-{digest}"),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 1800,
            "ttlSecondsAfterFinished": FINISHED_JOB_TTL_SECONDS,
            "template": template,
        },
    }
