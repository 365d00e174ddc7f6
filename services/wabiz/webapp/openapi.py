"""What `/openapi.json` says each operation answers, errors included.

Every error leaves in the contract's envelope (`kit.httpapp`), so every documented error status
carries the same schema. Each route lists its own (`responses=errors(404, 409)`); three apply to
every operation and are added here: 401 (every operation needs credentials), 500 (an unexpected
failure, 1014) and 503 (the database or a CoreApp unavailable, a failover). FastAPI's automatic
422 is removed: validation problems are answered 400 with 1008/1009/1010, never 422. The contract
fuzzing test (tests/stack/test_api_fuzzing.py) holds the WebApp to this document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from wabiz.webapp.bodies import json_schema

DESCRIPTIONS = {
    400: (
        "Invalid request or parameter (1001, 1002, 1008, 1009, 1010, 1013, 1021, 1024, 1025), or a"
        " function wabiz leaves to the platform (1000; the details say what to use instead)"
    ),
    401: "Missing, wrong or expired credentials (1005)",
    403: "Not allowed: admins only, or someone else's account (1005)",
    404: "No such resource (1006)",
    409: "Already exists (1004)",
    410: "A feature Meta removed, kept only to say so (1410)",
    413: "Body larger than its limit (1025)",
    429: "Too many requests (1015); `Retry-After` says when to try again",
    500: "Unexpected failure (1014); details are in the server's log",
    503: "Not ready, overloaded, database unavailable or failover in progress (1011, 1016, 1018, 1023)",
}
EVERY_OPERATION = (401, 500, 503)
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


class Meta(BaseModel):
    version: str
    api_status: str


class _Error(BaseModel):
    code: int
    title: str
    details: str


class ErrorEnvelope(BaseModel):
    meta: Meta
    errors: list[_Error]


def errors(
    *statuses: int, also: dict[int | str, dict[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route: these error statuses, each with the envelope's schema, and the
    answers `also` describes (success statuses besides the route's own, non-JSON content)."""
    envelope = {"application/json": {"schema": json_schema(ErrorEnvelope)}}
    documented = dict(also or {})
    documented |= {status: {"description": DESCRIPTIONS[status], "content": envelope} for status in statuses}
    return documented


def answered(description: str, shape: Any) -> dict[str, Any]:
    """A JSON success answer of this shape (a model, or a union of models)."""
    return {"description": description, "content": {"application/json": {"schema": json_schema(shape)}}}


def answer(description: str, *media_types: str) -> dict[str, Any]:
    """A success answer that is not JSON (or not only): its media types, any bytes."""
    schema = {"type": "string"}
    return {"description": description, "content": {media: {"schema": schema} for media in media_types}}


def json_answer(description: str, shape: Any) -> dict[str, Any]:
    """A JSON success answer of this shape (a model, or a union of models)."""
    return {"description": description, "content": {"application/json": {"schema": json_schema(shape)}}}


def _complete(document: dict[str, Any]) -> dict[str, Any]:
    for path_item in document["paths"].values():
        for operation in path_item.values():
            responses = operation["responses"]
            responses.pop("422", None)
            for status, described in errors(*EVERY_OPERATION).items():
                responses.setdefault(str(status), described)
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    if "components" in document and not schemas:
        document["components"].pop("schemas", None)
        if not document["components"]:
            document.pop("components")
    return document


def install(app: FastAPI) -> None:
    """Serve the completed document at `/openapi.json` (built once, on first request)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _complete(
                get_openapi(
                    title=app.title, version=app.version, description=app.description, routes=app.routes
                )
            )
        return app.openapi_schema

    setattr(app, "openapi", build)  # noqa: B010 (FastAPI's documented way to replace the document)
