"""What the garbage collectors answer and post: the On-Premises shapes, as plain functions.

The PUT answers at once that the collection is `processing`; when it ends, a callback tells the
business's webhook how it went, keyed by the collection's kind (`media`, `message`) and counting
what was deleted under the original's names (`items_deleted`, `messages_deleted`).
"""

from __future__ import annotations

from typing import Any, Literal

from wabiz.kit.errors import InternalError

Kind = Literal["media", "message"]
COUNTED_AS: dict[Kind, str] = {"media": "items_deleted", "message": "messages_deleted"}


def processing(kind: Kind) -> dict[str, Any]:
    """The `services` payload of the PUT's answer."""
    return {kind: {"gc": {"status": "processing"}}}


def completed(kind: Kind, deleted: int) -> dict[str, Any]:
    """The callback of a collection that ran to its end."""
    return {"services": [{kind: {"gc": {COUNTED_AS[kind]: deleted, "status": "complete"}}}]}


def failed(kind: Kind, deleted: int, details: str) -> dict[str, Any]:
    """The callback of a collection that stopped early; what it deleted before stays deleted."""
    error = InternalError(details).to_dict()
    return {"services": [{kind: {"gc": {COUNTED_AS[kind]: deleted, "errors": [error], "status": "failed"}}}]}
