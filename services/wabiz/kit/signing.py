"""`X-Hub-Signature-256`: HMAC-SHA256 of the raw body, as Meta signs webhooks."""

from __future__ import annotations

import hashlib
import hmac
import re

HEADER = "X-Hub-Signature-256"
_SHAPE = re.compile(r"sha256=[0-9a-f]{64}")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(sign(secret, body), header)


def well_formed(header: str | None) -> bool:
    """Whether the header can be a signature at all: checked before a body is worth reading."""
    return header is not None and _SHAPE.fullmatch(header) is not None
