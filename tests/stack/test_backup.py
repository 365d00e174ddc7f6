"""Backup and restore between two installations, and a garbage collection's report, on real processes.

Stack A gets changed settings, a user and a business profile, is backed up, and the backup is
restored into stack B (the same number, registered on B's own sandbox): B then answers with A's
settings and A's profile, read from B's network, and A's user logs in to B with their password. A
restore with a wrong password first leaves B as it was, its profile included. The garbage
collection's completion reaches A's webhook receiver as a callback, through a CoreApp, like every
other callback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.stack.helpers import ADMIN_PASSWORD, login
from tests.stack.shared import SETTINGS, SharedStack, shared_stack
from tests.tooling.waiting import eventually

PASSWORD = "Backup-Pass1!"
AGENT, AGENT_PASSWORD = "backup-agent", "Agent-Pass1!"
PROFILE, ABOUT = "/v1/settings/business/profile", "/v1/settings/profile/about"
# A has no email: the restore empties B's.
A_PROFILE = {
    "address": "1 Hacker Way",
    "description": "Plants, shipped.",
    "email": "",
    "vertical": "Shopping and Retail",
    "websites": ["https://example.com"],
}
B_PROFILE = {
    "address": "2 Side Street",
    "description": "Late-night noodles.",
    "email": "noodles@example.com",
    "vertical": "Restaurant",
    "websites": [],
}


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SharedStack, SharedStack]]:
    with (
        shared_stack(tmp_path_factory.mktemp("a")) as a,
        shared_stack(tmp_path_factory.mktemp("b")) as b,
    ):
        yield a, b


def _admin(stack: SharedStack) -> httpx.Client:
    webapp = stack.stack.components["webapp"].url
    token = login(webapp, "admin", ADMIN_PASSWORD)
    return httpx.Client(base_url=webapp, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _settings(api: httpx.Client) -> dict[str, Any]:
    answer = api.get(SETTINGS)
    assert answer.status_code == 200, answer.text
    settings: dict[str, Any] = answer.json()["settings"]["application"]
    return settings


def _set_profile(api: httpx.Client, profile: dict[str, Any], about: str) -> None:
    for answer in (api.post(PROFILE, json=profile), api.patch(ABOUT, json={"text": about})):
        assert answer.status_code == 200, answer.text


def _profile(api: httpx.Client) -> tuple[dict[str, Any], str]:
    """The business profile and the About text, as the installation's network has them."""
    business, about = api.get(PROFILE), api.get(ABOUT)
    assert (business.status_code, about.status_code) == (200, 200), business.text + about.text
    profile: dict[str, Any] = business.json()["settings"]["business"]["profile"]
    return profile, about.json()["settings"]["profile"]["about"]["text"]


def test_a_backup_of_a_restores_into_b(stacks: tuple[SharedStack, SharedStack]) -> None:
    a, b = stacks
    changed = a.api.patch(SETTINGS, json={"callback_backoff_delay_ms": 700, "pass_through": True})
    assert changed.status_code == 200, changed.text
    created = a.api.post("/v1/users", json={"username": AGENT, "password": AGENT_PASSWORD})
    assert created.status_code == 201, created.text
    _set_profile(a.api, A_PROFILE, "Succulent specialists")
    _set_profile(b.api, B_PROFILE, "Open late")
    backup = a.api.post("/v1/settings/backup", json={"password": PASSWORD})
    assert backup.status_code == 200, backup.text
    data = backup.json()["settings"]["data"]

    with _admin(b) as b_api:
        before = _settings(b_api)
        wrong = b_api.post("/v1/settings/restore", json={"password": "Wrong-Pass1!", "data": data})
        assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (400, 1009), wrong.text
        assert _settings(b_api) == before, "a wrong password changes nothing"
        assert b_api.get(f"/v1/users/{AGENT}").status_code == 404
        assert _profile(b_api) == (B_PROFILE, "Open late"), "nor the profile"

        restored = b_api.post("/v1/settings/restore", json={"password": PASSWORD, "data": data})
        assert restored.status_code == 200, restored.text
        assert b_api.get(SETTINGS).status_code == 401, "the restore revoked every token"

    with _admin(b) as b_api:
        assert _settings(b_api) == _settings(a.api)
        assert b_api.get(f"/v1/users/{AGENT}").json()["users"] == [{"username": AGENT, "role": "ROLE_USER"}]
        assert _profile(b_api) == (A_PROFILE, "Succulent specialists"), "A's profile, on B's network"
    assert login(b.stack.components["webapp"].url, AGENT, AGENT_PASSWORD)


def test_the_end_of_a_collection_reaches_the_webhook(stacks: tuple[SharedStack, SharedStack]) -> None:
    a, _ = stacks
    a.receiver.clear()
    answer = a.api.put("/v1/services/message/gc")
    assert answer.status_code == 200, answer.text
    assert answer.json()["services"] == {"message": {"gc": {"status": "processing"}}}
    reports = eventually(
        lambda: [c["body"] for c in a.receiver.callbacks() if "services" in c["body"]],
        timeout=30,
        what="the message collection's callback",
    )
    assert reports[0] == {"services": [{"message": {"gc": {"messages_deleted": 0, "status": "complete"}}}]}
