"""CoreApp settings (`WABIZ_*`): where it listens, which upstream it talks to, queue bounds.

The upstream secrets default to the sandbox's placeholders, so a laptop needs no configuration;
outside development mode they must be set (`CommonConfig` refuses placeholders by name).
"""

from __future__ import annotations

import os
import socket
from typing import Literal

from pydantic import Field, SecretStr

from wabiz.kit.config import CommonConfig


def _default_node_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class CoreAppConfig(CommonConfig):
    coreapp_host: str = "127.0.0.1"
    coreapp_port: int = 9091
    node_id: str = Field(default_factory=_default_node_id, max_length=128)
    advertise_url: str | None = Field(None, description="URL other components use; default http://host:port")
    upstream: Literal["sandbox", "cloud"] = "sandbox"
    upstream_url: str = "http://127.0.0.1:9092"
    upstream_token: SecretStr = SecretStr("sandbox-token")
    upstream_app_secret: SecretStr = SecretStr("sandbox-app-secret")
    upstream_verify_token: SecretStr = SecretStr("sandbox-verify-token")
    upstream_api_version: str = "v21.0"
    upstream_phone_number_id: str | None = None
    webhook_secret: SecretStr | None = Field(None, description="signs callbacks (X-Hub-Signature-256)")
    max_queued_messages: int = Field(100_000, ge=1, description="outgoing messages in memory (1016 over)")
    max_memory_callbacks: int = Field(100_000, ge=1, description="callback_persist off: queue bound (1016)")
    send_concurrency: int = Field(64, ge=1, le=1024)
    media_transfers: int = Field(
        4, ge=1, le=64, description="media uploads and downloads at once (a few MiB of memory each)"
    )
    settings_poll_interval: float = Field(1.0, gt=0)
    # A safety net only: callbacks queued on any node wake their shard's owner through
    # PostgreSQL (`coreapp/presence.py`), and a retry wakes the loop when it falls due.
    callback_poll_interval: float = Field(5.0, gt=0)

    def named_secrets(self) -> dict[str, SecretStr | None]:
        return super().named_secrets() | {
            "WABIZ_UPSTREAM_TOKEN": self.upstream_token,
            "WABIZ_UPSTREAM_APP_SECRET": self.upstream_app_secret,
            "WABIZ_UPSTREAM_VERIFY_TOKEN": self.upstream_verify_token,
            "WABIZ_WEBHOOK_SECRET": self.webhook_secret,
        }

    @property
    def internal_url(self) -> str:
        host = "127.0.0.1" if self.coreapp_host in ("0.0.0.0", "::") else self.coreapp_host
        return self.advertise_url or f"http://{host}:{self.coreapp_port}"
