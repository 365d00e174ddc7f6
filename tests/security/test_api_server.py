"""The HTTP server cuts off clients that would hold a connection with endless or oversized headers."""

from __future__ import annotations

import socket
import time

from tests.security.conftest import StartWebApp


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_oversized_headers_are_431(webapp: StartWebApp) -> None:
    with webapp() as process, _connect(process.url) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + b"X-Padding: " + b"a" * 20_000 + b"\r\n\r\n")
        assert _answer(sock).startswith(b"HTTP/1.1 431 ")
    with webapp(HTTP_MAX_HEADER_BYTES="2048") as process, _connect(process.url) as sock:
        sock.sendall(b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _answer(sock).startswith(b"HTTP/1.1 431 "), "the request line counts too"


def test_a_slowloris_client_is_cut_off_and_others_are_served(webapp: StartWebApp) -> None:
    with webapp(HTTP_HEADER_TIMEOUT="2") as process:
        silent, trickling = _connect(process.url), _connect(process.url)
        started = time.monotonic()
        trickling.sendall(b"GET /v1/health HTTP/1.1\r\n")
        while time.monotonic() - started < 4:
            try:
                trickling.sendall(b"X-a: b\r\n")  # a header line every 0.2 s, never the blank line
            except OSError:
                break
            time.sleep(0.2)
        with _connect(process.url) as polite:
            polite.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert _answer(polite).startswith(b"HTTP/1.1 401 "), "a normal client is still served"
        for sock in (silent, trickling):
            with sock:
                answer = _answer(sock)
                assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:60]
        assert time.monotonic() - started < 6, "both were closed about 2 s after they connected"
