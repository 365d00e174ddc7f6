"""The HTTP protocol under every wabiz app (`kit.httpapp.serve`): httptools, plus the limits it lacks.

uvicorn's httptools protocol keeps no bound on a request's header bytes and no deadline for
them: a client may send headers forever, one byte at a time (slowloris), holding a connection and
its buffers open. `LimitedHttpTools` counts the request line and header bytes (431 beyond
`max_header_bytes`) and closes a connection whose request headers are not complete within
`header_timeout` seconds of its first byte, or of the connection's opening (408). Bodies are
bounded by each endpoint (JSON cap, upload cap); an idle keep-alive connection by uvicorn itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@dataclass(frozen=True)
class ServerLimits:
    max_header_bytes: int = 16 * 1024
    header_timeout: float = 10.0
    # Addresses whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's
    # forwarded_allow_ips); empty: none, the peer's address is the client's.
    trusted_proxies: str = ""


def _closing_answer(status: bytes, reason: str) -> bytes:
    body = reason.encode()
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body
    )


class LimitedHttpTools(HttpToolsProtocol):
    max_header_bytes = ServerLimits.max_header_bytes
    header_timeout = ServerLimits.header_timeout

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes = 0
        self._header_deadline: asyncio.TimerHandle | None = None
        self._headers_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.write(_closing_answer(b"408 Request Timeout", "request headers took too long"))
            self.transport.close()

    def _count_header_bytes(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            self._headers_too_large = True
            raise ValueError("request headers too large")  # stops the parser; answered below

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a parser error, which is what the header limit raises."""
        if not self._headers_too_large:
            super().send_400_response(msg)
            return
        self._disarm_header_deadline()
        answer = f"request line and headers may be at most {self.max_header_bytes} bytes"
        self.transport.write(_closing_answer(b"431 Request Header Fields Too Large", answer))
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._arm_header_deadline()

    def on_url(self, url: bytes) -> None:
        self._count_header_bytes(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header_bytes(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()


def limited_protocol(limits: ServerLimits) -> type[LimitedHttpTools]:
    return type(
        "LimitedHttpTools",
        (LimitedHttpTools,),
        {"max_header_bytes": limits.max_header_bytes, "header_timeout": limits.header_timeout},
    )
