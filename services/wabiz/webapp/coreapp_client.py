"""Calls to CoreApps' internal API; their error envelopes come back as the same ApiError.

The send path retries within `route_retry_seconds` while a shard changes hands (no owner, the
owner refused with 1018, or the owner is unreachable), re-reading the shard map each time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import orjson

from wabiz.kit.errors import ApiError, NotPrimaryCoreapp, NotReady, error_from_dict
from wabiz.kit.sharding import shard_of
from wabiz.webapp.routing import Router

log = logging.getLogger(__name__)
RETRY_PAUSE_S = 0.2


class CoreAppClient:
    def __init__(
        self, session: aiohttp.ClientSession, token: str, router: Router, retry_seconds: float
    ) -> None:
        self._http, self._router, self._retry_seconds = session, router, retry_seconds
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def call(self, base_url: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        data = orjson.dumps(body) if body is not None else None
        async with self._http.request(method, base_url + path, data=data, headers=self._headers) as answer:
            payload = await answer.read()
        parsed: Any = orjson.loads(payload) if payload else {}
        if answer.status >= 400:
            errors = parsed.get("errors") if isinstance(parsed, dict) else None
            raise error_from_dict(errors[0]) if errors else NotReady(f"CoreApp answered HTTP {answer.status}")
        return parsed if isinstance(parsed, dict) else {}

    async def to_owner(self, wa_id: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """Call the CoreApp owning `wa_id`'s shard, riding out a change of owner."""
        deadline = time.monotonic() + self._retry_seconds
        fresh = False
        while True:
            shard_map = await self._router.current(fresh)
            owner = shard_map.owners.get(shard_of(wa_id, shard_map.shards))
            problem: ApiError
            if owner is None:
                problem = NotPrimaryCoreapp("no CoreApp holds this recipient's shard right now; retry")
            else:
                try:
                    return await self.call(owner, method, path, body)
                except NotPrimaryCoreapp as exc:
                    problem = exc
                except (aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("CoreApp %s unreachable: %s", owner, exc)
                    problem = NotPrimaryCoreapp("the shard's CoreApp is unreachable; retry")
            if time.monotonic() >= deadline:
                raise problem
            fresh = True
            await asyncio.sleep(RETRY_PAUSE_S)

    async def _live_nodes(self) -> tuple[str, ...]:
        shard_map = await self._router.current()
        return shard_map.nodes or (await self._router.current(fresh=True)).nodes

    async def to_any(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """Call any live CoreApp (contacts, registration, media fetch)."""
        for node in await self._live_nodes():
            try:
                return await self.call(node, method, path, body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("CoreApp %s unreachable: %s", node, exc)
        raise NotReady("no CoreApp is reachable")

    async def relay(
        self, method: str, path: str, raw: bytes | None, headers: dict[str, str], params: dict[str, str]
    ) -> tuple[int, bytes, str]:
        """Pass a request through unchanged to the first live CoreApp that answers."""
        for node in await self._live_nodes():
            try:
                async with self._http.request(
                    method, node + path, data=raw, headers=headers, params=params
                ) as answer:
                    return answer.status, await answer.read(), answer.content_type
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("CoreApp %s unreachable for %s: %s", node, path, exc)
        return 503, b'{"error": "no CoreApp is reachable"}', "application/json"
