"""Addresses as the client's own pods see them.

Users write `postgres` or `http://minio:9000` meaning a Service in the client's namespace, which is
what the WebApp and CoreApp pods resolve. The operator runs in its own namespace, where such a short
name would not resolve (or would find a namespace-mate of the operator), so its own checks qualify
single-label host names with the client's namespace first.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def qualified_host(host: str, namespace: str) -> str:
    """`minio` → `minio.<namespace>.svc`; names with a dot, IP addresses and localhost unchanged."""
    if not host or "." in host or host == "localhost" or _is_ip(host):
        return host
    return f"{host}.{namespace}.svc"


def qualified_url(url: str, namespace: str) -> str:
    """The URL with its host qualified as by `qualified_host`; scheme, credentials, port, path kept."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    qualified = qualified_host(host, namespace)
    if qualified == host:
        return url
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = (f"{userinfo}@" if userinfo else "") + qualified
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
