"""Who owns a fresh deployment: the first-login race, and the admin password set by `wabiz migrate`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import psycopg

from tests.security.conftest import StartWebApp

NEW_PASSWORDS = [f"First-Pass{n}!" for n in range(8)]


def _dsn(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


async def test_of_eight_racing_first_logins_exactly_one_wins(webapp: StartWebApp, database_url: str) -> None:
    # The throttle would refuse some racers by itself; let all eight reach the password check.
    with webapp(LOGIN_FREE_FAILURES_PER_USER="100") as process:
        async with httpx.AsyncClient(base_url=process.url, timeout=60) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/v1/users/login", auth=("admin", "secret"), json={"new_password": new})
                    for new in NEW_PASSWORDS
                )
            )
            winners = [
                new for new, answer in zip(NEW_PASSWORDS, answers, strict=True) if answer.status_code == 200
            ]
            assert len(winners) == 1, [a.status_code for a in answers]
            losers = [a for a in answers if a.status_code != 200]
            assert {(a.status_code, a.json()["errors"][0]["code"]) for a in losers} == {(401, 1005)}
            for new in NEW_PASSWORDS:
                answer = await client.post("/v1/users/login", auth=("admin", new))
                assert answer.status_code == (200 if new == winners[0] else 401), new
    with psycopg.connect(_dsn(database_url)) as conn:
        row = conn.execute("SELECT count(*) FROM tokens WHERE username = 'admin'").fetchone()
    assert row == (2,), "the winner's first token and its second login; no loser got one"


def _migrate(database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wabiz.cli", "migrate"],
        env=os.environ | {"WABIZ_DEV_MODE": "true", "WABIZ_DATABASE_URL": database_url} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _admin_row(database_url: str) -> tuple[str, bool, int]:
    with psycopg.connect(_dsn(database_url)) as conn:
        row = conn.execute(
            "SELECT password_hash, password_change_required,"
            " (SELECT count(*) FROM tokens WHERE username = 'admin') FROM users WHERE username = 'admin'"
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_migrate_sets_the_admin_password_from_the_environment(webapp: StartWebApp, database_url: str) -> None:
    assert _migrate(database_url, WABIZ_ADMIN_PASSWORD="Operator-Made1!").returncode == 0
    with webapp() as process, httpx.Client(base_url=process.url, timeout=30) as client:
        assert client.post("/v1/users/login", auth=("admin", "secret")).status_code == 401, "no window"
        answer = client.post("/v1/users/login", auth=("admin", "Operator-Made1!"))
        assert answer.status_code == 200, "no first-login change required"
        token = {"Authorization": f"Bearer {answer.json()['users'][0]['token']}"}

        before = _admin_row(database_url)
        rerun = _migrate(database_url, WABIZ_ADMIN_PASSWORD="Operator-Made1!")
        assert rerun.returncode == 0, rerun.stderr
        assert _admin_row(database_url) == before, "a rerun with the same password changes nothing"
        assert client.get("/v1/users/admin", headers=token).status_code == 200

        assert _migrate(database_url, WABIZ_ADMIN_PASSWORD="Rotated-Pass2!").returncode == 0
        assert _admin_row(database_url)[1:] == (False, 0), "another value revokes the admin's tokens"
        assert client.post("/v1/users/login", auth=("admin", "Operator-Made1!")).status_code == 401
        assert client.post("/v1/users/login", auth=("admin", "Rotated-Pass2!")).status_code == 200


def test_migrate_refuses_a_weak_admin_password_and_names_the_variable(database_url: str) -> None:
    before = _admin_row(database_url)
    failed = _migrate(database_url, WABIZ_ADMIN_PASSWORD="weakpassword")
    assert failed.returncode == 2
    assert "WABIZ_ADMIN_PASSWORD" in failed.stderr and "digit" in failed.stderr
    assert "weakpassword" not in failed.stderr, "the value is never printed"
    assert _admin_row(database_url) == before


def test_migrate_without_the_variable_keeps_the_first_login_flow(database_url: str) -> None:
    assert _migrate(database_url).returncode == 0
    assert _admin_row(database_url)[1] is True
