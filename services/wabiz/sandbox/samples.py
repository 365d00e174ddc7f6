"""Small, valid sample files for simulated inbound media when a test gives no bytes."""

from __future__ import annotations

import struct
import zlib

_EXTENSIONS = {
    "image": "image/jpeg",
    "sticker": "image/webp",
    "audio": "audio/ogg",
    "voice": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "document": "application/pdf",
}


def default_mime(kind: str) -> str:
    return "image/png" if kind == "image" else _EXTENSIONS.get(kind, "application/octet-stream")


def tiny_png() -> bytes:
    """A 1×1 PNG, built rather than embedded so it is obviously just a sample."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x25\xd3\x66\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def sample_bytes(kind: str, mime_type: str) -> bytes:
    if mime_type == "image/png":
        return tiny_png()
    return f"wabiz sandbox sample {kind} ({mime_type})\n".encode() * 8
