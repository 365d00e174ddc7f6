"""The Alembic migration Job: runs `wabiz migrate` before the app workloads roll.

Its name carries a digest of the image, so a new version gets a new Job while re-reconciling the
same version finds the finished one.
"""

from __future__ import annotations

import hashlib

from wabiz_operator.resources.common import Obj, child_name, default_resources, image, metadata
from wabiz_operator.resources.containers import app_container, pod_template

COMPONENT = "migrate"


def migration_job_name(client: Obj) -> str:
    digest = hashlib.sha256(image(client).encode()).hexdigest()[:8]
    return f"{child_name(client, COMPONENT)}-{digest}"


def build_migration_job(client: Obj) -> Obj:
    container = app_container(client, COMPONENT, None, [], default_resources("100m", "128Mi"))
    template = pod_template(client, COMPONENT, [container], {"restartPolicy": "OnFailure"})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(client, COMPONENT, migration_job_name(client)),
        "spec": {"backoffLimit": 6, "ttlSecondsAfterFinished": 86400, "template": template},
    }
