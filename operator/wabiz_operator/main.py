"""`wabiz operator`: run the kopf operator with our handlers.

Watches all namespaces unless `WABIZ_OPERATOR_NAMESPACES` (comma-separated) narrows it; serves
kopf's liveness probe on `WABIZ_OPERATOR_LIVENESS` (default http://0.0.0.0:8080/healthz).
"""

from __future__ import annotations

import logging
import os

import kopf


def run() -> None:
    from wabiz_operator import handlers  # noqa: F401 (registers the handlers with kopf)

    logging.basicConfig(
        level=os.environ.get("WABIZ_LOG_LEVEL", "INFO"),
        format="%(asctime)s operator %(levelname)s %(message)s",
    )
    namespaces = [n for n in os.environ.get("WABIZ_OPERATOR_NAMESPACES", "").split(",") if n]
    kopf.run(
        standalone=True,  # one replica (Recreate): no peering objects, no extra RBAC for them
        clusterwide=not namespaces,
        namespaces=namespaces,
        liveness_endpoint=os.environ.get("WABIZ_OPERATOR_LIVENESS", "http://0.0.0.0:8080/healthz"),
    )
