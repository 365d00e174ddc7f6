"""Media types the network knows and how large each may be (contract §6).

Types the network knows as image, audio, video or sticker have their own limits; any other MIME
type is a document (100 MB). The WebApp refuses uploads over these limits; the CoreApp refuses
to download inbound media over them, so the network cannot make it store more than a customer
could have sent.
"""

from __future__ import annotations

from typing import Literal, get_args

# The two directions know different kinds: a business sends image, video, audio, document or
# sticker (contract §5), while users also send voice notes, which arrive as `voice` (§9) and may be
# auto-downloaded like any other inbound media (§7).
SENDABLE_MEDIA = frozenset({"image", "video", "audio", "document", "sticker"})
ReceivedMedia = Literal["image", "audio", "video", "document", "voice", "sticker"]
RECEIVED_MEDIA = frozenset(get_args(ReceivedMedia))

KB, MB = 1024, 1024 * 1024
OPUS = "audio/ogg; codecs=opus"
KINDS: dict[str, tuple[str, int]] = {
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "audio/aac": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    OPUS: ("audio", 16 * MB),
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
    "image/webp": ("sticker", 500 * KB),  # animated stickers; static ones are meant to be ≤ 100 KB
}
DOCUMENT_LIMIT = 100 * MB
# The business's profile photo: an image the network shows, at most as large as any image.
PROFILE_PHOTO_TYPES = ("image/jpeg", "image/png")
PROFILE_PHOTO_LIMIT = 5 * MB
# A type the network may send but we do not list keeps the limit of its family.
_FAMILY_LIMITS = {"image/": 5 * MB, "audio/": 16 * MB, "video/": 16 * MB}


def canonical(content_type: str) -> str:
    """`Image/PNG; charset=x` → `image/png`; keeps the one parameter that matters (opus)."""
    base, _, params = content_type.partition(";")
    base = base.strip().lower()
    if base == "audio/ogg" and "opus" in params.lower():
        return OPUS
    return base


def kind_and_limit(mime_type: str) -> tuple[str, int]:
    """What media of this type is sent as, and its limit; an unlisted type is a document."""
    return KINDS.get(canonical(mime_type), ("document", DOCUMENT_LIMIT))


def download_limit(mime_type: str) -> int:
    """The most bytes inbound media of this type may have."""
    mime = canonical(mime_type)
    if mime in KINDS:
        return KINDS[mime][1]
    family = next((limit for prefix, limit in _FAMILY_LIMITS.items() if mime.startswith(prefix)), None)
    return family or DOCUMENT_LIMIT
