"""Which addresses callbacks may reach: the CoreApp posts wherever an admin points the webhook.

Whoever may change the settings could otherwise make the CoreApp call the cloud's metadata
service or any internal address (SSRF). A webhook host must therefore be, and resolve only to,
public addresses, with two exceptions an operator chooses:

- development mode (`WABIZ_DEV_MODE`) also allows loopback, for the local reference receiver;
- `WABIZ_WEBHOOK_ALLOW_PRIVATE` lists networks (CIDR, comma-separated) a business runs its
  receiver in, e.g. a cluster's Service range `10.96.0.0/12`.

The cloud metadata addresses (169.254.0.0/16, fd00:ec2::254) are refused whatever is configured.
The URL is checked when it is set, and again at every delivery on the very addresses the
connection then uses (`GuardedResolver`), because a name may resolve elsewhere later (DNS
rebinding).
"""

from __future__ import annotations

import asyncio
import errno
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

METADATA: tuple[Network, ...] = (ip_network("169.254.0.0/16"), ip_network("fd00:ec2::254/128"))
_NAT64 = ip_network("64:ff9b::/96")
RESOLVE_TIMEOUT_S = 3.0


def parse_networks(text: str) -> tuple[Network, ...]:
    """`"10.96.0.0/12, fd00::/8"` → networks; ValueError naming the entry that is not one."""
    networks = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not a network (CIDR such as 10.96.0.0/12)") from None
    return tuple(networks)


def _unwrapped(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries (mapped, NAT64), which is where it really leads."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _kind(address: Address) -> str:
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return "not a public address"


@dataclass(frozen=True)
class TargetPolicy:
    allow_loopback: bool = False
    allowed: tuple[Network, ...] = ()

    def refusal(self, address: Address) -> str | None:
        """Why callbacks may not go to `address`, or None when they may."""
        address = _unwrapped(address)
        if any(address in network for network in METADATA):
            return f"{address} is a cloud metadata address"
        if any(address in network for network in self.allowed):
            return None
        if address.is_loopback and self.allow_loopback:
            return None
        if address.is_global and not address.is_multicast:
            return None
        return f"{address} is {_kind(address)} (allow its network with WABIZ_WEBHOOK_ALLOW_PRIVATE)"

    def literal_refusal(self, host: str) -> str | None:
        """The refusal of a host written as an IP address; None for a name (resolved later)."""
        try:
            address = ip_address(host.strip("[]").split("%")[0])
        except ValueError:
            return None
        return self.refusal(address)


async def url_refusal(url: str, policy: TargetPolicy) -> str | None:
    """Why a webhook URL is refused when it is set: its host, or any address it resolves to now.

    A name that does not resolve yet is accepted: every delivery checks it again.
    """
    host = urlsplit(url).hostname
    if not host:
        return "the URL has no host"
    if (problem := policy.literal_refusal(host)) is not None:
        return problem
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        return None
    for info in infos:
        if problem := policy.refusal(ip_address(str(info[4][0]).split("%")[0])):
            return f"{host} resolves to {problem}"
    return None


class TargetRefused(OSError):
    """Raised by the resolver; aiohttp reports it as a connection error with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, reason)


class GuardedResolver(AbstractResolver):
    """Name resolution for callback connections (and media provider fetches): aiohttp connects to
    exactly the addresses this returns, so the addresses checked are the addresses used."""

    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if problem := self._policy.refusal(ip_address(result["host"].split("%")[0])):
                raise TargetRefused(f"host {host} resolves to {problem}")
        return results

    async def close(self) -> None:
        await self._inner.close()
