"""The reference webhook receiver: what a business's webhook server does, minus the business.

It verifies `X-Hub-Signature-256` when a secret is configured, records every callback (also the
ones it refused) with the path it was posted to (`/` or `/webhook`, so a test can tell two webhook
URLs apart) and can be told to fail the next N requests, so retries can be watched.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field

from wabiz.kit.httpapp import JSON, NO_TELEMETRY, serve
from wabiz.kit.logs import setup
from wabiz.kit.signing import HEADER, verify
from wabiz.webhook_receiver.config import ReceiverConfig


class FailPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=0, le=1_000_000)
    status: int = Field(500, ge=400, le=599)
    match: str | None = Field(None, description="only requests whose body contains this text fail")


class Recorder:
    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self.callbacks: list[dict[str, Any]] = []
        self.fail = FailPlan(count=0)

    def answer_for(self, raw: bytes, signature_valid: bool | None) -> int:
        if signature_valid is False:
            return 401
        plan = self.fail
        if plan.count > 0 and (plan.match is None or plan.match.encode() in raw):
            self.fail = plan.model_copy(update={"count": plan.count - 1})
            return plan.status
        return 200

    def record(self, raw: bytes, signature: str | None, path: str) -> int:
        valid = None if self.secret is None else verify(self.secret, raw, signature)
        try:
            body: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = {"unparsable": raw[:200].decode(errors="replace")}
        status = self.answer_for(raw, valid)
        self.callbacks.append(
            {
                "received_at": time.time(),
                "path": path,
                "body": body,
                "signature_valid": valid,
                "answered": status,
            }
        )
        return status


def create_app(config: ReceiverConfig) -> FastAPI:
    recorder = Recorder(config.secret.get_secret_value() if config.secret else None)
    app = FastAPI(title="wabiz webhook receiver", openapi_url=None, telemetry=NO_TELEMETRY)

    @app.post("/")
    @app.post("/webhook")
    async def receive(request: Request) -> JSON:
        status = recorder.record(await request.body(), request.headers.get(HEADER), request.url.path)
        return JSON({"status": "ok" if status == 200 else "refused"}, status_code=status)

    @app.get("/received")
    async def received(since: float = 0) -> JSON:
        return JSON({"callbacks": [c for c in recorder.callbacks if c["received_at"] >= since]})

    @app.delete("/received")
    async def clear() -> JSON:
        recorder.callbacks.clear()
        return JSON({"status": "ok"})

    @app.post("/control/fail")
    async def fail(plan: FailPlan) -> JSON:
        recorder.fail = plan
        return JSON(plan.model_dump())

    @app.get("/healthz")
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    return app


def main(config: ReceiverConfig) -> None:
    setup("webhook-receiver", config.log_level)
    serve(create_app(config), config.host, config.port, config.log_level)
