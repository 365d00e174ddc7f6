"""The webhooks' CA bundle, stored as the `webhooks_ca` settings document (`db.settings`), which
the CoreApps read together with the application settings before each delivery round."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wabiz.db import settings
from wabiz.kit.certificates import checked_ca_bundle
from wabiz.kit.errors import NotFound, NotOffered

EXTERNAL_TLS = (
    "wabiz does not terminate TLS itself: the API's certificate belongs to the Ingress (or load"
    " balancer) in front of the WebApp. Put the certificate and key in the Ingress's TLS Secret"
    " (spec.webapp.ingress.tlsSecretName; cert-manager can issue and renew it) and give clients"
    " that Secret's CA, not this endpoint's."
)


async def store_webhooks_ca(session: AsyncSession, raw: bytes) -> None:
    await settings.write(session, {"pem": checked_ca_bundle(raw)}, settings.WEBHOOKS_CA)


async def webhooks_ca(session: AsyncSession) -> str:
    pem = (await settings.overrides(session, name=settings.WEBHOOKS_CA)).get("pem")
    if not isinstance(pem, str):
        raise NotFound(
            "no CA bundle is stored for webhooks; upload one with POST /v1/certificates/webhooks/ca"
        )
    return pem


async def remove_webhooks_ca(session: AsyncSession) -> None:
    """Back to the system's authorities only (an empty document: versions never repeat)."""
    await settings.write(session, {}, settings.WEBHOOKS_CA)


def refuse_external_tls() -> NotOffered:
    return NotOffered(EXTERNAL_TLS)
