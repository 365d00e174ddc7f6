"""Outside development mode a component with a public placeholder secret does not start.

The sandbox's defaults (`sandbox-token`, `sandbox-app-secret`, `sandbox-verify-token`) are in the
source code: a Cloud API deployment that forgot its app secret would accept events signed with a
public string. Each component is started as its container starts it (`wabiz <component>`,
configured by environment only) and must exit with a message naming the variable to set.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wabiz.local.ports import pick

REAL = "r3al-" + "x" * 40
START_TIMEOUT_S = 30


def start(component: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `wabiz <component>` with only `env` (and no WABIZ_* of ours); its outcome."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("WABIZ_")}
    ports = {"WABIZ_PORT": str(pick()), "WABIZ_COREAPP_PORT": str(pick()), "WABIZ_SANDBOX_PORT": str(pick())}
    # An unreachable database: a component that passed its checks fails fast there instead.
    database = {"WABIZ_DATABASE_URL": "postgresql+psycopg://wabiz:x@127.0.0.1:1/wabiz"}
    return subprocess.run(
        [sys.executable, "-m", "wabiz.cli", component],
        env=base | ports | database | env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )


UPSTREAM = {
    "WABIZ_UPSTREAM_TOKEN": REAL,
    "WABIZ_UPSTREAM_APP_SECRET": REAL,
    "WABIZ_UPSTREAM_VERIFY_TOKEN": REAL,
}
SANDBOX = {"WABIZ_SANDBOX_TOKEN": REAL, "WABIZ_SANDBOX_APP_SECRET": REAL, "WABIZ_SANDBOX_CONTROL_TOKEN": REAL}


INTERNAL = {"WABIZ_INTERNAL_TOKEN": REAL}
SHORT = {"WABIZ_INTERNAL_TOKEN": "long-enough-to-guess-not-32"}
MIN_LENGTH = "at least 32 characters"


@pytest.mark.parametrize(
    ("component", "env", "named"),
    [
        pytest.param(
            "coreapp",
            INTERNAL,
            ["WABIZ_UPSTREAM_TOKEN", "WABIZ_UPSTREAM_APP_SECRET", "WABIZ_UPSTREAM_VERIFY_TOKEN"],
            id="coreapp-upstream-defaults",
        ),
        pytest.param(
            "coreapp",
            INTERNAL | UPSTREAM | {"WABIZ_UPSTREAM_APP_SECRET": "sandbox-app-secret"},
            ["WABIZ_UPSTREAM_APP_SECRET"],
            id="coreapp-app-secret",
        ),
        pytest.param(
            "coreapp",
            INTERNAL | UPSTREAM | {"WABIZ_WEBHOOK_SECRET": "changeme"},
            ["WABIZ_WEBHOOK_SECRET"],
            id="coreapp-webhook-secret",
        ),
        pytest.param(
            "coreapp", SHORT | UPSTREAM, ["WABIZ_INTERNAL_TOKEN", MIN_LENGTH], id="coreapp-short-token"
        ),
        pytest.param("webapp", SHORT, ["WABIZ_INTERNAL_TOKEN", MIN_LENGTH], id="webapp-short-token"),
        pytest.param(
            "sandbox",
            SANDBOX | {"WABIZ_SANDBOX_APP_SECRET": "sandbox-app-secret"},
            ["WABIZ_SANDBOX_APP_SECRET"],
            id="sandbox-app-secret",
        ),
        pytest.param(
            "sandbox",
            {"WABIZ_SANDBOX_TOKEN": REAL, "WABIZ_SANDBOX_APP_SECRET": REAL},
            ["WABIZ_SANDBOX_CONTROL_TOKEN", MIN_LENGTH],
            id="sandbox-no-control-token",
        ),
    ],
)
def test_a_placeholder_secret_stops_the_component(
    component: str, env: dict[str, str], named: list[str]
) -> None:
    outcome = start(component, env)
    assert outcome.returncode == 2, outcome.stderr[-2000:]
    assert "invalid configuration" in outcome.stderr
    for text in named:
        assert text in outcome.stderr, outcome.stderr[-2000:]


def test_development_mode_keeps_the_placeholders_and_warns_of_unsigned_callbacks() -> None:
    """It gets past its configuration (then fails on the unreachable database), and says that
    callbacks would go out unsigned only when it is not in development mode."""
    development = start("coreapp", {"WABIZ_DEV_MODE": "true"})
    assert "invalid configuration" not in development.stderr
    assert "WABIZ_WEBHOOK_SECRET is not set" not in development.stderr
    production = start("coreapp", INTERNAL | UPSTREAM)
    assert "invalid configuration" not in production.stderr
    assert "WABIZ_WEBHOOK_SECRET is not set" in production.stderr


def test_the_migration_job_needs_no_internal_token() -> None:
    """The operator gives the migration Job only the database credentials and the admin password:
    outside development mode, `wabiz migrate` must get past its configuration without the
    WebApp ↔ CoreApp token (and then fail on the unreachable database)."""
    outcome = start("migrate", {"WABIZ_ADMIN_PASSWORD": "Adm1n-Passw0rd!"})
    assert "invalid configuration" not in outcome.stderr, outcome.stderr[-2000:]
    assert outcome.returncode != 0, "the database is unreachable"
