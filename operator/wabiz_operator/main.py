"""`wabiz operator`: metrics and health first, then the leader lease, then the CRD, then kopf.

Environment:
- `WABIZ_OPERATOR_NAMESPACES`: comma-separated namespaces to watch; empty watches the cluster.
- `WABIZ_OPERATOR_LEASE_NAMESPACE`: where the leader Lease lives (the chart sets the operator's own
  namespace); unset turns leader election off (one operator process, e.g. on a laptop).
- `WABIZ_OPERATOR_CRD_FILE`: the CRD to keep current (`crd.py`); unset leaves the CRD alone.
- `WABIZ_OPERATOR_METRICS`: `host:port` of `/metrics` and `/healthz` (default `0.0.0.0:8080`).
- `WABIZ_OPERATOR_CNPG_NAMESPACE`: where the CloudNativePG operator runs (default `cnpg-system`);
  the NetworkPolicies of CloudNativePG clients let its pods in.
- the scheduling knobs of `scheduling.Timing`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import uuid
from pathlib import Path

import kopf
import yaml

from wabiz_operator import __version__, crd, metrics
from wabiz_operator.election import LeaderElection
from wabiz_operator.kube import Kube
from wabiz_operator.loops import ClientLoops
from wabiz_operator.reconcile import Context
from wabiz_operator.scheduling import Timing
from wabiz_operator.webapp_api import AdminSessions

log = logging.getLogger("wabiz_operator")


def _namespaces() -> list[str]:
    return [n for n in os.environ.get("WABIZ_OPERATOR_NAMESPACES", "").split(",") if n]


def _address() -> tuple[str, int]:
    host, _, port = os.environ.get("WABIZ_OPERATOR_METRICS", "0.0.0.0:8080").rpartition(":")
    return host or "0.0.0.0", int(port)


async def _until(stop: asyncio.Event, work: asyncio.Task[None]) -> bool:
    """Wait for `work` unless `stop` comes first; True when the work finished."""
    stopper: asyncio.Task[bool] = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([work, stopper], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if work not in done:
        work.cancel()
        return False
    return True


async def operate() -> int:
    registry = metrics.Metrics()
    runner = await metrics.serve(registry, *_address())
    kube = Kube.from_environment()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    lease_namespace = os.environ.get("WABIZ_OPERATOR_LEASE_NAMESPACE")
    identity = f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}"
    election = LeaderElection(kube, lease_namespace, identity) if lease_namespace else None
    keeper: asyncio.Task[None] | None = None
    sessions = AdminSessions()
    try:
        if election is not None:
            if not await _until(stop, asyncio.create_task(election.acquire())):
                return 0
            keeper = asyncio.create_task(election.keep(stop))
        registry.leader.set(1)
        crd_file = os.environ.get("WABIZ_OPERATOR_CRD_FILE")
        if crd_file:
            await crd.install(kube, yaml.safe_load(Path(crd_file).read_text()))  # noqa: ASYNC240 (once, at start)
        context = Context(
            kube, sessions, __version__, os.environ.get("WABIZ_OPERATOR_CNPG_NAMESPACE", "cnpg-system")
        )
        loops = ClientLoops(context, Timing.from_environment(), registry)
        namespaces = _namespaces()
        try:
            await kopf.operator(
                standalone=True,  # no kopf peering: the leader Lease already keeps replicas apart
                clusterwide=not namespaces,
                namespaces=namespaces,
                memo=kopf.Memo(loops=loops, context=context),
                stop_flag=stop,
            )
        finally:
            await loops.stop_all()
        lost = keeper is not None and keeper.done() and not keeper.cancelled()
        return 1 if lost else 0
    finally:
        registry.leader.set(0)
        if keeper is not None:
            keeper.cancel()
        if election is not None:
            await election.release()
        await sessions.close()
        await kube.close()
        await runner.cleanup()


def run() -> None:
    from wabiz_operator import handlers  # noqa: F401 (registers the handlers with kopf)

    logging.basicConfig(
        level=os.environ.get("WABIZ_LOG_LEVEL", "INFO"),
        format="%(asctime)s operator %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)  # per-handler chatter
    for chatty in ("httpx2", "httpcore", "botocore", "urllib3", "aiohttp.access"):
        logging.getLogger(chatty).setLevel(logging.WARNING)  # a line per request, or per byte
    log.info("wabiz operator %s starting", __version__)
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(operate()))
