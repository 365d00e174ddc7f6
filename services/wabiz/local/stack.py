"""A whole client stack on this machine: what `wabiz up` runs and what the stack tests drive.

Start order follows the data flow: PostgreSQL and migrations, the media store, the sandbox (the
network), CoreApps, the WebApp, then the reference webhook receiver. Each component is its own OS
process, so killing one is a real node failure.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wabiz.db.account import set_shards_before_start
from wabiz.db.migrate import sync_transaction, upgrade
from wabiz.db.settings import seed_before_start
from wabiz.kit.sandbox_protocol import VERIFICATION_CODE
from wabiz.local import ports, secrets
from wabiz.local.postgres import EmbeddedPostgres
from wabiz.local.processes import Component
from wabiz.local.s3 import ACCESS_KEY, SECRET_KEY, LocalS3

log = logging.getLogger(__name__)

BUSINESS_CC, BUSINESS_NUMBER = "1", "5550100"
MEDIA_BUCKET = "wabiz-media"


@dataclass
class StackOptions:
    data_dir: Path
    port: int = 9090
    register: bool = True
    media: Literal["fs", "s3"] = "fs"
    coreapps: int = 1
    shards: int | None = None
    log_level: str = "INFO"
    default_ports: bool = True  # tests turn this off: parallel stacks must not race for 9090…
    extra_env: dict[str, str] = field(default_factory=dict)


class Stack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.data_dir = options.data_dir.resolve()
        self.secrets = secrets.load_or_create(self.data_dir / "secrets.json")
        self._ports: set[int] = set()  # picked for this stack's processes
        self.postgres = EmbeddedPostgres(self.data_dir / "postgres", self._port(5433))
        self.s3: LocalS3 | None = LocalS3(self._port(9000)) if options.media == "s3" else None
        self.components: dict[str, Component] = {}

    def _port(self, default: int | None) -> int:
        return self._unique_port(default if self.options.default_ports else None)

    def _unique_port(self, preferred: int | None) -> int:
        port = ports.pick(preferred, taken=frozenset(self._ports))
        self._ports.add(port)
        return port

    # -- configuration -------------------------------------------------------------------------

    def _common_env(self) -> dict[str, str]:
        env = {
            "WABIZ_DEV_MODE": "true",
            "WABIZ_LOG_LEVEL": self.options.log_level,
            "WABIZ_DATABASE_URL": self.postgres.url(),
            "WABIZ_INTERNAL_TOKEN": self.secrets["internal_token"],
            "WABIZ_MEDIA_BACKEND": self.options.media,
            "WABIZ_MEDIA_DIR": str(self.data_dir / "media"),
        }
        if self.s3:
            env |= {
                "WABIZ_S3_ENDPOINT": self.s3.endpoint,
                "WABIZ_S3_BUCKET": MEDIA_BUCKET,
                "WABIZ_S3_ACCESS_KEY_ID": ACCESS_KEY,
                "WABIZ_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            }
        return env | self.options.extra_env

    def _component(self, name: str, command: str, port: int, env: dict[str, str]) -> Component:
        component = Component(
            name, command, port, self._common_env() | env, self.data_dir / "logs" / f"{name}.log"
        )
        self.components[name] = component
        return component

    def _define(self) -> None:
        sandbox = self._component(
            "sandbox",
            "sandbox",
            self._port(9092),
            {
                "WABIZ_SANDBOX_PORT": "",
                "WABIZ_SANDBOX_TOKEN": self.secrets["sandbox_token"],
                "WABIZ_SANDBOX_APP_SECRET": self.secrets["app_secret"],
                "WABIZ_SANDBOX_CONTROL_TOKEN": self.secrets["sandbox_control_token"],
            },
        )
        sandbox.env["WABIZ_SANDBOX_PORT"] = str(sandbox.port)
        for index in range(self.options.coreapps):
            port = self._port(9091 if index == 0 else None)
            self._component(
                f"coreapp-{index}",
                "coreapp",
                port,
                {
                    "WABIZ_COREAPP_PORT": str(port),
                    "WABIZ_NODE_ID": f"coreapp-{index}",
                    "WABIZ_UPSTREAM": "sandbox",
                    "WABIZ_UPSTREAM_URL": sandbox.url,
                    "WABIZ_UPSTREAM_TOKEN": self.secrets["sandbox_token"],
                    "WABIZ_UPSTREAM_APP_SECRET": self.secrets["app_secret"],
                    "WABIZ_UPSTREAM_VERIFY_TOKEN": self.secrets["verify_token"],
                    "WABIZ_WEBHOOK_SECRET": self.secrets["webhook_secret"],
                },
            )
        webapp_port = self._unique_port(self.options.port)
        webapp = self._component(
            "webapp",
            "webapp",
            webapp_port,
            {"WABIZ_PORT": str(webapp_port), "WABIZ_API_KEY": self.secrets["api_key"]},
        )
        # Events enter through the WebApp, which relays them to any live CoreApp (see upstream.py).
        sandbox.env["WABIZ_SANDBOX_WEBHOOK_URL"] = webapp.url + "/upstream/webhook"
        receiver_port = self._port(9093)
        self._component(
            "webhook_receiver",
            "webhook-receiver",
            receiver_port,
            {
                "WABIZ_RECEIVER_PORT": str(receiver_port),
                "WABIZ_RECEIVER_SECRET": self.secrets["webhook_secret"],
            },
        )

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, progress: Any = log.info) -> None:
        started = time.monotonic()
        progress(f"starting PostgreSQL on 127.0.0.1:{self.postgres.port} (data in {self.postgres.pgdata})")
        self.postgres.start()
        progress("applying database migrations")
        upgrade(self.postgres.url())
        if self.s3:
            progress(f"starting the S3-compatible media endpoint on {self.s3.endpoint}")
            self.s3.start()
            self.s3.create_bucket(MEDIA_BUCKET)
        self._define()
        self._prepare_database()
        for component in self.components.values():
            progress(f"starting {component.name} on {component.url}")
            component.start()
            component.wait_listening()
        if self.options.register:
            progress(f"registering +{BUSINESS_CC} {BUSINESS_NUMBER} with the sandbox")
            self.register()
        progress(f"stack ready in {time.monotonic() - started:.1f}s")

    def stop(self) -> None:
        for component in reversed(list(self.components.values())):
            component.stop()
        if self.s3:
            self.s3.stop()
        self.postgres.stop()

    def restart(self, name: str) -> None:
        component = self.components[name]
        component.stop()
        component.start()
        component.wait_listening()

    # -- set-up steps --------------------------------------------------------------------------

    def _prepare_database(self) -> None:
        """Point callbacks at the reference receiver unless the user already chose a URL; set shards."""
        url = f"http://127.0.0.1:{self.components['webhook_receiver'].port}/webhook"
        with sync_transaction(self.postgres.url()) as connection:
            seed_before_start(connection, {"webhooks": {"url": url}})
            if self.options.shards:
                set_shards_before_start(connection, self.options.shards)

    def internal_call(
        self, path: str, body: dict[str, Any] | None = None, node: str = "coreapp-0"
    ) -> dict[str, Any]:
        """Call a CoreApp's internal API (POST with a body, GET without)."""
        request = urllib.request.Request(  # noqa: S310 (http URL of our own component)
            self.components[node].url + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self.secrets['internal_token']}",
                "Content-Type": "application/json",
            },
            method="POST" if body is not None else "GET",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            result: dict[str, Any] = json.loads(answer.read() or b"{}")
            return result

    def register(self) -> None:
        """Register the business number with the sandbox, as `POST /v1/account` + verify would."""
        cert = base64.b64encode(b"wabiz-local-cert").decode()
        answer = self.internal_call(
            "/internal/account",
            {"cc": BUSINESS_CC, "phone_number": BUSINESS_NUMBER, "method": "sms", "cert": cert},
        )
        if answer.get("state") != "registered":
            self.internal_call("/internal/account/verify", {"code": VERIFICATION_CODE})

    def endpoints(self) -> dict[str, Any]:
        urls: dict[str, Any] = {
            name: c.url for name, c in self.components.items() if name != "webhook_receiver"
        }
        urls["webhook_receiver"] = self.components["webhook_receiver"].url + "/webhook"
        urls["database"] = f"postgresql://wabiz@127.0.0.1:{self.postgres.port}/wabiz"
        urls["media"] = self.s3.endpoint if self.s3 else str(self.data_dir / "media")
        return urls
