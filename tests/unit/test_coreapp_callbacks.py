"""The CoreApp's in-memory callback queue (the database queue: tests/db/test_coreapp_callbacks.py)."""

from __future__ import annotations

from typing import Any

import pytest

from wabiz.coreapp.callbacks import MemoryQueue
from wabiz.kit.errors import Overloaded


def status(message_id: str) -> dict[str, Any]:
    return {"statuses": [{"id": message_id, "status": "delivered", "recipient_id": "1631", "timestamp": "1"}]}


def test_memory_queue_is_bounded() -> None:
    memory = MemoryQueue(bound=2)
    memory.add([(0, status("a"))])
    with pytest.raises(Overloaded):
        memory.add([(0, status("b")), (0, status("c"))])
    assert len(memory.items) == 1, "all or nothing"
