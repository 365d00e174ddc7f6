"""The HTTP server cuts off clients that would hold a connection with endless or oversized headers."""

from __future__ import annotations

import socket

from tests.security.conftest import StartWebApp
from tests.tooling.waiting import eventually


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


def _still_open(sock: socket.socket) -> bool:
    """One more header line, never the blank line that ends them; False once the server hung up."""
    try:
        sock.sendall(b"X-a: b\r\n")
    except OSError:
        return False
    return True


def test_a_slowloris_client_is_cut_off_and_others_are_served(webapp: StartWebApp) -> None:
    with webapp(HTTP_HEADER_TIMEOUT="2") as process:
        silent, trickling = _connect(process.url), _connect(process.url)
        trickling.sendall(b"GET /v1/health HTTP/1.1\r\n")
        # Cut off although it keeps sending; sooner than the default timeout (10 s), so by the 2 s set.
        eventually(
            lambda: not _still_open(trickling), timeout=9, interval=0.2, what="the trickling client cut off"
        )
        with _connect(process.url) as polite:
            polite.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert _answer(polite).startswith(b"HTTP/1.1 401 "), "a normal client is still served"
        for sock in (silent, trickling):  # a connection left open would time out reading (10 s)
            with sock:
                answer = _answer(sock)
                assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:60]
