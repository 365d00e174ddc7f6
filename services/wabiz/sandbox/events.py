"""Webhook events from the sandbox to the client, in the Cloud API format, signed, batched.

Statuses that fall due close together travel in one POST (many `statuses` in one change), as Meta
does under load; at 1,000 messages/s that turns 3,000 status events a second into a few dozen
requests. While a POST is in flight the next batch keeps filling, so a slow client gets fewer,
larger POSTs rather than a backlog of small ones. One worker posts in order (a message's `sent`
never overtakes its `delivered`), retrying for about a minute while the client is unreachable (a
CoreApp restarting), so events are delayed rather than lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

from wabiz.kit.signing import HEADER, sign

log = logging.getLogger(__name__)

BATCH_WINDOW_S = 0.02
MAX_STATUSES_PER_POST = 500
RETRY_DELAYS_S = (0.25, 0.5, 1, 2, 3, 5, 5, 5, 10, 10, 10)


def webhook_body(pnid: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": f"waba-{pnid}",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": pnid, "phone_number_id": pnid},
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def batch_events(events: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Group consecutive statuses of one business into one body; messages stay single, in order."""
    bodies: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    run_pnid = ""

    def close_run() -> None:
        if run:
            bodies.append(webhook_body(run_pnid, {"statuses": list(run)}))
            run.clear()

    for kind, pnid, value in events:
        if kind != "status":
            close_run()
            bodies.append(webhook_body(pnid, value))
            continue
        if pnid != run_pnid or len(run) >= MAX_STATUSES_PER_POST:
            close_run()
            run_pnid = pnid
        run.append(value)
    close_run()
    return bodies


class EventPoster:
    """The one worker that batches, signs and posts events, in the order they fell due."""

    def __init__(self, webhook_url: Callable[[], str | None], app_secret: str) -> None:
        self._url, self._secret = webhook_url, app_secret
        self._pending: list[tuple[str, str, dict[str, Any]]] = []
        self._wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._posting = 0  # events taken from `_pending` and not yet posted (or dropped)

    def idle(self) -> bool:
        return not self._pending and not self._posting

    def pending(self) -> int:
        return len(self._pending) + self._posting

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._run(), name="sandbox-events")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session:
            await self._session.close()

    def status(self, pnid: str, status: dict[str, Any]) -> None:
        self._pending.append(("status", pnid, status))
        self._wake.set()

    def message(self, pnid: str, value: dict[str, Any]) -> None:
        self._pending.append(("message", pnid, value))
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(BATCH_WINDOW_S)
            self._wake.clear()
            events, self._pending = self._pending, []
            self._posting = len(events)
            try:
                for body in batch_events(events):
                    try:
                        await self._post(body)
                    except Exception:  # the worker must outlive any one bad event
                        log.exception("could not post a webhook event")
            finally:
                self._posting = 0

    async def _post(self, body: dict[str, Any]) -> None:
        raw = orjson.dumps(body)
        headers = {"Content-Type": "application/json", HEADER: sign(self._secret, raw)}
        for delay in (*RETRY_DELAYS_S, None):
            url = self._url()
            if not url:
                log.warning("no webhook_url configured; dropping an event (PATCH /control/config)")
                return
            if await self._attempt(url, raw, headers):
                return
            if delay is None:
                log.error("dropping a webhook event after %d attempts", len(RETRY_DELAYS_S) + 1)
                return
            await asyncio.sleep(delay)

    async def _attempt(self, url: str, raw: bytes, headers: dict[str, str]) -> bool:
        assert self._session is not None, "start() first"
        try:
            async with self._session.post(url, data=raw, headers=headers) as answer:
                if 200 <= answer.status < 300:
                    return True
                log.warning("webhook %s answered %s", url, answer.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("webhook %s unreachable: %r", url, exc)
        return False
