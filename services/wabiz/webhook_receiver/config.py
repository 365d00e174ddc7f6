"""Receiver settings (`WABIZ_RECEIVER_*`); the signing secret falls back to `WABIZ_WEBHOOK_SECRET`."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReceiverConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WABIZ_RECEIVER_", extra="ignore", validate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 9093
    secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("WABIZ_RECEIVER_SECRET", "WABIZ_WEBHOOK_SECRET")
    )
    log_level: str = Field("INFO", validation_alias="WABIZ_LOG_LEVEL")
