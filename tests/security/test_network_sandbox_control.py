"""The sandbox's control API fakes customers and reconfigures the network: it takes a bearer.

The stack's sandbox runs outside development mode with `WABIZ_SANDBOX_CONTROL_TOKEN` (which
`wabiz up` generates into `.wabiz/secrets.json`); without it, or with another one, every
`/control/*` call is refused and changes nothing.
"""

from __future__ import annotations

import httpx
import pytest

from tests.stack.helpers import Sandbox, new_user
from wabiz.local.stack import Stack

pytestmark = pytest.mark.xdist_group("network")

CALLS = [
    ("POST", "/control/inbound", {"from": "16315551181", "type": "text", "text": {"body": "forged"}}),
    ("GET", "/control/messages", None),
    ("POST", "/control/reset", None),
    ("GET", "/control/config", None),
    ("PATCH", "/control/config", {"failure_rate": 1}),
    ("GET", "/control/templates", None),
]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", "Basic YWRtaW46c2VjcmV0"], ids=["none", "wrong", "basic"]
)
@pytest.mark.parametrize(("method", "path", "body"), CALLS, ids=[f"{m} {p}" for m, p, _ in CALLS])
def test_control_calls_need_the_control_token(
    stack: Stack, authorization: str | None, method: str, path: str, body: dict[str, object] | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = httpx.request(
        method, stack.components["sandbox"].url + path, json=body, headers=headers, timeout=10
    )
    assert answer.status_code == 401, answer.text
    assert "WABIZ_SANDBOX_CONTROL_TOKEN" in answer.json()["error"]


def test_with_the_token_the_control_api_works_and_health_stays_open(stack: Stack, sandbox: Sandbox) -> None:
    assert sandbox.get("/control/config").json()["failure_rate"] == 0, "the refused PATCH changed nothing"
    assert sandbox.inbound({"from": new_user(), "type": "text", "text": {"body": "hi"}})
    assert httpx.get(stack.components["sandbox"].url + "/healthz", timeout=10).status_code == 200
