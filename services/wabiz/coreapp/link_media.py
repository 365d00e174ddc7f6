"""Outbound media sent by `link` through a media provider: fetched here, uploaded, sent by id.

The network cannot use a provider's credentials, so a link named with `provider` is fetched by
the CoreApp with them (`kit.media_providers`) and uploaded like media sent by id; a link without
a provider goes to the network as a link. The link is a user's choice, so the fetch trusts it as
little as a webhook: only addresses the webhook policy allows (`kit.webhook_guard`, checked on
the addresses connected to), no redirects (they would carry the credentials anywhere), the type
must be one the message's kind may have, and the body is capped at that type's limit while it
streams into a spooled file.
"""

from __future__ import annotations

from typing import IO
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wabiz.coreapp.media import MediaBridge
from wabiz.db import settings
from wabiz.gateway.base import UpstreamError
from wabiz.kit import media_providers
from wabiz.kit.media_providers import MediaProvider
from wabiz.kit.media_types import canonical, kind_and_limit
from wabiz.kit.streams import TooLarge, capped, spool
from wabiz.kit.webhook_guard import GuardedResolver, TargetPolicy, TargetRefused

CHUNK = 256 * 1024
# As the network's own media: minutes for 100 MB, cut off when it stalls.
TIMEOUT = aiohttp.ClientTimeout(total=900, connect=5, sock_read=60)
DOWNLOAD_ERROR = 131052  # the Cloud API's "media download error": failed status 400 for clients


def _failed(details: str, retryable: bool = False) -> UpstreamError:
    return UpstreamError(DOWNLOAD_ERROR, "Media download error", details, retryable=retryable)


class LinkMedia:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], media: MediaBridge, policy: TargetPolicy
    ) -> None:
        self._sessions, self._media, self._policy = sessions, media, policy
        self._http = aiohttp.ClientSession(
            timeout=TIMEOUT, connector=aiohttp.TCPConnector(limit=64, resolver=GuardedResolver(policy))
        )

    async def upstream_id(self, link: str, provider_name: str, kind: str) -> str:
        """The network's id for the media at `link`, fetched with the provider's credentials."""
        provider = await self._provider(provider_name)
        return await self._media.upload_fetched(lambda into: self._fetch(link, provider, kind, into))

    async def _provider(self, name: str) -> MediaProvider:
        async with self._sessions.begin() as session:
            stored = await settings.overrides(session, name=settings.MEDIA_PROVIDERS)
        provider = media_providers.named(media_providers.stored(stored), name)
        if provider is None:  # deleted after the message was accepted
            raise _failed(f"no media provider named {name!r}")
        return provider

    async def _fetch(self, link: str, provider: MediaProvider, kind: str, into: IO[bytes]) -> tuple[str, int]:
        """Stream the link into `into`: its MIME type and size."""
        refused = self._policy.literal_refusal(urlsplit(link).hostname or "")
        if refused is not None:
            raise _failed(f"the link is refused: {refused}")
        headers = {"Authorization": media_providers.authorization(provider)}
        try:
            async with self._http.get(link, headers=headers, allow_redirects=False) as answer:
                if answer.status != 200:
                    retryable = answer.status >= 500 or answer.status == 429
                    raise _failed(f"the link answered HTTP {answer.status}", retryable)
                mime = canonical(answer.headers.get("Content-Type", "application/octet-stream"))
                limit = limit_for(kind, mime)
                if (answer.content_length or 0) > limit:
                    raise TooLarge(limit)
                copied = await spool(capped(answer.content.iter_chunked(CHUNK), limit), into)
        except TooLarge as exc:
            raise _failed(f"the {kind} at the link is larger than {exc.limit} bytes") from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, TargetRefused):  # an address the policy refuses: for good
                raise _failed(f"the link is refused: {exc.os_error.strerror}") from None
            raise _failed(f"fetching the link failed: {exc.os_error.strerror}", retryable=True) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:  # the reason, never the link: it may hold a token
            raise _failed(f"fetching the link failed: {type(exc).__name__}", retryable=True) from exc
        return mime, copied.size

    async def close(self) -> None:
        await self._http.close()


def limit_for(kind: str, mime: str) -> int:
    """The size limit of media of this type sent as `kind`; refused when the kind cannot be it."""
    sent_as, limit = kind_and_limit(mime)
    if sent_as != kind and kind != "document":
        raise _failed(f"the link's type {mime} cannot be sent as {kind}")
    return limit
