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


def tiny_pdf() -> bytes:
    """A one-page empty PDF with a correct cross-reference table, so PDF readers open it."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def sample_bytes(kind: str, mime_type: str) -> bytes:
    """A real file for PNG and PDF; for other types labelled placeholder bytes (documented)."""
    if mime_type == "image/png":
        return tiny_png()
    if mime_type == "application/pdf":
        return tiny_pdf()
    return f"wabiz sandbox sample {kind} ({mime_type})\n".encode() * 8
