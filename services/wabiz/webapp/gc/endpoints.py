"""`PUT /v1/services/{media,message}/gc`: start a collection; a callback reports its end. Admins only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter

from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON
from wabiz.webapp.deps import AdminUser, State
from wabiz.webapp.gc import service
from wabiz.webapp.gc.reports import Kind, processing
from wabiz.webapp.gc.schemas import MediaGcAnswer, MessageGcAnswer
from wabiz.webapp.openapi import answered, errors

router = APIRouter(prefix="/v1/services", tags=["services"])
COLLECTIONS: tuple[tuple[Kind, Any, str], ...] = (
    (
        "media",
        MediaGcAnswer,
        "Delete media no message used for 30 days, rows and stored bytes. When it ends, the webhook"
        ' gets `{"services": [{"media": {"gc": {"items_deleted", "status"}}}]}`.',
    ),
    (
        "message",
        MessageGcAnswer,
        "Delete messages in a final status unchanged for 30 days. When it ends, the webhook gets"
        ' `{"services": [{"message": {"gc": {"messages_deleted", "status"}}}]}`.',
    ),
)


def _starter(kind: Kind) -> Callable[[AdminUser, State], Awaitable[JSON]]:
    async def start(admin: AdminUser, state: State) -> JSON:
        service.start(state, kind)
        return JSON(ok(services=processing(kind)))

    return start


for kind, shape, description in COLLECTIONS:
    router.add_api_route(
        f"/{kind}/gc",
        _starter(kind),
        methods=["PUT"],
        operation_id=f"collect_{kind}",
        description=description,
        responses=errors(403, also={200: answered("Started (or already running)", shape)}),
    )
