"""The upstream interface: what a CoreApp needs from a WhatsApp network.

Two implementations share one wire format: `CloudApiGateway` (Meta's Cloud API) and
`SandboxGateway` (our simulator, plus its registration and contacts extensions). Callers see one
error type, `UpstreamError`, whose `retryable` flag is the only thing the sender has to decide on:
retry later (nothing is lost) or fail the message for good. Media crosses as streams of chunks in
both directions, so no size of media is ever held whole; the profile photo is the exception, a
single image of at most 5 MB, held whole on its way up and down.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol


class UpstreamError(Exception):
    """An upstream refusal or failure; `retryable` says whether sending again may succeed."""

    def __init__(self, code: int, title: str, details: str = "", retryable: bool = False) -> None:
        super().__init__(f"{code} {title}: {details}")
        self.code, self.title, self.details, self.retryable = code, title, details or title, retryable


@dataclass(frozen=True)
class MediaInfo:
    url: str
    mime_type: str
    sha256: str | None
    file_size: int | None


@dataclass(frozen=True)
class RegistrationResult:
    state: str  # "pending" (code sent) or "registered"
    vname: str | None = None


@dataclass(frozen=True)
class ProfilePhoto:
    data: bytes
    mime_type: str


class Gateway(Protocol):
    async def send(self, body: dict[str, Any]) -> str: ...
    async def mark_read(self, upstream_message_id: str) -> None: ...
    async def upload_media(self, chunks: AsyncIterable[bytes], size: int | None, mime_type: str) -> str: ...
    async def media_info(self, media_id: str) -> MediaInfo: ...
    def download(self, url: str, limit: int) -> AsyncIterator[bytes]: ...
    async def check_contacts(self, wa_ids: list[str]) -> dict[str, bool]: ...
    async def request_code(
        self, cc: str, phone_number: str, method: str, cert: str, pin: str | None
    ) -> RegistrationResult: ...
    async def verify_code(self, cc: str, phone_number: str, code: str) -> RegistrationResult: ...
    async def status(self) -> str: ...
    async def business_profile(self) -> dict[str, Any]: ...
    async def update_business_profile(self, fields: dict[str, Any]) -> None: ...
    async def upload_profile_photo(self, data: bytes, mime_type: str) -> str: ...
    async def download_profile_photo(self, url: str, limit: int) -> ProfilePhoto: ...
    async def set_pin(self, pin: str) -> None: ...
    def use_account(self, cc: str, phone_number: str) -> None: ...
