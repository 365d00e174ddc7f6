"""Meta's Cloud API (Graph API) wire format over one pooled aiohttp session."""

from __future__ import annotations

from typing import Any

import aiohttp

from wabiz.gateway.base import MediaInfo, Registration, UpstreamError
from wabiz.kit.errors import NotReady
from wabiz.kit.phone import is_plausible_wa_id


class CloudApiGateway:
    def __init__(
        self,
        base_url: str,
        api_version: str,
        phone_number_id: str,
        token: str,
        session: aiohttp.ClientSession,
    ) -> None:
        self._base, self._version = base_url.rstrip("/"), api_version
        self._pnid, self._session = phone_number_id, session
        self._auth = {"Authorization": f"Bearer {token}"}
        self._last_ok: bool | None = None

    def use_phone_number(self, phone_number_id: str) -> None:
        self._pnid = phone_number_id

    def _url(self, *parts: str) -> str:
        return "/".join((self._base, self._version, *parts))

    async def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            async with self._session.request(method, url, headers=self._auth, **kwargs) as answer:
                payload = await answer.json(content_type=None)
                self._last_ok = True
                if answer.status >= 400:
                    raise _error_from(answer.status, payload)
                return payload
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._last_ok = False
            raise UpstreamError(
                0, "Upstream unreachable", str(exc) or type(exc).__name__, retryable=True
            ) from exc

    async def send(self, body: dict[str, Any]) -> str:
        if not self._pnid:
            raise UpstreamError(0, "Not registered", "no phone number id yet", retryable=True)
        payload = await self._request("POST", self._url(self._pnid, "messages"), json=body)
        return str(payload["messages"][0]["id"])

    async def mark_read(self, upstream_message_id: str) -> None:
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": upstream_message_id}
        await self._request("POST", self._url(self._pnid, "messages"), json=body)

    async def upload_media(self, data: bytes, mime_type: str) -> str:
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", data, content_type=mime_type, filename="media")
        payload = await self._request("POST", self._url(self._pnid, "media"), data=form)
        return str(payload["id"])

    async def media_info(self, media_id: str) -> MediaInfo:
        payload = await self._request("GET", self._url(media_id))
        return MediaInfo(
            payload["url"], payload["mime_type"], payload.get("sha256"), payload.get("file_size")
        )

    async def download(self, url: str) -> bytes:
        try:
            async with self._session.get(url, headers=self._auth) as answer:
                if answer.status != 200:
                    raise UpstreamError(400, "Media download error", f"upstream answered {answer.status}")
                return await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamError(400, "Media download error", str(exc), retryable=True) from exc

    async def check_contacts(self, wa_ids: list[str]) -> dict[str, bool]:
        """The Cloud API has no contact check: plausible numbers count as valid (documented)."""
        return {wa_id: is_plausible_wa_id(wa_id) for wa_id in wa_ids}

    async def request_code(
        self, cc: str, phone_number: str, method: str, cert: str, pin: str | None
    ) -> Registration:
        raise NotReady("registration through the Cloud API is done in Meta's Business Manager (P1)")

    async def verify_code(self, cc: str, phone_number: str, code: str) -> Registration:
        raise NotReady("registration through the Cloud API is done in Meta's Business Manager (P1)")

    async def status(self) -> str:
        if self._last_ok is None:
            return "connecting"
        return "connected" if self._last_ok else "disconnected"


def _error_from(status: int, payload: Any) -> UpstreamError:
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    code = int(error.get("code", status))
    details = str((error.get("error_data") or {}).get("details") or error.get("message") or status)
    retryable = status >= 500 or status == 429 or code in (130429, 131016)
    return UpstreamError(code, str(error.get("message", "Upstream error")), details, retryable=retryable)
