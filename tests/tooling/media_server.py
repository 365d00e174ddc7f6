"""A file behind HTTP Basic auth, as a business's media server serves it to a media provider.

A plain threaded server, so synchronous stack tests and asynchronous ones can both use it: the
right credentials get the bytes with their type, anything else 401; every Authorization header
seen is kept.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ProtectedMedia:
    url: str = ""
    authorizations: list[str | None] = field(default_factory=list)


@contextmanager
def protected_media(body: bytes, content_type: str, username: str, password: str) -> Iterator[ProtectedMedia]:
    served = ProtectedMedia()
    expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            given = self.headers.get("Authorization")
            served.authorizations.append(given)
            ok = given == expected
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", content_type if ok else "text/plain")
            self.send_header("Content-Length", str(len(body) if ok else 0))
            self.end_headers()
            if ok:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test asserts on what it needs."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/media/photo.png"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
