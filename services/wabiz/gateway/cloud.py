"""Meta's Cloud API (Graph API) wire format over the node's one pooled aiohttp session.

Every answer is read whole and parsed here, so callers never see aiohttp or JSON errors: a
refusal becomes an `UpstreamError` carrying the Cloud error code, and anything that may pass
(5xx, throttling, timeouts, refused connections, a garbled answer) is marked retryable. Media is
the exception: it streams, uploads from the store's chunks and downloads capped at the limit of
its type, refused from the declared length when there is one.

The business profile lives on the phone number (`/{pnid}/whatsapp_business_profile`); its photo
goes up through the Graph API's Resumable Upload API (`/app/uploads`, then the bytes to the
session), whose handle the profile then takes as `profile_picture_handle`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import aiohttp
import orjson
from aiohttp.payload import AsyncIterablePayload

from wabiz.gateway.base import MediaInfo, ProfilePhoto, RegistrationResult, UpstreamError
from wabiz.kit.errors import NotReady
from wabiz.kit.phone import is_plausible_wa_id
from wabiz.kit.streams import TooLarge, capped, read_at_most

# Cloud API codes that mean "not now" rather than "never": throughput exceeded, service unavailable.
RETRYABLE_CODES = frozenset({4, 80007, 130429, 131016})
MEDIA_CHUNK = 256 * 1024
PROFILE_FIELDS = "about,address,description,email,profile_picture_url,websites,vertical"
# 100 MB at a slow but steady pace takes minutes; a transfer that stalls is cut off by sock_read.
MEDIA_TIMEOUT = aiohttp.ClientTimeout(total=900, connect=5, sock_read=60)


class _Streamed(AsyncIterablePayload):
    """A form part streamed from chunks; its known size keeps the request's Content-Length."""

    def __init__(self, chunks: AsyncIterable[bytes], size: int | None, content_type: str) -> None:
        super().__init__(chunks, content_type=content_type)
        self._size = size


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

    def use_account(self, cc: str, phone_number: str) -> None:
        """The registered number, named by its digits (as the sandbox does; a Cloud API client is
        configured with its phone number id instead)."""
        self._pnid = f"{cc}{phone_number}"

    def _url(self, *parts: str) -> str:
        return "/".join((self._base, self._version, *parts))

    async def _request(
        self, method: str, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            async with self._session.request(
                method, url, headers=self._auth | (headers or {}), **kwargs
            ) as answer:
                status, raw = answer.status, await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._last_ok = False
            raise UpstreamError(
                0, "Upstream unreachable", str(exc) or type(exc).__name__, retryable=True
            ) from exc
        self._last_ok = True
        payload = _json_object(raw)
        if status >= 400:
            raise error_from(status, payload)
        if payload is None:
            raise UpstreamError(0, "Unexpected upstream answer", f"HTTP {status}, not JSON", retryable=True)
        return payload

    async def send(self, body: dict[str, Any]) -> str:
        if not self._pnid:
            raise UpstreamError(0, "Not registered", "no phone number id yet", retryable=True)
        payload = await self._request("POST", self._url(self._pnid, "messages"), json=body)
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages or "id" not in messages[0]:
            raise UpstreamError(0, "Unexpected upstream answer", "no messages[0].id", retryable=True)
        return str(messages[0]["id"])

    async def mark_read(self, upstream_message_id: str) -> None:
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": upstream_message_id}
        await self._request("POST", self._url(self._pnid, "messages"), json=body)

    async def upload_media(self, chunks: AsyncIterable[bytes], size: int | None, mime_type: str) -> str:
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", _Streamed(chunks, size, mime_type), content_type=mime_type, filename="media")
        payload = await self._request(
            "POST", self._url(self._pnid, "media"), data=form, timeout=MEDIA_TIMEOUT
        )
        return str(required_field(payload, "id"))

    async def media_info(self, media_id: str) -> MediaInfo:
        payload = await self._request("GET", self._url(media_id))
        return MediaInfo(
            str(required_field(payload, "url")),
            str(payload.get("mime_type") or "application/octet-stream"),
            payload.get("sha256"),
            payload.get("file_size"),
        )

    async def download(self, url: str, limit: int) -> AsyncIterator[bytes]:
        """The media's bytes; refused for good past `limit` (its type's limit), before reading
        a byte when the declared length says so."""
        try:
            async with self._session.get(url, headers=self._auth, timeout=MEDIA_TIMEOUT) as answer:
                if answer.status != 200:
                    raise UpstreamError(131052, "Media download error", f"upstream answered {answer.status}")
                if (answer.content_length or 0) > limit:
                    raise TooLarge(limit)
                async for chunk in capped(answer.content.iter_chunked(MEDIA_CHUNK), limit):
                    yield chunk
        except TooLarge:
            raise UpstreamError(
                131052,
                "Media download error",
                f"the media is larger than the {limit} bytes its type may have",
            ) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamError(131052, "Media download error", str(exc), retryable=True) from exc

    async def check_contacts(self, wa_ids: list[str]) -> dict[str, bool]:
        """The Cloud API has no contact check: plausible numbers count as valid (documented)."""
        return {wa_id: is_plausible_wa_id(wa_id) for wa_id in wa_ids}

    async def request_code(
        self, cc: str, phone_number: str, method: str, cert: str, pin: str | None
    ) -> RegistrationResult:
        raise NotReady("registration through the Cloud API is done in Meta's Business Manager (P1)")

    async def verify_code(self, cc: str, phone_number: str, code: str) -> RegistrationResult:
        raise NotReady("registration through the Cloud API is done in Meta's Business Manager (P1)")

    async def business_profile(self) -> dict[str, Any]:
        """The profile's fields (Cloud API names; those never set are absent)."""
        payload = await self._request(
            "GET", self._url(self._pnid, "whatsapp_business_profile"), params={"fields": PROFILE_FIELDS}
        )
        data = required_field(payload, "data")
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise UpstreamError(0, "Unexpected upstream answer", "no data[0] profile", retryable=True)
        return {key: value for key, value in data[0].items() if key != "messaging_product"}

    async def update_business_profile(self, fields: dict[str, Any]) -> None:
        body = {"messaging_product": "whatsapp"} | fields
        await self._request("POST", self._url(self._pnid, "whatsapp_business_profile"), json=body)

    async def upload_profile_photo(self, data: bytes, mime_type: str) -> str:
        """The photo through the Resumable Upload API, in one piece: its handle."""
        session = await self._request(
            "POST",
            self._url("app", "uploads"),
            params={"file_length": str(len(data)), "file_type": mime_type},
        )
        # The session id may carry its own query (`upload:…?sig=…`): part of the URL as given.
        uploaded = await self._request(
            "POST",
            self._url(str(required_field(session, "id"))),
            headers={"file_offset": "0", "Content-Type": mime_type},
            data=data,
            timeout=MEDIA_TIMEOUT,
        )
        return str(required_field(uploaded, "h"))

    async def download_profile_photo(self, url: str, limit: int) -> ProfilePhoto:
        """The photo behind `profile_picture_url`: a public link on the network's CDN, so it is
        fetched without our token, which is not that host's business."""
        try:
            async with self._session.get(url, timeout=MEDIA_TIMEOUT) as answer:
                if answer.status != 200:
                    raise UpstreamError(0, "Profile photo unavailable", f"its URL answered {answer.status}")
                if (answer.content_length or 0) > limit:
                    raise TooLarge(limit)
                data = await read_at_most(answer.content.iter_chunked(MEDIA_CHUNK), limit)
                return ProfilePhoto(data, answer.content_type or "image/jpeg")
        except TooLarge:
            raise UpstreamError(0, "Profile photo unavailable", f"larger than {limit} bytes") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamError(0, "Profile photo unavailable", str(exc), retryable=True) from exc

    async def set_pin(self, pin: str) -> None:
        """Two-step verification: sets the PIN, or changes it."""
        await self._request("POST", self._url(self._pnid), json={"pin": pin})

    async def status(self) -> str:
        if self._last_ok is None:
            return "connecting"
        return "connected" if self._last_ok else "disconnected"


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        parsed = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def required_field(payload: dict[str, Any], key: str) -> Any:
    if key not in payload:
        raise UpstreamError(0, "Unexpected upstream answer", f"no '{key}' in the answer", retryable=True)
    return payload[key]


def error_from(status: int, payload: dict[str, Any] | None) -> UpstreamError:
    """The Cloud error JSON (`{"error": {code, message, error_data: {details}}}`) as an UpstreamError."""
    error = payload.get("error") if payload else None
    if not isinstance(error, dict):
        error = {}
    code = error.get("code")
    code = code if isinstance(code, int) else status
    title = str(error.get("message") or f"HTTP {status}")
    data = error.get("error_data")
    details = str((data.get("details") if isinstance(data, dict) else None) or title)
    retryable = status >= 500 or status == 429 or code in RETRYABLE_CODES
    return UpstreamError(code, title, details, retryable=retryable)
