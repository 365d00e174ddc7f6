"""The HTTP client of callbacks: one POST to the business webhook, and what became of it.

The webhook URL comes from a user, so the client trusts it little: the connection goes only to
addresses the target policy allows (`kit.webhook_guard`, checked on the addresses actually used),
redirects are not followed (a redirect would lead anywhere, https to http included: it counts as
a failed delivery), and at most `ANSWER_BYTES` of the answer are read. Bodies are signed with
`WABIZ_WEBHOOK_SECRET` when one is set. An https webhook is verified against the system's
authorities plus the CA bundle an admin uploaded (`/v1/certificates/webhooks/ca`); the TLS
context is rebuilt only when that bundle changes.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp

from wabiz.kit.certificates import client_context
from wabiz.kit.signing import HEADER, sign
from wabiz.kit.webhook_guard import GuardedResolver, TargetPolicy

log = logging.getLogger(__name__)
ANSWER_BYTES = 4096
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=5)
MAX_CONNECTIONS = 256


class WebhookClient:
    def __init__(
        self, policy: TargetPolicy, secret: str | None, extra_ca: Callable[[], str | None] = lambda: None
    ) -> None:
        self._policy, self._secret, self._extra_ca = policy, secret, extra_ca
        self._tls: tuple[str | None, ssl.SSLContext] = (None, client_context(None))
        self._http = aiohttp.ClientSession(
            timeout=TIMEOUT,
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, resolver=GuardedResolver(policy)),
        )

    async def post(self, url: str, raw: bytes) -> str | None:
        """None once the webhook answered 200, else why not (never the URL: it may hold a token)."""
        refused = self._policy.literal_refusal(urlsplit(url).hostname or "")
        if refused is not None:
            return f"refused: {refused}"
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers[HEADER] = sign(self._secret, raw)
        try:
            post = self._http.post(url, data=raw, headers=headers, allow_redirects=False, ssl=self._context())
            async with post as answer:
                await _read_at_most(answer.content, ANSWER_BYTES)
                return None if answer.status == 200 else f"HTTP {answer.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"{type(exc).__name__} {getattr(exc, 'strerror', None) or ''}".strip()

    def _context(self) -> ssl.SSLContext:
        extra_ca = self._extra_ca()
        if extra_ca != self._tls[0]:
            try:
                context = client_context(extra_ca)
            except ssl.SSLError as exc:  # the WebApp checks bundles; one stored otherwise is skipped
                log.error("ignoring the webhooks' CA bundle, which does not load: %s", exc.reason)
                context = client_context(None)
            self._tls = (extra_ca, context)
        return self._tls[1]

    async def close(self) -> None:
        await self._http.close()


async def _read_at_most(content: aiohttp.StreamReader, limit: int) -> None:
    """Read a small answer to its end, so the connection can serve the next callback; a longer
    one is left unread and its connection closed instead of reused."""
    left = limit
    while left > 0 and (chunk := await content.read(left)):
        left -= len(chunk)
