"""The WebApp's settings defaults (`/v1/settings/application` itself: tests/db/test_webapp_settings.py)."""

from __future__ import annotations

from wabiz.webapp.config import WebAppConfig

INTERNAL_TOKEN = "internal-token-for-the-webapp-tests"


def test_insecure_webhooks_default_to_dev_mode() -> None:
    url = "postgresql+psycopg://unused/unused"
    assert WebAppConfig(
        dev_mode=True, database_url=url, internal_token=INTERNAL_TOKEN
    ).insecure_webhooks_allowed
    production = WebAppConfig(dev_mode=False, database_url=url, internal_token=INTERNAL_TOKEN)
    assert not production.insecure_webhooks_allowed
