"""Sandbox settings (`WABIZ_SANDBOX_*`): where events go, how fast statuses come, what fails."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WABIZ_SANDBOX_", extra="ignore", validate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 9092
    public_url: str | None = Field(None, description="base URL in media links; default http://host:port")
    token: SecretStr = SecretStr("sandbox-token")
    app_secret: SecretStr = SecretStr("sandbox-app-secret")
    webhook_url: str | None = None
    seed: int = 0
    sent_delay: float = Field(0.05, ge=0)
    delivered_delay: float = Field(0.1, ge=0)
    read_delay: float = Field(0.2, ge=0)
    failure_rate: float = Field(0.0, ge=0, le=1)
    enforce_window: bool = True
    templates_file: Path | None = Field(
        None, description="JSON template catalogue (format in docs/sandbox.md); default: the built-in one"
    )
    log_level: str = Field("INFO", validation_alias="WABIZ_LOG_LEVEL")

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
