"""WebApp settings (`WABIZ_*`)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from wabiz.kit.config import CommonConfig


class WebAppConfig(CommonConfig):
    host: str = "127.0.0.1"
    port: int = 9090
    api_key: SecretStr | None = Field(None, description="Apikey for /v1/health, /metrics, /v1/stats/*")
    allow_insecure_webhooks: bool | None = Field(
        None, description="accept http:// webhook URLs; default dev_mode"
    )
    token_cache_seconds: float = Field(5.0, ge=0, le=300)
    max_upload_bytes: int = Field(64 * 1024 * 1024, ge=1)
    max_json_bytes: int = Field(1024 * 1024, ge=1024)
    coreapp_timeout: float = Field(10.0, gt=0)
    route_retry_seconds: float = Field(10.0, ge=0)

    @field_validator("api_key")
    @classmethod
    def _api_key_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 12 <= len(value.get_secret_value()) <= 128:
            raise ValueError("WABIZ_API_KEY must be 12 to 128 characters")
        return value

    @property
    def insecure_webhooks_allowed(self) -> bool:
        return self.dev_mode if self.allow_insecure_webhooks is None else self.allow_insecure_webhooks
