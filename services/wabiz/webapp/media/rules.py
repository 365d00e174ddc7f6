"""Which uploads are accepted and how large each may be (the limits: `kit.media_types`).

Any MIME type the network does not list is a document (100 MB, so in practice the upload cap). An
image, audio or video type the network cannot show (`image/gif`, …) is refused rather than
silently sent as a document.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass

from wabiz.kit.errors import InvalidParameter, MissingParameter, PayloadTooLarge
from wabiz.kit.media_types import KINDS, canonical, kind_and_limit

NOT_DOCUMENTS = ("image/", "audio/", "video/")
_NAME = r"[a-z0-9][a-z0-9!#$&^_.+\-]*"
_MIME = re.compile(rf"^{_NAME}/{_NAME}$")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class MediaRule:
    mime_type: str
    kind: str
    limit: int


def media_rule(content_type: str | None) -> MediaRule:
    if not content_type or not content_type.strip():
        raise MissingParameter("Content-Type is required: the media's MIME type, e.g. image/png")
    mime = canonical(content_type)
    if not _MIME.match(mime.partition(";")[0]):
        raise InvalidParameter(f"Content-Type: {content_type!r} is not a MIME type")
    kind, limit = kind_and_limit(mime)
    if kind == "document" and mime.startswith(NOT_DOCUMENTS):
        supported = ", ".join(m for m in KINDS if m.startswith(mime.split("/")[0]))
        raise InvalidParameter(f"Content-Type: {mime} is not supported; use one of {supported}")
    return MediaRule(mime, kind, limit)


def size_problem(rule: MediaRule, size: int, upload_cap: int) -> InvalidParameter | PayloadTooLarge | None:
    """Why `size` bytes of this type are refused, or None. `size` may be a lower bound.

    Over the upload cap is 413 (the request is too large whatever its type); over the type's own
    limit is 1009 (400), the contract's answer for a media file its type does not allow."""
    if size == 0:
        return InvalidParameter("the body is empty; send the media's bytes")
    if size > upload_cap:
        return PayloadTooLarge(f"uploads may be at most {upload_cap} bytes (WABIZ_MAX_UPLOAD_BYTES)")
    if size > rule.limit:
        return InvalidParameter(f"{rule.kind} ({rule.mime_type}) may be at most {rule.limit} bytes")
    return None


def download_filename(media_id: str, mime_type: str) -> str:
    """A file name safe in a `Content-Disposition` header: the id's safe characters and an extension
    guessed from the type (inbound media ids come from the network, so nothing is trusted)."""
    stem = _UNSAFE_IN_FILENAME.sub("_", media_id)[:100] or "media"
    return stem + (mimetypes.guess_extension(mime_type.partition(";")[0].strip()) or "")
