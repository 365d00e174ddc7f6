"""WebApp settings (`WABIZ_*` environment variables), one class for this deployable.

The WebApp keeps no state of its own beyond short caches, so every knob here is either where it
listens, how long it trusts a cache, or how long it waits for a CoreApp.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from wabiz.kit.config import CommonConfig
from wabiz.kit.serving import ServerLimits

MIB = 1024 * 1024


class WebAppConfig(CommonConfig):
    host: str = "127.0.0.1"
    port: int = Field(9090, ge=1, le=65535)
    api_key: SecretStr | None = Field(
        None, description="`Authorization: Apikey <key>` on /v1/health, /metrics and /v1/stats/*"
    )
    allow_insecure_webhooks: bool | None = Field(
        None, description="accept http:// webhook URLs; defaults to dev_mode"
    )
    token_cache_seconds: float = Field(5.0, ge=0, le=300, description="trust a verified token this long")
    max_upload_bytes: int = Field(64 * MIB, ge=1, description="media upload cap")
    max_json_bytes: int = Field(1 * MIB, ge=1024, description="JSON body cap")
    coreapp_timeout: float = Field(10.0, gt=0, description="seconds per internal call")
    route_retry_seconds: float = Field(5.0, ge=0, description="wait for a shard owner before 1018")

    # Login throttling (webapp/users/throttle.py) and the bound on password hashes (hashing.py).
    login_free_failures_per_user: int = Field(5, ge=1, description="failed logins before backoff")
    login_free_failures_per_client: int = Field(20, ge=1, description="per client address")
    login_backoff_seconds: float = Field(1.0, gt=0, description="first backoff; doubles per failure")
    login_max_backoff_seconds: float = Field(300.0, gt=0, description="cap of the backoff")
    login_window_seconds: float = Field(900.0, gt=0, description="failures are forgotten after this")
    password_hash_concurrency: int = Field(2, ge=1, le=64, description="scrypt hashes at once (16 MiB each)")
    password_hash_queue: int = Field(32, ge=0, description="attempts waiting for a hash before 1015")

    # The HTTP server (kit/serving.py).
    http_max_header_bytes: int = Field(16 * 1024, ge=1024, description="request line + headers (431 beyond)")
    http_header_timeout: float = Field(10.0, gt=0, description="seconds to send the headers (408 beyond)")
    trusted_proxies: str = Field(
        "", description="addresses whose X-Forwarded-For is believed (comma-separated, `*` for any)"
    )

    def server_limits(self) -> ServerLimits:
        return ServerLimits(self.http_max_header_bytes, self.http_header_timeout, self.trusted_proxies)

    @field_validator("api_key")
    @classmethod
    def _api_key_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 12 <= len(value.get_secret_value()) <= 128:
            raise ValueError("WABIZ_API_KEY must be 12 to 128 characters")
        return value

    @property
    def insecure_webhooks_allowed(self) -> bool:
        return self.dev_mode if self.allow_insecure_webhooks is None else self.allow_insecure_webhooks
