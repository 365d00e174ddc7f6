"""The CoreApp's profile routes against the sandbox network (the apps and fixture of
test_coreapp_sandbox.py): what the network keeps, and what the CoreApp or the network refuses."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from tests.db.test_coreapp_sandbox import Stack, register, stack
from wabiz.kit.db import make_engine, make_sessionmaker
from wabiz.sandbox.samples import tiny_png

__all__ = ["stack"]  # the fixture of test_coreapp_sandbox.py


def refusal(answer: httpx.Response) -> tuple[int, int]:
    return answer.status_code, answer.json()["errors"][0]["code"]


async def test_nothing_before_the_number_is_registered(stack: Stack) -> None:
    assert refusal(await stack.core.get("/internal/profile")) == (503, 1011)
    assert refusal(await stack.core.post("/internal/account/two-step", json={"pin": "246810"})) == (503, 1011)


async def test_the_profile_is_the_network_s(stack: Stack) -> None:
    await register(stack)
    assert (await stack.core.get("/internal/profile")).json() == {"profile": {}}
    change = {"about": "Succulents!", "vertical": "RETAIL", "websites": ["https://example.com"]}
    assert (await stack.core.post("/internal/profile", json=change)).json() == {}
    assert (await stack.core.get("/internal/profile")).json() == {"profile": change}
    refused = await stack.core.post("/internal/profile", json={"websites": ["ftp://example.com"]})
    assert refusal(refused) == (400, 1009), "the network's refusal, in the contract's words"
    assert refusal(await stack.core.post("/internal/profile", json={"colour": "green"})) == (400, 1010)


async def test_the_photo_goes_up_and_comes_back(stack: Stack) -> None:
    await register(stack)
    assert refusal(await stack.core.get("/internal/profile/photo")) == (404, 1006)
    png = tiny_png()
    gif = await stack.core.post(
        "/internal/profile/photo", content=b"GIF89a", headers={"Content-Type": "image/gif"}
    )
    assert refusal(gif) == (400, 1009)
    answer = await stack.core.post(
        "/internal/profile/photo", content=png, headers={"Content-Type": "image/png"}
    )
    assert answer.json() == {}, answer.text
    photo = await stack.core.get("/internal/profile/photo")
    assert (photo.content, photo.headers["content-type"]) == (png, "image/png")
    assert (await stack.core.get("/internal/profile")).json()["profile"]["profile_picture_url"]
    assert refusal(await stack.core.delete("/internal/profile/photo")) == (400, 1009)


async def test_two_step_verification(stack: Stack) -> None:
    await register(stack)
    assert (await stack.core.post("/internal/account/two-step", json={"pin": "246810"})).json() == {}
    assert refusal(await stack.core.post("/internal/account/two-step", json={"pin": "2468"})) == (400, 1009)
    removal = await stack.core.delete("/internal/account/two-step")
    assert refusal(removal) == (400, 1009)
    assert "WhatsApp Manager" in removal.json()["errors"][0]["details"]


async def test_the_profile_routes_need_the_internal_token(stack: Stack) -> None:
    for method, path in (("GET", "/internal/profile"), ("DELETE", "/internal/account/two-step")):
        answer = await stack.core.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert answer.status_code == 401, path


async def _execute(stack: Stack, sql: str) -> None:
    engine = make_engine(stack.database_url, 1)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await session.execute(text(sql))
    finally:
        await engine.dispose()


async def _about_on_the_network(stack: Stack, pnid: str) -> str | None:
    answer = await stack.sandbox.get(
        f"/v21.0/{pnid}/whatsapp_business_profile", headers={"Authorization": "Bearer sandbox-token"}
    )
    assert answer.status_code == 200, answer.text
    about: str | None = answer.json()["data"][0].get("about")
    return about


async def test_a_change_goes_to_the_number_the_account_row_names_now(stack: Stack) -> None:
    """A restore replaces the row under a running CoreApp: the restored profile must reach the
    restored number at once, not the one the CoreApp spoke for at its last heartbeat."""
    await register(stack)
    other = {"cc": "1", "phone_number": "5550009999", "method": "sms", "cert": "c2FuZGJveA=="}
    assert (await stack.core.post("/internal/account", json=other)).status_code == 200
    assert (await stack.core.post("/internal/account/verify", json={"code": "123456"})).status_code == 200
    await _execute(stack, "UPDATE account SET phone_number = '5550001234' WHERE id = 1")

    assert (await stack.core.post("/internal/profile", json={"about": "Restored"})).status_code == 200
    assert await _about_on_the_network(stack, "15550001234") == "Restored"
    assert await _about_on_the_network(stack, "15550009999") is None
