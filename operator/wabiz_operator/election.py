"""Leader election on a `coordination.k8s.io/v1` Lease: one operator replica reconciles at a time.

The replicas of the chart's Deployment all start, serve metrics and health, and wait for the
Lease; only its holder runs kopf at all, so two replicas never reconcile the same client. The
holder renews every `renew` seconds; a holder that cannot renew within `duration` stops (the pod
restarts as a standby), and another replica takes the Lease once it expired. A clean shutdown
hands the Lease back at once, so a rolling update of the operator waits seconds, not `duration`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from wabiz_operator.kube import Kube, KubeError

log = logging.getLogger(__name__)
Obj = dict[str, Any]
MICROTIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value, MICROTIME).replace(tzinfo=UTC)


def may_take(spec: Obj, identity: str, now: datetime) -> bool:
    """Ours already, free (released), or expired: the holder did not renew within its duration."""
    holder = spec.get("holderIdentity")
    if not holder or holder == identity:
        return True
    renewed = _parse(spec.get("renewTime")) or _parse(spec.get("acquireTime"))
    duration = int(spec.get("leaseDurationSeconds") or 0)
    return renewed is None or renewed + timedelta(seconds=duration) < now


def held_spec(spec: Obj, identity: str, duration: int, now: datetime) -> Obj:
    stamp = now.strftime(MICROTIME)
    mine = spec.get("holderIdentity") == identity
    return {
        "holderIdentity": identity,
        "leaseDurationSeconds": duration,
        "acquireTime": spec.get("acquireTime") if mine else stamp,
        "renewTime": stamp,
        "leaseTransitions": int(spec.get("leaseTransitions") or 0) + (0 if mine else 1),
    }


@dataclass
class LeaderElection:
    kube: Kube
    namespace: str
    identity: str
    name: str = "wabiz-operator"
    duration: int = 15
    renew: float = 5.0

    async def _try(self) -> bool:
        now = datetime.now(UTC)
        lease = await self.kube.get("coordination.k8s.io/v1", "Lease", self.namespace, self.name)
        if lease is None:
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": held_spec({}, self.identity, self.duration, now),
            }
            await self.kube.create(body)
            return True
        spec = lease.get("spec") or {}
        if not may_take(spec, self.identity, now):
            return False
        lease["spec"] = held_spec(spec, self.identity, self.duration, now)
        await self.kube.replace(lease)  # 409 when another replica wrote first
        return True

    async def attempt(self) -> bool:
        try:
            return await self._try()
        except KubeError as exc:
            if exc.status != 409:
                log.warning("leader election: %s", exc)
            return False

    async def acquire(self) -> None:
        log.info("waiting for the leader lease %s/%s as %s", self.namespace, self.name, self.identity)
        while True:
            if await self.attempt():
                break
            await asyncio.sleep(self.renew)
        log.info("leader lease acquired by %s", self.identity)

    async def keep(self, lost: asyncio.Event) -> None:
        """Renew until cancelled; set `lost` when renewals kept failing, a renewal period before the
        Lease expires, so this replica stops before another one may take over."""
        last = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(self.renew)
            if await self.attempt():
                last = asyncio.get_running_loop().time()
            elif asyncio.get_running_loop().time() - last > self.duration - self.renew:
                log.error("leader lease lost: no renewal for %.0f s; stopping", self.duration - self.renew)
                lost.set()
                return

    async def release(self) -> None:
        try:
            lease = await self.kube.get("coordination.k8s.io/v1", "Lease", self.namespace, self.name)
            if lease is not None and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                lease["spec"] = {**lease["spec"], "holderIdentity": None, "renewTime": None}
                await self.kube.replace(lease)
                log.info("leader lease released")
        except KubeError as exc:
            log.warning("leader lease not released: %s", exc)
