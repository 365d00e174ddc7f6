"""Which uploads are accepted and how large each may be (the limits: `kit.media_types`).

Any MIME type the network does not list is a document (100 MB, so in practice the upload cap). An
image, audio or video type the network cannot show (`image/gif`, …) is refused rather than
silently sent as a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wabiz.kit.errors import InvalidParameter, MissingParameter
from wabiz.kit.media_types import DOCUMENT_LIMIT, KINDS, canonical

NOT_DOCUMENTS = ("image/", "audio/", "video/")
_NAME = r"[a-z0-9][a-z0-9!#$&^_.+\-]*"
_MIME = re.compile(rf"^{_NAME}/{_NAME}$")


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
    kind, limit = KINDS.get(mime, ("document", DOCUMENT_LIMIT))
    if kind == "document" and mime.startswith(NOT_DOCUMENTS):
        supported = ", ".join(m for m in KINDS if m.startswith(mime.split("/")[0]))
        raise InvalidParameter(f"Content-Type: {mime} is not supported; use one of {supported}")
    return MediaRule(mime, kind, limit)


def size_problem(rule: MediaRule, size: int, upload_cap: int) -> InvalidParameter | None:
    """Why `size` bytes of this type are refused, or None. `size` may be a lower bound."""
    if size == 0:
        return InvalidParameter("the body is empty; send the media's bytes")
    if size > rule.limit:
        return InvalidParameter(f"{rule.kind} ({rule.mime_type}) may be at most {rule.limit} bytes")
    if size > upload_cap:
        return InvalidParameter(f"uploads may be at most {upload_cap} bytes (WABIZ_MAX_UPLOAD_BYTES)")
    return None
