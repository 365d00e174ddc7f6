"""`/v1/certificates/webhooks/ca` (admins): the PEM bundle of extra authorities trusted when the
CoreApps post callbacks. `/v1/certificates/external*`: refused with what to do instead (TLS ends
at the Ingress)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from wabiz.kit.certificates import MAX_BUNDLE_BYTES
from wabiz.kit.envelope import ok
from wabiz.kit.httpapp import JSON, read_body
from wabiz.webapp.certificates import service
from wabiz.webapp.deps import AdminUser, Session
from wabiz.webapp.openapi import Envelope, answer, answered, bytes_body, bytes_content, errors

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])
PEM = "application/x-pem-file"
PEM_BODY = bytes_body("text/plain", PEM)
# TLS ends at the Ingress: these operations always answer 400 (1000) saying so, never a success.
REFUSED = 400


@router.post(
    "/webhooks/ca",
    openapi_extra=PEM_BODY,
    responses=errors(400, 403, 413, also={200: answered("Stored", Envelope)}),
)
async def upload_webhooks_ca(admin: AdminUser, request: Request, session: Session) -> JSON:
    """Store a PEM bundle of CA certificates (the raw body; certificates only, at most 256 KiB)."""
    await service.store_webhooks_ca(session, await read_body(request, MAX_BUNDLE_BYTES))
    return JSON(ok())


@router.get(
    "/webhooks/ca",
    response_class=Response,
    responses=errors(403, 404, also={200: answer("The stored PEM bundle", bytes_content(PEM))}),
)
async def download_webhooks_ca(admin: AdminUser, session: Session) -> Response:
    return Response(await service.webhooks_ca(session), media_type=PEM)


@router.delete("/webhooks/ca", responses=errors(403, also={200: answered("Removed", Envelope)}))
async def delete_webhooks_ca(admin: AdminUser, session: Session) -> JSON:
    """Trust the system's authorities only again."""
    await service.remove_webhooks_ca(session)
    return JSON(ok())


@router.post("/external", status_code=REFUSED, openapi_extra=PEM_BODY, responses=errors(400, 403))
async def upload_external_certificate(admin: AdminUser) -> JSON:
    """Not offered: the API's certificate is the Ingress's TLS Secret."""
    raise service.refuse_external_tls()


@router.get("/external/ca", status_code=REFUSED, responses=errors(400, 403))
async def download_external_ca(admin: AdminUser) -> JSON:
    """Not offered: the API's certificate is the Ingress's TLS Secret."""
    raise service.refuse_external_tls()
