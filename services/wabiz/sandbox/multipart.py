"""Just enough multipart/form-data parsing for the Cloud API media upload (stdlib email parser)."""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP


def form_fields(content_type: str, body: bytes) -> dict[str, tuple[bytes, str]]:
    """Field name → (bytes, content type of the part)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, tuple[bytes, str]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (payload, part.get_content_type())
    return fields
