"""`/v1/groups…`: every route of the removed Groups API answers 410 (1410), documented as such."""

from __future__ import annotations

import pytest

from tests.db.webapp_harness import Running, error

ROUTES = [
    ("GET", "/v1/groups"),
    ("POST", "/v1/groups"),
    ("GET", "/v1/groups/1234-5678"),
    ("PUT", "/v1/groups/1234-5678"),
    ("GET", "/v1/groups/1234-5678/invite"),
    ("DELETE", "/v1/groups/1234-5678/invite"),
    ("DELETE", "/v1/groups/1234-5678/participants"),
    ("PATCH", "/v1/groups/1234-5678/admins"),
    ("DELETE", "/v1/groups/1234-5678/admins"),
    ("POST", "/v1/groups/1234-5678/leave"),
    ("GET", "/v1/groups/1234-5678/icon"),
    ("POST", "/v1/groups/1234-5678/icon"),
    ("DELETE", "/v1/groups/1234-5678/icon"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_groups_route_says_the_feature_was_removed(
    run: Running, headers: dict[str, str], method: str, path: str
) -> None:
    answer = await run.client.request(method, path, headers=headers, json={"subject": "Team"})
    status, code, details = error(answer)
    assert (status, code) == (410, 1410)
    assert answer.json()["errors"][0]["title"] == "Feature removed"
    assert "Groups API was removed" in details


async def test_credentials_come_first(run: Running) -> None:
    assert error(await run.client.get("/v1/groups"))[:2] == (401, 1005)


async def test_the_removal_is_documented(run: Running) -> None:
    paths = (await run.client.get("/openapi.json")).json()["paths"]
    for path in ("/v1/groups", "/v1/groups/{path}"):
        for method in ("get", "post", "put", "patch", "delete"):
            operation = paths[path][method]
            assert operation["deprecated"] is True
            assert "410" in operation["responses"], (path, method)
