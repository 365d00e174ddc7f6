"""Probes of the real processes: the raw HTTP a hostile client sends, and a process's memory.

A hostile sender does not wait to be asked: it streams its body while the server may already have
answered. `post_streaming` does the same over a plain socket and reports how much of the body the
server took before answering. Memory is the kernel's view of the real process (`/proc/PID/status`):
`VmHWM`, the peak resident set, is reset first (`clear_refs` 5) so the peak is that of the probe.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

MIB = 1024 * 1024
CHUNK = 64 * 1024
STREAM_TIMEOUT_S = 120  # a whole hostile upload on a busy machine
ANSWER_TIMEOUT_S = 10  # an answer that needs no body


@dataclass
class RawAnswer:
    status: int
    body: bytes
    sent: int  # body bytes written before the server answered or stopped reading


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection without an answer")
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return int(status_line.split()[1]), await reader.readexactly(length)


def _frame(data: bytes, chunked: bool) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if chunked else data


def _open(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"


def _head(host: str, port: int, path: str, framing: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", framing]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def headers_only(url: str, headers: dict[str, str], declared: int) -> int:
    """Send a POST's headers declaring `declared` body bytes, never the body; the answer's status."""
    host, port, path = _open(url)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(_head(host, port, path, f"Content-Length: {declared}", headers))
        await writer.drain()
        async with asyncio.timeout(ANSWER_TIMEOUT_S):
            status, _ = await _read_answer(reader)
    finally:
        writer.close()
    return status


async def post_streaming(url: str, headers: dict[str, str], total: int, chunked: bool = False) -> RawAnswer:
    """POST `total` bytes to `url` (declared by Content-Length, or chunked), reading the answer
    while still sending, as a client that does not care what the server wants would."""
    host, port, path = _open(url)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        async with asyncio.timeout(STREAM_TIMEOUT_S):
            answer = asyncio.create_task(_read_answer(reader))
            writer.write(_head(host, port, path, framing, headers))
            with contextlib.suppress(ConnectionError):
                while sent < total and not answer.done():
                    piece = b"x" * min(CHUNK, total - sent)
                    writer.write(_frame(piece, chunked))
                    await writer.drain()
                    sent += len(piece)
                    await asyncio.sleep(0)  # drain() need not yield: let the answer be read
                if chunked and not answer.done():
                    writer.write(b"0\r\n\r\n")
                    await writer.drain()
            status, body = await answer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return RawAnswer(status, body, sent)


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(f"{field} not in /proc/{pid}/status")


@dataclass
class PeakGrowth:
    """How far a process's resident memory rose above where it stood when the probe began."""

    pid: int
    baseline: int = 0
    peak: int = 0

    @property
    def mib(self) -> float:
        return (self.peak - self.baseline) * 1024 / MIB

    def __str__(self) -> str:
        return f"peak RSS {self.peak / 1024:.0f} MiB, {self.mib:.1f} MiB above {self.baseline / 1024:.0f} MiB"


@contextlib.contextmanager
def peak_growth(pid: int) -> Iterator[PeakGrowth]:
    """Measure the peak RSS of process `pid` during the block (Linux)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    growth = PeakGrowth(pid, baseline=_status_kib(pid, "VmRSS"))
    yield growth
    growth.peak = _status_kib(pid, "VmHWM")
