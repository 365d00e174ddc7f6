"""Prometheus metrics of the operator, and the HTTP endpoint that serves them with a health check.

Served on every replica, leader or not, at `/metrics` and `/healthz` (the chart's probes and
Service use the same port): a standby proves it is alive while it waits for the lease.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        client = ["namespace", "name"]
        self.reconciles = Counter(
            "wabiz_operator_reconciles_total",
            "Reconcile passes by outcome.",
            [*client, "result"],
            registry=self.registry,
        )
        self.errors = Counter(
            "wabiz_operator_reconcile_errors_total",
            "Failed passes by reason.",
            [*client, "reason"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "wabiz_operator_reconcile_duration_seconds",
            "Duration of reconcile passes.",
            client,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.logins = Counter(
            "wabiz_operator_webapp_logins_total", "Admin logins to WebApps.", registry=self.registry
        )
        self.clients = Gauge(
            "wabiz_operator_clients", "WhatsAppClients being reconciled.", registry=self.registry
        )
        self.leader = Gauge(
            "wabiz_operator_leader", "1 while this replica holds the leader lease.", registry=self.registry
        )

    def forget(self, namespace: str, name: str) -> None:
        """A deleted client's series go with it, so label cardinality follows the live clients."""
        for family in (self.reconciles, self.errors, self.duration):
            for labels in list(family._metrics):
                if labels[:2] == (namespace, name):
                    family.remove(*labels)


async def serve(metrics: Metrics, host: str, port: int) -> web.AppRunner:
    async def scrape(_: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
