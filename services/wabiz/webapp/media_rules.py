"""Which media types are accepted and how large each may be (contract §6)."""

from __future__ import annotations

KB, MB = 1024, 1024 * 1024

LIMITS: dict[str, tuple[str, int]] = {
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "audio/aac": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/ogg; codecs=opus": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
    "image/webp": ("sticker", 500 * KB),
}
DOCUMENT_LIMIT = 100 * MB
REFUSED_PREFIXES = ("image/", "audio/", "video/")


def canonical(content_type: str) -> str:
    """`Image/PNG ; charset=x` → `image/png`; keeps the opus codec parameter that matters."""
    base, _, params = content_type.partition(";")
    base = base.strip().lower()
    if base == "audio/ogg" and "opus" in params.lower():
        return "audio/ogg; codecs=opus"
    return base


def media_problem(content_type: str, size: int) -> str | None:
    """Why this upload is refused, or None. Unknown image/audio/video types are refused."""
    mime = canonical(content_type)
    if not mime or "/" not in mime:
        return "Content-Type must be the media's MIME type"
    if size == 0:
        return "the body is empty; send the media's bytes"
    kind, limit = LIMITS.get(mime, ("document", DOCUMENT_LIMIT))
    if kind == "document" and mime.startswith(REFUSED_PREFIXES):
        return f"{mime} is not a supported media type"
    if size > limit:
        return f"{kind} ({mime}) may be at most {limit} bytes; this one is {size}"
    return None
