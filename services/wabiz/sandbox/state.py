"""Everything the sandbox remembers, in memory: businesses, users' windows, media, received sends,
and each business's profile, photo and two-step PIN (with the upload sessions the photo came by)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any


def new_wamid() -> str:
    return "wamid." + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class StoredMedia:
    data: bytes
    mime_type: str
    sha256: str


@dataclass(frozen=True)
class UploadSession:
    """A Resumable Upload API session: what the client announced it will send."""

    file_length: int
    file_type: str


@dataclass
class Received:
    """One distinct send; `count` > 1 means the client sent it again (at-least-once)."""

    id: str
    to: str
    type: str
    body: dict[str, Any]
    client_id: str | None
    received_at: float
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "to": self.to,
            "type": self.type,
            "body": self.body,
            "client_id": self.client_id,
            "received_at": self.received_at,
            "count": self.count,
        }


@dataclass
class SandboxState:
    verified: set[str] = field(default_factory=set)
    pending: set[str] = field(default_factory=set)
    last_inbound: dict[tuple[str, str], float] = field(default_factory=dict)
    media: dict[str, StoredMedia] = field(default_factory=dict)
    received: dict[str, Received] = field(default_factory=dict)
    read_marks: list[str] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # pnid → Cloud API fields
    photos: dict[str, StoredMedia] = field(default_factory=dict)  # photo id → the image
    photo_ids: dict[str, str] = field(default_factory=dict)  # pnid → its photo's id
    upload_sessions: dict[str, UploadSession] = field(default_factory=dict)  # "upload:…" → session
    uploaded: dict[str, StoredMedia] = field(default_factory=dict)  # handle → the uploaded file
    pins: dict[str, str] = field(default_factory=dict)  # pnid → two-step verification PIN

    def record_send(self, to: str, body: dict[str, Any]) -> Received:
        """Deduplicate on the client's id (`biz_opaque_callback_data`), as a network log would."""
        client_id = body.get("biz_opaque_callback_data")
        key = str(client_id) if client_id else new_wamid()
        existing = self.received.get(key)
        if existing:
            existing.count += 1
            return existing
        entry = Received(new_wamid(), to, str(body.get("type", "text")), body, client_id, time.time())
        self.received[key] = entry
        return entry

    def forget_received(self) -> None:
        """`POST /control/reset`: a fresh log of sends; registrations, windows and media stay."""
        self.received.clear()
        self.read_marks.clear()

    def store_media(self, data: bytes, mime_type: str) -> str:
        media_id = secrets.token_hex(16)
        self.media[media_id] = StoredMedia(data, mime_type, hashlib.sha256(data).hexdigest())
        return media_id

    def start_upload(self, session: UploadSession) -> str:
        upload_id = "upload:" + secrets.token_urlsafe(18)
        self.upload_sessions[upload_id] = session
        return upload_id

    def finish_upload(self, upload_id: str, data: bytes) -> str:
        """The handle of a completed upload; its session is used up."""
        session = self.upload_sessions.pop(upload_id)
        handle = "2:" + secrets.token_urlsafe(24)
        self.uploaded[handle] = StoredMedia(data, session.file_type, hashlib.sha256(data).hexdigest())
        return handle

    def set_photo(self, pnid: str, photo: StoredMedia) -> str:
        """Replace `pnid`'s profile photo; the new photo's id (a new id, so links never go stale)."""
        self.photos.pop(self.photo_ids.get(pnid, ""), None)
        photo_id = self.photo_ids[pnid] = secrets.token_hex(16)
        self.photos[photo_id] = photo
        return photo_id

    def summary(self, to: str | None) -> dict[str, Any]:
        entries = [r for r in self.received.values() if to is None or r.to == to]
        total = sum(r.count for r in entries)
        return {
            "messages": [r.as_dict() for r in entries],
            "total": total,
            "unique": len(entries),
            "duplicates": total - len(entries),
        }
