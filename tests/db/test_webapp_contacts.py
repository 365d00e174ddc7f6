"""`POST /v1/contacts`: the 7-day cache, wait / no_wait, and what reaches the CoreApp."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.db.webapp_harness import (
    FakeCoreApp,
    Running,
    error,
    registered_coreapp,
)
from tests.tooling.waiting import eventually_async

VERDICTS = (200, {"valid": {"16315551181": True, "16315550000": False}})


@pytest.fixture
async def coreapp(run: Running) -> AsyncIterator[FakeCoreApp]:
    async with registered_coreapp(run, {("POST", "/internal/contacts"): VERDICTS}) as fake:
        yield fake


async def _check(
    run: Running, headers: dict[str, str], contacts: list[str], **options: Any
) -> list[dict[str, str]]:
    body = {"blocking": "wait", "contacts": contacts} | options
    answer = await run.client.post("/v1/contacts", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, str]] = answer.json()["contacts"]
    return results


async def test_wait_checks_caches_and_remembers(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    given = ["+1 631-555-1181", "+1 631-555-0000", "12", "abc", "1 (631) 555 1181"]
    assert await _check(run, headers, given) == [
        {"input": "+1 631-555-1181", "status": "valid", "wa_id": "16315551181"},
        {"input": "+1 631-555-0000", "status": "invalid"},
        {"input": "12", "status": "invalid"},
        {"input": "abc", "status": "invalid"},
        {"input": "1 (631) 555 1181", "status": "valid", "wa_id": "16315551181"},
    ]
    assert coreapp.requests[-1][3] == {"wa_ids": ["16315550000", "16315551181"]}, (
        "only dialable numbers, once"
    )
    stored = await run.sql("SELECT wa_id, valid FROM contacts ORDER BY wa_id")
    assert [tuple(row) for row in stored] == [("16315550000", False), ("16315551181", True)]

    assert (await _check(run, headers, ["+16315551181"]))[0]["status"] == "valid"
    assert len(coreapp.requests) == 1, "answered from the cache"
    await _check(run, headers, ["+16315551181"], force_check=True)
    assert len(coreapp.requests) == 2, "force_check asks again"

    send = {"to": "16315550000", "type": "text", "text": {"body": "x"}}
    assert error(await run.client.post("/v1/messages", headers=headers, json=send))[:2] == (400, 1013)


async def test_a_number_without_a_verdict_failed(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    results = await _check(run, headers, ["+1 212 555 0100"])
    assert results == [{"input": "+1 212 555 0100", "status": "failed"}]


async def test_no_wait_answers_processing_and_checks_in_the_background(
    run: Running, headers: dict[str, str], coreapp: FakeCoreApp
) -> None:
    results = await _check(run, headers, ["+1 631-555-1181"], blocking="no_wait")
    assert results == [{"input": "+1 631-555-1181", "status": "processing"}]
    await eventually_async(lambda: run.sql("SELECT wa_id FROM contacts"), what="the checked contact stored")
    assert (await _check(run, headers, ["+1 631-555-1181"], blocking="no_wait"))[0]["status"] == "valid"


async def test_without_a_coreapp_a_check_is_1011(run: Running, headers: dict[str, str]) -> None:
    body = {"blocking": "wait", "contacts": ["+16315551181"]}
    assert error(await run.client.post("/v1/contacts", headers=headers, json=body))[:2] == (503, 1011)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"blocking": "wait"}, 1008, "contacts"),
        ({"blocking": "later", "contacts": ["+16315551181"]}, 1009, "blocking"),
        ({"blocking": "wait", "contacts": "+16315551181"}, 1009, "contacts"),
        ({"blocking": "wait", "contacts": []}, 1009, "contacts"),
        ({"blocking": "wait", "contacts": [16315551181]}, 1009, "contacts[0]"),
        ({"blocking": "wait", "contacts": ["1"] * 1001}, 1009, "contacts"),
        ({"blocking": "wait", "contacts": ["+16315551181"], "force_check": "yes"}, 1009, "force_check"),
        ({"blocking": "wait", "contacts": ["+16315551181"], "extra": 1}, 1010, "extra"),
    ],
)
async def test_bad_input(
    run: Running, headers: dict[str, str], body: dict[str, Any], code: int, field: str
) -> None:
    status, got, details = error(await run.client.post("/v1/contacts", headers=headers, json=body))
    assert (status, got) == (400, code)
    assert details.startswith(field), details
