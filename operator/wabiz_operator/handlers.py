"""kopf handlers: they only decorate and orchestrate.

kopf watches `WhatsAppClient` objects and feeds every event to the per-client reconcile loops
(`loops.py`), which own scheduling, status and Events; kopf's own per-handler Events are off.
The only finalizer is the bucket deletion's, on clients with `media.deletionPolicy: Delete`:
clients that retain their bucket (the default) are deleted at once, even with no operator running.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from wabiz_operator import __version__
from wabiz_operator.bucket_deletion import delete_client_bucket
from wabiz_operator.client import GROUP, PLURAL, VERSION, Client
from wabiz_operator.errors import ReconcileError

FINALIZER = "wabiz.io/finalizer"
log = logging.getLogger(__name__)


@kopf.on.startup()
async def configure(*, settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="wabiz.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix="wabiz.io")
    settings.posting.enabled = False  # one Event per condition transition comes from loops.py
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.networking.request_timeout = 60
    log.info("wabiz operator %s watching %s.%s", __version__, PLURAL, GROUP)


@kopf.on.event(GROUP, VERSION, PLURAL)
async def observe(*, type: str | None, event: kopf.RawEvent, memo: kopf.Memo, **_: Any) -> None:
    memo["loops"].observe(type, dict(event["object"]))


def _deletes_bucket(spec: kopf.Spec, **_: Any) -> bool:
    return bool(spec.get("media", {}).get("deletionPolicy") == "Delete")


@kopf.on.delete(GROUP, VERSION, PLURAL, when=_deletes_bucket)
async def delete_bucket(*, body: kopf.Body, memo: kopf.Memo, retry: int, **_: Any) -> None:
    try:
        await delete_client_bucket(memo["context"], Client.from_body(dict(body)))
    except ReconcileError as exc:
        raise kopf.TemporaryError(exc.message, delay=min(10 * 2**retry, 300)) from exc
