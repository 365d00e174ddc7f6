"""What the operator sets through the WebApp's admin API: webhook settings and the shard count."""

from __future__ import annotations

from wabiz_operator import webapp_api
from wabiz_operator.reconcile.context import Context, Pass
from wabiz_operator.resources.configmap import webapp_url
from wabiz_operator.resources.secrets import ADMIN_PASSWORD
from wabiz_operator.status import Check


async def apply_settings(ctx: Context, p: Pass, generated: dict[str, str]) -> None:
    client, password = p.client, generated[ADMIN_PASSWORD]
    if not p.checks["WebAppAvailable"].ok:
        p.checks["WebhooksConfigured"] = Check(
            False, "WaitingForWebApp", "webhooks are applied once the WebApp is up"
        )
        return
    url = webapp_url(client)
    if client.spec.webhooks.url:
        p.checks["WebhooksConfigured"] = await webapp_api.configure_webhooks(
            ctx.sessions, client.uid, url, password, client.spec.webhooks
        )
    else:
        p.checks["WebhooksConfigured"] = Check(True, "NotRequested", "no webhook URL in the spec")
    p.checks["ShardsInSync"] = await webapp_api.apply_shards(
        ctx.sessions, client.uid, url, password, client.spec.coreapp.shards
    )
