"""Calls to the CoreApps' internal API over one pooled HTTP session.

CoreApp errors arrive in the public envelope and are re-raised as the same ApiError, so the client
sees the CoreApp's code and details unchanged. A call is retried only when it surely never reached
a CoreApp (no owner yet, connection refused, or the owner answered 1018 "not mine"): a request
that may have acted is never sent twice by us; its caller gets 1018 or 1011 and decides. Calls to
a shard's owner (and the send path's wait for one) retry within `route_retry_seconds`,
re-reading the shard map each time, which rides out a failover; then 1018.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import orjson

from wabiz.kit.errors import AccessDenied, ApiError, NotFound, NotPrimaryCoreapp, NotReady, error_from_dict
from wabiz.webapp.routing import ShardMapCache

log = logging.getLogger(__name__)
RETRY_PAUSE_S = 0.2
HAND_OFF_PATH = "/internal/queued-messages"
T = TypeVar("T")


class Unreachable(Exception):
    """The request never reached a CoreApp: retrying elsewhere cannot duplicate anything."""


class NoAnswer(Exception):
    """The request was sent but no answer came (connection broken, timeout): it may have acted."""


def error_of(status: int, raw: bytes) -> ApiError:
    """The ApiError a CoreApp answered, from its envelope (or its bare HTTP status)."""
    try:
        parsed = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        parsed = None
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        if status == 404:  # no such route: a CoreApp of another release (message batches)
            return NotFound("the CoreApp has no such internal endpoint")
        return NotReady(f"a CoreApp answered HTTP {status} without an error envelope")
    error = error_from_dict(errors[0])
    if isinstance(error, AccessDenied):
        # The client's credentials were fine; ours were not: a deployment problem, not theirs.
        log.error("a CoreApp refused the internal token: %s", error.details)
        return NotReady("the WebApp and the CoreApps disagree on WABIZ_INTERNAL_TOKEN")
    return error


class CoreAppClient:
    def __init__(
        self, http: aiohttp.ClientSession, token: str, shard_maps: ShardMapCache, retry_seconds: float
    ) -> None:
        self._http, self._shard_maps, self._retry_seconds = http, shard_maps, retry_seconds
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._turn = itertools.count()

    async def _exchange(
        self, base_url: str, method: str, path: str, data: bytes | None, headers: dict[str, str]
    ) -> tuple[bytes, str]:
        """One request: the answer's body and content type, its ApiError, `Unreachable` or `NoAnswer`."""
        try:
            async with self._http.request(method, base_url + path, data=data, headers=headers) as answer:
                status, raw, kind = answer.status, await answer.read(), answer.content_type
        except aiohttp.ClientConnectorError as exc:
            raise Unreachable(f"{base_url}: {exc}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("CoreApp %s gave no answer to %s %s: %r", base_url, method, path, exc)
            raise NoAnswer(f"{base_url}{path}: {exc!r}") from exc
        if status >= 400:
            raise error_of(status, raw)
        return raw, kind

    async def call(self, base_url: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """One JSON call: the CoreApp's answer, its ApiError, `Unreachable` or `NoAnswer`."""
        data = orjson.dumps(body) if body is not None else None
        raw, _ = await self._exchange(base_url, method, path, data, self._headers)
        parsed = orjson.loads(raw) if raw else {}
        return parsed if isinstance(parsed, dict) else {}

    async def to_owner(self, wa_id: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """Call the CoreApp owning `wa_id`'s shard, waiting a bounded time for one to exist."""
        return await self._with_owner(wa_id, lambda owner: self.call(owner, method, path, body))

    async def hand_off(self, owner: str, stored: bytes) -> None:
        """Tell `owner` about sends the WebApp stored (`{"messages": [...]}`), so it sends them now."""
        await self._exchange(owner, "POST", HAND_OFF_PATH, stored, self._headers)

    async def owner_of(self, wa_id: str) -> str:
        """The CoreApp holding `wa_id`'s shard, re-reading the shard map while none does, within
        `route_retry_seconds`; then 1018."""
        deadline = time.monotonic() + self._retry_seconds
        fresh = False
        while (owner := (await self._shard_maps.get(fresh)).owner_of(wa_id)) is None:
            if time.monotonic() + RETRY_PAUSE_S > deadline:
                raise NotPrimaryCoreapp("no CoreApp holds this recipient's shard right now; retry")
            fresh = True
            await asyncio.sleep(RETRY_PAUSE_S)
        return owner

    async def _with_owner(
        self, wa_id: str, attempt: Callable[[str], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """`attempt(owner)` on the CoreApp owning `wa_id`'s shard, retried while it surely never
        reached one, within `route_retry_seconds`."""
        deadline = time.monotonic() + self._retry_seconds
        fresh = False
        while True:
            owner = (await self._shard_maps.get(fresh)).owner_of(wa_id)
            problem: ApiError
            if owner is None:
                problem = NotPrimaryCoreapp("no CoreApp holds this recipient's shard right now; retry")
            else:
                try:
                    return await attempt(owner)
                except NotPrimaryCoreapp as exc:
                    problem = exc
                except Unreachable as exc:
                    log.info("shard owner unreachable, re-reading the shard map: %s", exc)
                    problem = NotPrimaryCoreapp("the recipient's CoreApp is unreachable; retry")
                except NoAnswer:
                    raise NotPrimaryCoreapp(
                        "the recipient's CoreApp did not answer; the message may have been stored, retry"
                    ) from None
            if time.monotonic() + RETRY_PAUSE_S > deadline:
                raise problem
            fresh = True
            await asyncio.sleep(RETRY_PAUSE_S)

    async def to_any(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """Call any live CoreApp, taking turns (contacts, registration, media fetches, profile)."""
        return await self._on_any(path, lambda node: self.call(node, method, path, body))

    async def bytes_to_any(self, path: str, data: bytes, content_type: str) -> None:
        """POST raw bytes of `content_type` to any live CoreApp (the profile photo)."""
        headers = self._headers | {"Content-Type": content_type}
        await self._on_any(path, lambda node: self._exchange(node, "POST", path, data, headers))

    async def bytes_from_any(self, path: str) -> tuple[bytes, str]:
        """GET raw bytes and their content type from any live CoreApp (the profile photo)."""
        return await self._on_any(path, lambda node: self._exchange(node, "GET", path, None, self._headers))

    async def _on_any(self, path: str, attempt: Callable[[str], Awaitable[T]]) -> T:
        """`attempt` on the live CoreApps in turn until one takes it; 1011 when none does, or when
        one took it without answering (it may have acted: the caller decides to retry)."""
        nodes = (await self._shard_maps.get()).nodes or (await self._shard_maps.get(fresh=True)).nodes
        start = next(self._turn)
        for index in range(len(nodes)):
            node = nodes[(start + index) % len(nodes)]
            try:
                return await attempt(node)
            except Unreachable as exc:
                log.warning("CoreApp unreachable, trying the next one: %s", exc)
            except NoAnswer:
                raise NotReady(f"a CoreApp did not answer {path} in time; retry") from None
        raise NotReady("no CoreApp is running or reachable; check the CoreApps and retry")

    async def relay(
        self, method: str, path: str, raw: bytes | None, headers: dict[str, str], params: dict[str, str]
    ) -> tuple[int, bytes, str]:
        """Pass a request through unchanged to the first live CoreApp that takes it."""
        for node in (await self._shard_maps.get()).nodes:
            try:
                async with self._http.request(
                    method, node + path, data=raw, headers=headers, params=params
                ) as answer:
                    return answer.status, await answer.read(), answer.content_type
            except aiohttp.ClientConnectorError as exc:
                log.warning("CoreApp unreachable for %s: %s", path, exc)
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("CoreApp gave no answer to %s: %r", path, exc)
                break
        return 503, b'{"error": "no CoreApp took the request; retry"}', "application/json"
