"""Sandbox settings (`WABIZ_SANDBOX_*`): where events go, how fast statuses come, what fails.

The control API (`/control/*`) can fake any customer, so it needs `control_token` as a bearer;
outside development mode (`WABIZ_DEV_MODE`) the sandbox refuses to start without one, or with the
placeholder token and app secret it has by default.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wabiz.kit.config import refuse_placeholders, refuse_short_token


class SandboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WABIZ_SANDBOX_", extra="ignore", validate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 9092
    public_url: str | None = Field(None, description="base URL in media links; default http://host:port")
    token: SecretStr = SecretStr("sandbox-token")
    app_secret: SecretStr = SecretStr("sandbox-app-secret")
    control_token: SecretStr | None = Field(None, description="bearer of /control/*; open without it (dev)")
    dev_mode: bool = Field(False, validation_alias="WABIZ_DEV_MODE")
    webhook_url: str | None = None
    seed: int = 0
    sent_delay: float = Field(0.05, ge=0)
    delivered_delay: float = Field(0.1, ge=0)
    read_delay: float = Field(0.2, ge=0)
    failure_rate: float = Field(0.0, ge=0, le=1)
    enforce_window: bool = True
    registration_grace: float = Field(
        300.0,
        ge=0,
        description="after start, how long an unknown business number is answered 'retry later' (131016)"
        " rather than 'does not exist' (100): clients re-register with a restarted sandbox",
    )
    drain_seconds: float = Field(
        20.0, ge=0, description="at shutdown, how long to go on emitting and posting due statuses"
    )
    templates_file: Path | None = Field(
        None, description="JSON template catalogue (format in docs/sandbox.md); default: the built-in one"
    )
    log_level: str = Field("INFO", validation_alias="WABIZ_LOG_LEVEL")

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> SandboxConfig:
        if not self.dev_mode:
            refuse_placeholders(
                {"WABIZ_SANDBOX_TOKEN": self.token, "WABIZ_SANDBOX_APP_SECRET": self.app_secret}
            )
            refuse_short_token("WABIZ_SANDBOX_CONTROL_TOKEN", self.control_token)
        return self

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
