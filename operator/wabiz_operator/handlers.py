"""kopf handlers: they only decorate and orchestrate; the work is in `reconcile.py` and the builders.

Create, resume and update all run the same idempotent reconcile; a timer re-runs it to turn drift
(a deleted child, changed replicas, changed webhook settings) back to the spec. Children go away
with their owner through owner references, so deletion needs no finalizer of ours.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import kopf

from wabiz_operator import __version__
from wabiz_operator.kube import Kube, KubeError
from wabiz_operator.reconcile import reconcile, remove_bucket
from wabiz_operator.resources.common import API_VERSION, GROUP, KIND, VERSION

RETRY_SECONDS = float(os.environ.get("WABIZ_OPERATOR_RETRY_SECONDS", "10"))
# How often a quiet resource is reconciled again to repair drift (deleted child, edited replicas).
DRIFT_CHECK_SECONDS = float(os.environ.get("WABIZ_OPERATOR_DRIFT_SECONDS", "60"))
_kube: dict[str, Kube] = {}


@kopf.on.startup()
async def configure(*, settings: kopf.OperatorSettings, logger: Any, **_: Any) -> None:
    settings.persistence.finalizer = "wabiz.io/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="wabiz.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix="wabiz.io")
    settings.posting.level = logging.INFO
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.networking.request_timeout = 60
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(settings=settings)
    if info is None:
        raise kopf.PermanentError("no Kubernetes credentials: neither a service account nor a kubeconfig")
    _kube["api"] = Kube.from_connection(info)
    logger.info("wabiz operator %s watching %s.%s", __version__, KIND, GROUP)


@kopf.on.cleanup()
async def close(**_: Any) -> None:
    if "api" in _kube:
        await _kube.pop("api").close()


async def _reconcile(body: kopf.Body) -> None:
    client = {"apiVersion": API_VERSION, "kind": KIND, **dict(body)}
    kube = _kube["api"]
    before = {c["type"]: c["status"] for c in (body.get("status") or {}).get("conditions", [])}
    try:
        outcome = await reconcile(kube, client)
    except KubeError as exc:
        raise kopf.TemporaryError(str(exc), delay=RETRY_SECONDS) from exc
    meta = body["metadata"]
    await kube.patch_status(API_VERSION, KIND, meta["namespace"], meta["name"], outcome.status)
    for condition in outcome.status["conditions"]:
        if before.get(condition["type"]) != condition["status"]:
            warning = condition["status"] == "False" and condition["type"] != "Progressing"
            await kube.event(
                client, condition["reason"], f"{condition['type']}: {condition['message']}", warning
            )
    if not outcome.done:
        raise kopf.TemporaryError("not ready yet; see status.conditions", delay=RETRY_SECONDS)


@kopf.on.resume(GROUP, VERSION, "whatsappclients")
@kopf.on.create(GROUP, VERSION, "whatsappclients")
@kopf.on.update(GROUP, VERSION, "whatsappclients", field="spec")
async def apply_spec(*, body: kopf.Body, **_: Any) -> None:
    await _reconcile(body)


@kopf.timer(GROUP, VERSION, "whatsappclients", interval=DRIFT_CHECK_SECONDS, idle=DRIFT_CHECK_SECONDS)
async def correct_drift(*, body: kopf.Body, **_: Any) -> None:
    await _reconcile(body)


def _deletes_bucket(spec: kopf.Spec, **_: Any) -> bool:
    return bool(spec.get("media", {}).get("deletionPolicy") == "Delete")


@kopf.on.delete(GROUP, VERSION, "whatsappclients", when=_deletes_bucket)
async def delete_bucket(*, body: kopf.Body, **_: Any) -> None:
    """Only resources asking for it get kopf's finalizer (`wabiz.io/finalizer`): Retain (the
    default) deletes immediately and can never hang on an operator that is down."""
    client = {"apiVersion": API_VERSION, "kind": KIND, **dict(body)}
    try:
        removed = await remove_bucket(_kube["api"], client)
    except KubeError as exc:
        raise kopf.TemporaryError(str(exc), delay=RETRY_SECONDS) from exc
    logging.getLogger(__name__).info(
        "deleted media bucket of %s (%d objects)", body["metadata"]["name"], removed
    )
