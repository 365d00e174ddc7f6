"""The operator as an admin user of each client's WebApp: webhook settings and shard changes.

One admin token per client, kept for the life of the operator process and renewed before it
expires (or when the WebApp refuses it), never a login per pass; the token is revoked when the
client is deleted. Tokens live in memory only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from wabiz_operator.spec import WebhooksSpec
from wabiz_operator.status import Check

RENEW_BEFORE = timedelta(hours=12)
TIMEOUT = aiohttp.ClientTimeout(total=15)
Obj = dict[str, Any]


class WebAppError(Exception):
    """The WebApp could not be reached, or refused the operator's admin credentials."""


@dataclass
class _Token:
    base_url: str
    value: str
    expires: datetime


def _expiry(answer: Obj) -> datetime:
    text = str(answer.get("expires_after", ""))
    try:
        return datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC) + RENEW_BEFORE  # unknown: renew at the next opportunity


class AdminSessions:
    def __init__(self) -> None:
        self._tokens: dict[str, _Token] = {}
        self._http: aiohttp.ClientSession | None = None
        self.logins = 0  # how many logins this process made (a metric and a test hook)

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def _login(self, base_url: str, password: str) -> _Token:
        http, self.logins = self._session(), self.logins + 1
        auth = {"Authorization": aiohttp.encode_basic_auth("admin", password)}
        async with http.post(f"{base_url}/v1/users/login", headers=auth) as answer:
            if answer.status == 200:
                user = (await answer.json())["users"][0]
                return _Token(base_url, str(user["token"]), _expiry(user))
            text = await answer.text()
        raise WebAppError(f"the WebApp refused the operator's admin login ({answer.status}): {text[:300]}")

    async def _token(self, uid: str, base_url: str, password: str) -> _Token:
        token = self._tokens.get(uid)
        if token is None or token.base_url != base_url or token.expires - RENEW_BEFORE < datetime.now(UTC):
            token = self._tokens[uid] = await self._login(base_url, password)
        return token

    async def call(
        self, uid: str, base_url: str, password: str, method: str, path: str, body: Obj | None = None
    ) -> tuple[int, Any]:
        """One authenticated call; a refused token is replaced once by a fresh login."""
        try:
            for attempt in range(2):
                token = await self._token(uid, base_url, password)
                headers = {"Authorization": f"Bearer {token.value}"}
                async with self._session().request(
                    method, base_url + path, json=body, headers=headers
                ) as answer:
                    if answer.status == 401 and attempt == 0:
                        self._tokens.pop(uid, None)
                        continue
                    payload = await answer.json(content_type=None) if answer.content_length != 0 else None
                    return answer.status, payload
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise WebAppError(f"cannot reach the WebApp at {base_url}: {exc}") from exc
        raise WebAppError("unreachable")  # the loop always returns or continues once

    async def forget(self, uid: str) -> None:
        """The client is gone: revoke its token (best effort, the WebApp may be gone too)."""
        token = self._tokens.pop(uid, None)
        if token is None:
            return
        try:
            headers = {"Authorization": f"Bearer {token.value}"}
            async with self._session().post(f"{token.base_url}/v1/users/logout", headers=headers):
                pass
        except (aiohttp.ClientError, TimeoutError):
            return


def desired_webhook_settings(webhooks: WebhooksSpec) -> Obj:
    return {
        "webhooks": {
            "url": webhooks.url,
            "max_concurrent_requests": webhooks.max_concurrent_requests,
            "message": {
                "sent": webhooks.statuses.sent,
                "delivered": webhooks.statuses.delivered,
                "read": webhooks.statuses.read,
            },
        }
    }


def matches(live: Obj, desired: Obj) -> bool:
    return all(
        live.get(key) == value if not isinstance(value, dict) else matches(live.get(key) or {}, value)
        for key, value in desired.items()
    )


async def configure_webhooks(
    sessions: AdminSessions, uid: str, base_url: str, password: str, webhooks: WebhooksSpec
) -> Check:
    """Compare the live settings with the spec; PATCH only on drift."""
    desired = desired_webhook_settings(webhooks)
    try:
        status, live = await sessions.call(uid, base_url, password, "GET", "/v1/settings/application")
        if status == 200 and matches(live["settings"]["application"], desired):
            return Check(True, "InSync", "webhook settings match the spec")
        status, answer = await sessions.call(
            uid, base_url, password, "PATCH", "/v1/settings/application", desired
        )
    except (WebAppError, KeyError, TypeError) as exc:
        return Check(False, "WebAppUnreachable", str(exc))
    if status != 200:
        return Check(False, "Rejected", f"the WebApp refused the webhook settings: {answer}")
    return Check(True, "Applied", "webhook settings applied")


async def apply_shards(sessions: AdminSessions, uid: str, base_url: str, password: str, shards: int) -> Check:
    """Shard count changes go through the WebApp's shard API, which moves leases safely."""
    try:
        status, answer = await sessions.call(uid, base_url, password, "GET", "/v1/support")
        support = answer["support"]
        if support["shards"] == shards:
            return Check(True, "InSync", f"{shards} shards")
        account = support.get("account") or {}
        if account.get("state") != "registered":
            return Check(
                False, "NotRegistered", "register the account (POST /v1/account) before changing shards"
            )
        body = {"cc": account["cc"], "phone_number": account["phone_number"], "shards": shards}
        status, answer = await sessions.call(uid, base_url, password, "POST", "/v1/account/shards", body)
    except (WebAppError, KeyError, TypeError) as exc:
        return Check(False, "WebAppUnreachable", str(exc))
    if status != 201:
        return Check(False, "Rejected", f"the WebApp refused {shards} shards: {answer}")
    return Check(True, "Applied", f"shards changed to {shards}")
