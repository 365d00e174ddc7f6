"""Free loopback ports for local processes."""

from __future__ import annotations

import socket


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def pick(preferred: int | None = None, host: str = "127.0.0.1", taken: frozenset[int] = frozenset()) -> int:
    """The preferred port when free, else one the kernel hands out; never one of `taken`.

    A port is only picked here, and bound later by the process it is for: the kernel may hand
    the same free port out twice meanwhile. A stack passes the ports it picked already, or two
    of its components could be given one port, and the second would find the first listening.
    """
    if preferred and preferred not in taken and is_free(preferred, host):
        return preferred
    while True:
        with socket.socket() as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in taken:
            return port
