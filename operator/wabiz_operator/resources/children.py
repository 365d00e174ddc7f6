"""Every child of a `WhatsAppClient`, in apply order: configuration first, then the database, then
the migration Job; app workloads come after the Job succeeded (see `reconcile.py`)."""

from __future__ import annotations

from wabiz_operator.resources import coreapp, database, pdb, sandbox, webapp
from wabiz_operator.resources.common import Obj
from wabiz_operator.resources.configmap import build_configmap
from wabiz_operator.resources.secrets import build_generated_secret


def _present(*objects: Obj | None) -> list[Obj]:
    return [obj for obj in objects if obj is not None]


def foundation(client: Obj, generated: dict[str, str], database_password: str) -> list[Obj]:
    return _present(
        build_generated_secret(client, generated),
        build_configmap(client),
        database.build_database_secret(client, database_password),
        database.build_database_service(client),
        database.build_database_statefulset(client),
    )


def workloads(client: Obj) -> list[Obj]:
    return _present(
        sandbox.build_sandbox_deployment(client),
        sandbox.build_sandbox_service(client),
        coreapp.build_coreapp_service(client),
        coreapp.build_coreapp_statefulset(client),
        webapp.build_webapp_deployment(client),
        webapp.build_webapp_service(client),
        webapp.build_webapp_ingress(client),
        pdb.build_webapp_pdb(client),
        pdb.build_coreapp_pdb(client),
    )
