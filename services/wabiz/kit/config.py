"""Settings shared by every deployable, read from `WABIZ_*` environment variables.

Each component extends `CommonConfig` with its own class (one per deployable); secrets are
`SecretStr` so they never reach a log line or a repr.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev-internal-token"})


class CommonConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WABIZ_", extra="ignore", frozen=True)

    dev_mode: bool = Field(False, description="development: http:// webhooks and placeholder secrets allowed")
    log_level: str = "INFO"
    database_url: SecretStr = SecretStr("postgresql+psycopg://wabiz@127.0.0.1:5432/wabiz")
    database_pool_size: int = Field(10, ge=1, le=100)
    internal_token: SecretStr = Field(
        SecretStr("dev-internal-token"), description="shared secret of WebApp ↔ CoreApp calls"
    )

    media_backend: Literal["s3", "fs"] = "s3"
    media_dir: str = "./.wabiz/media"
    s3_endpoint: str | None = None
    s3_bucket: str = "wabiz-media"
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> CommonConfig:
        if not self.dev_mode and self.internal_token.get_secret_value() in PLACEHOLDER_SECRETS:
            raise ValueError("WABIZ_INTERNAL_TOKEN must be set to a real secret outside dev mode")
        return self
