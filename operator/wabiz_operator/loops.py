"""One reconcile loop per `WhatsAppClient`, fed by kopf's watch events.

kopf watches the resources and hands every event to `ClientLoops.observe`; each client gets one
asyncio task that reconciles, writes the status (failures included), posts an Event per condition
transition, and sleeps for `scheduling.next_delay` — or until the spec changes (a new generation),
which wakes it at once. Owning the schedule here, rather than in kopf's handler retries, is what
keeps ordinary waits quiet (no error per poll) and lets permanent errors back off to minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import Any

from wabiz_operator.client import API_VERSION, KIND, Client
from wabiz_operator.errors import ReconcileError
from wabiz_operator.kube import KubeError
from wabiz_operator.metrics import Metrics
from wabiz_operator.reconcile import Context, reconcile
from wabiz_operator.scheduling import Result, Timing, next_delay
from wabiz_operator.status import failed_pass, transitions

log = logging.getLogger(__name__)
Obj = dict[str, Any]
QUIET_TYPES = {"Progressing"}  # its transitions are routine: Normal Events, never Warnings


class ClientLoop:
    def __init__(self, ctx: Context, timing: Timing, metrics: Metrics, body: Obj) -> None:
        self.ctx, self.timing, self.metrics, self.body = ctx, timing, metrics, body
        self.wake = asyncio.Event()
        # The status this loop wrote last: newer than the body's whenever the watch lags behind
        # our own patch, and only the operator writes it.
        self.status: Obj | None = None
        self.last: tuple[Result, int] | None = None  # the last result and how often it repeated
        self.task = asyncio.create_task(self.run(), name=f"reconcile {self.label}")

    @property
    def label(self) -> str:
        meta = self.body["metadata"]
        return f"{meta.get('namespace')}/{meta['name']}"

    def update(self, body: Obj) -> None:
        spec_changed = body["metadata"].get("generation") != self.body["metadata"].get("generation")
        self.body = body
        if spec_changed:
            self.wake.set()

    async def run(self) -> None:
        while True:
            result = await self.once()
            repeats = self.last[1] + 1 if self.last and self.last[0] is result else 1
            self.last = (result, repeats)
            delay = next_delay(result, repeats, self.timing)
            if result in (Result.TRANSIENT_ERROR, Result.PERMANENT_ERROR):
                log.warning(
                    "%s: next attempt in %.0f s (%s, %d in a row)", self.label, delay, result.value, repeats
                )
            self.wake.clear()
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that arrives as the
            # event is set (a client deleted as its spec changes), and the loop would outlive it.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.wake.wait()

    async def once(self) -> Result:
        client = Client.from_body(self.body)
        if self.status is not None:
            client = dataclasses.replace(client, status=self.status)
        previous = list(client.status.get("conditions") or [])
        started = time.monotonic()
        try:
            outcome = await reconcile(self.ctx, client)
            status, result = outcome.status, Result.PROGRESSING if outcome.moving else Result.SETTLED
            for child in outcome.pruned:
                await self._event(client, "Pruned", f"deleted {child}: the spec no longer asks for it", False)
        except ReconcileError as exc:
            status = {"observedGeneration": client.generation}
            status["conditions"] = failed_pass(
                previous, client.generation, exc.reason, exc.message, exc.observed
            )
            result = Result.PERMANENT_ERROR if exc.permanent else Result.TRANSIENT_ERROR
            self.metrics.errors.labels(client.namespace, client.name, exc.reason).inc()
            log.warning("%s: %s (%s)", self.label, exc.message, exc.reason)
        except Exception as exc:  # a bug must not end the loop; it is logged with its traceback
            log.exception("%s: unexpected error in the reconcile pass", self.label)
            status = {"observedGeneration": client.generation}
            status["conditions"] = failed_pass(
                previous, client.generation, "InternalError", f"{type(exc).__name__}: {exc}"
            )
            result = Result.TRANSIENT_ERROR
            self.metrics.errors.labels(client.namespace, client.name, "InternalError").inc()
        elapsed = time.monotonic() - started
        log.debug("%s: pass done in %.2f s (%s)", self.label, elapsed, result.value)
        self.metrics.duration.labels(client.namespace, client.name).observe(elapsed)
        self.metrics.reconciles.labels(client.namespace, client.name, result.value).inc()
        await self._publish(client, previous, status)
        return result

    async def _publish(self, client: Client, previous: list[Obj], status: Obj) -> None:
        try:
            await self.ctx.kube.patch_status(API_VERSION, KIND, client.namespace, client.name, status)
            self.status = {**client.status, **status}
            for changed in transitions(previous, status["conditions"]):
                warning = changed["status"] == "False" and changed["type"] not in QUIET_TYPES
                await self._event(
                    client, changed["reason"], f"{changed['type']}: {changed['message']}", warning
                )
        except KubeError as exc:
            log.warning("%s: status not written: %s", self.label, exc)

    async def _event(self, client: Client, reason: str, message: str, warning: bool) -> None:
        log.info("%s: %s: %s", self.label, reason, message)
        try:
            await self.ctx.kube.event(client.reference, reason, message, warning)
        except KubeError as exc:
            log.warning("%s: event %s not posted: %s", self.label, reason, exc)


class ClientLoops:
    def __init__(self, ctx: Context, timing: Timing, metrics: Metrics) -> None:
        self.ctx, self.timing, self.metrics = ctx, timing, metrics
        self._loops: dict[str, ClientLoop] = {}
        self._farewells: set[asyncio.Task[None]] = set()  # token revocations still in flight

    def observe(self, event_type: str | None, body: Obj) -> None:
        """Every watch event of every client: start, feed or stop its loop."""
        meta = body["metadata"]
        uid = meta["uid"]
        if event_type == "DELETED" or meta.get("deletionTimestamp"):
            self.stop(uid, meta.get("namespace", ""), meta["name"])
            return
        loop = self._loops.get(uid)
        if loop is None:
            self._loops[uid] = ClientLoop(self.ctx, self.timing, self.metrics, body)
            self.metrics.clients.set(len(self._loops))
        else:
            loop.update(body)

    def stop(self, uid: str, namespace: str, name: str) -> None:
        loop = self._loops.pop(uid, None)
        if loop is None:
            return
        loop.task.cancel()
        self.metrics.clients.set(len(self._loops))
        self.metrics.forget(namespace, name)
        farewell = asyncio.get_running_loop().create_task(self.ctx.sessions.forget(uid))
        self._farewells.add(farewell)
        farewell.add_done_callback(self._farewells.discard)

    async def stop_all(self) -> None:
        tasks = [loop.task for loop in self._loops.values()]
        self._loops.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
