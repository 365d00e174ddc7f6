"""The life of a client's reconcile loop (its passes: the cluster tier)."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest

from wabiz_operator.loops import ClientLoop
from wabiz_operator.metrics import Metrics
from wabiz_operator.reconcile import Context
from wabiz_operator.scheduling import Result, Timing


async def test_a_loop_stops_when_cancelled_as_its_spec_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client deleted in the same turn as a spec change wakes its loop and cancels it at once; the
    loop must still end (asyncio.wait_for on 3.11 swallowed that cancel and the loop lived on)."""

    async def settled(_: ClientLoop) -> Result:
        return Result.SETTLED

    monkeypatch.setattr(ClientLoop, "once", settled)
    body = {"metadata": {"namespace": "shop", "name": "client", "uid": "u1", "generation": 1}}
    loop = ClientLoop(cast(Context, None), Timing(), Metrics(), body)  # the context serves only passes
    await asyncio.sleep(0.01)  # one pass done, the loop waits for the next
    loop.update({"metadata": {**body["metadata"], "generation": 2}})
    loop.task.cancel()
    done, _ = await asyncio.wait({loop.task}, timeout=5)
    assert done and loop.task.cancelled(), "the loop ended with the cancel"
