"""Settings shared by every deployable, read from `WABIZ_*` environment variables.

Each component extends `CommonConfig` with its own class (one per deployable); secrets are
`SecretStr` so they never reach a log line or a repr. Outside development mode a component
refuses to start with a placeholder secret (a default that is public, such as the sandbox's), or
an internal token shorter than `MIN_TOKEN_LENGTH`, naming the variable to set.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL

from wabiz.kit.passwords import BOOTSTRAP_PASSWORD
from wabiz.kit.webhook_guard import TargetPolicy, parse_networks

PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        BOOTSTRAP_PASSWORD,
        "dev-internal-token",
        "sandbox-token",
        "sandbox-app-secret",
        "sandbox-verify-token",
    }
)
MIN_TOKEN_LENGTH = 32
MIB = 1024 * 1024


def refuse_placeholders(secrets: dict[str, SecretStr | None]) -> None:
    """ValueError naming every variable (of `secrets`, by variable name) set to a placeholder."""
    named = [
        name
        for name, value in secrets.items()
        if value is not None and value.get_secret_value() in PLACEHOLDER_SECRETS
    ]
    if named:
        raise ValueError(
            f"{', '.join(named)}: placeholder secret outside dev mode; set the real value"
            " (placeholders are accepted only with WABIZ_DEV_MODE=true)"
        )


def refuse_short_token(name: str, value: SecretStr | None) -> None:
    if value is None or len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
        raise ValueError(
            f"{name} must be at least {MIN_TOKEN_LENGTH} characters outside dev mode"
            " (for example: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


class CommonConfig(BaseSettings):
    # Validation errors must not print the value given: it may be a secret.
    model_config = SettingsConfigDict(
        env_prefix="WABIZ_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    dev_mode: bool = Field(False, description="development: http:// webhooks and placeholder secrets allowed")
    log_level: str = "INFO"
    database_url: SecretStr | None = Field(None, description="full URL; else built from the parts below")
    database_host: str = "127.0.0.1"
    database_port: int = Field(5432, ge=1, le=65535)
    database_name: str = "wabiz"
    database_user: str = "wabiz"
    database_password: SecretStr | None = None
    database_sslmode: str = "prefer"
    database_sslrootcert: str | None = Field(
        None,
        description="CA certificate file the server's is verified against (sslmode verify-ca, verify-full)",
    )
    database_pool_size: int = Field(10, ge=1, le=100)
    internal_token: SecretStr = Field(
        SecretStr("dev-internal-token"), description="shared secret of WebApp ↔ CoreApp calls"
    )

    # Only the WebApp and the CoreApps talk to each other; a one-shot job need not hold the token.
    uses_internal_token: ClassVar[bool] = True

    webhook_allow_private: str = Field(
        "", description="networks (CIDR, comma-separated) callbacks may reach besides public addresses"
    )
    max_webhook_bytes: int = Field(
        3 * MIB, ge=1024, description="upstream webhook body cap (Meta's payloads are at most 3 MB)"
    )

    media_backend: Literal["s3", "fs"] = "s3"
    media_dir: str = "./.wabiz/media"
    s3_endpoint: str | None = None
    s3_bucket: str = "wabiz-media"
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None

    @field_validator("webhook_allow_private")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def webhook_policy(self) -> TargetPolicy:
        """Where callbacks may go: public addresses, the allowed networks, loopback in dev mode."""
        return TargetPolicy(allow_loopback=self.dev_mode, allowed=parse_networks(self.webhook_allow_private))

    def database_dsn(self) -> str:
        """The SQLAlchemy URL: `WABIZ_DATABASE_URL`, or one built (and escaped) from the parts, which
        is what Kubernetes can give: each part from its own Secret key."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        password = self.database_password.get_secret_value() if self.database_password else None
        return URL.create(
            "postgresql+psycopg",
            username=self.database_user,
            password=password,
            host=self.database_host,
            port=self.database_port,
            database=self.database_name,
            query=self._ssl_query(),
        ).render_as_string(hide_password=False)

    def _ssl_query(self) -> dict[str, str]:
        query = {"sslmode": self.database_sslmode}
        if self.database_sslrootcert:
            query["sslrootcert"] = self.database_sslrootcert
        return query

    def named_secrets(self) -> dict[str, SecretStr | None]:
        """This deployable's secrets by variable name; subclasses add theirs."""
        return {"WABIZ_INTERNAL_TOKEN": self.internal_token} if self.uses_internal_token else {}

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> CommonConfig:
        if not self.dev_mode:
            refuse_placeholders(self.named_secrets())
            if self.uses_internal_token:
                refuse_short_token("WABIZ_INTERNAL_TOKEN", self.internal_token)
        return self
