"""What `/openapi.json` says each operation takes and answers, errors included.

Handlers build their JSON answers themselves (`kit.envelope.ok`), so nothing validates or
serialises an answer at run time; each route declares what it answers as documentation only:
`responses=errors(404, also={200: answered("…", SomeAnswer)})`, the answer's model written next
to the area's endpoints (`<area>/schemas.py`). tests/db/test_webapp_openapi.py checks that real
answers validate against what is declared here.

Every error leaves in the contract's envelope (`kit.httpapp`), so every documented error status
carries the same schema. Each route lists its own (`errors(404, 409)`); three apply to every
operation and are added here: 401 (every operation needs credentials), 500 (an unexpected
failure, 1014) and 503 (the database or a CoreApp unavailable, a failover). FastAPI's automatic
422 is removed: validation problems are answered 400 with 1008/1009/1010, never 422. The contract
fuzzing test (tests/stack/test_api_fuzzing.py) holds the WebApp to this document.

Routes declare shapes with `schema_of` placeholders; once all are known, `with_components` asks
pydantic for every schema at once, so each model appears once in `components.schemas` under its
class name and operations point at it (a generated client gets one class per model, not one per
operation and status). An operation's id is its endpoint function's name (`send_message`,
`login`), so a generated client gets those method names; FastAPI warns if two are the same. The
credentials are security schemes: a bearer token everywhere, unless a route says otherwise
(`BASIC_AUTH`, `PROBE_AUTH`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, TypeAdapter

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
BINARY = {"type": "string", "format": "binary"}
Responses = dict[int | str, dict[str, Any]]  # a route's `responses=`: what each status answers
# How a caller proves who it is (`auth.py`): a bearer token unless an operation says otherwise.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "A token from POST /v1/users/login"},
    "basic": {"type": "http", "scheme": "basic", "description": "Username and password, to log in"},
    "apikey": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Apikey <key>` (the configured API key), for probes and Prometheus",
    },
}
# `openapi_extra` of the login, and of what probes read.
BASIC_AUTH: dict[str, Any] = {"security": [{"basic": []}]}
PROBE_AUTH: dict[str, Any] = {"security": [{"bearer": []}, {"apikey": []}]}
Mode = Literal["validation", "serialization"]  # a body as it is read, an answer as it is written
PLACEHOLDER = "x-wabiz-shape"
_SHAPES: dict[str, tuple[Any, Mode]] = {}  # every shape a route declared, by placeholder key


class AnswerModel(BaseModel):
    """Part of an answer, exactly: the document says no other member comes (`additionalProperties:
    false`), so a generated client knows every field and the conformance test catches one too many."""

    model_config = ConfigDict(extra="forbid")


class Meta(AnswerModel):
    version: str
    api_status: str


class Envelope(AnswerModel):
    """`meta` alone: the answer of a request carried out that has nothing else to say. Answers
    with a payload extend it (`{"meta": …, "users": […]}`)."""

    meta: Meta


class Error(AnswerModel):
    code: int
    title: str
    details: str


class ErrorEnvelope(Envelope):
    errors: list[Error]


def schema_of(shape: Any, mode: Mode = "validation") -> dict[str, Any]:
    """Where the document holds the schema of a model (or a union, a list of models): a
    placeholder that `with_components` replaces once every route has declared its shapes."""
    key = f"{mode}:{shape!r}"
    _SHAPES[key] = (shape, mode)
    return {PLACEHOLDER: key}


def operation_id(route: APIRoute) -> str:
    """The endpoint function's name (`generate_unique_id_function` of the app)."""
    return route.name


def errors(*statuses: int, also: Responses | None = None) -> Responses:
    """`responses=` of a route: these error statuses, each with the envelope's schema, and the
    answers `also` describes (success statuses besides the route's own, non-JSON content)."""
    envelope = {"application/json": {"schema": schema_of(ErrorEnvelope, "serialization")}}
    documented = dict(also or {})
    documented |= {status: {"description": DESCRIPTIONS[status], "content": envelope} for status in statuses}
    return documented


def answer(description: str, content: dict[str, Any]) -> dict[str, Any]:
    """A success answer with this content (`json_content`, `bytes_content`, or both)."""
    return {"description": description, "content": content}


def answered(description: str, shape: Any) -> dict[str, Any]:
    """A JSON success answer of this shape (a model, or a union of models)."""
    return answer(description, json_content(shape))


def json_content(shape: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema_of(shape, "serialization")}}


def bytes_content(*media_types: str) -> dict[str, Any]:
    """Bytes of these media types (a file, an image), not JSON."""
    return {media: {"schema": BINARY} for media in media_types}


def bytes_body(*media_types: str) -> dict[str, Any]:
    """`openapi_extra` describing a request body that is raw bytes of these media types."""
    return {"requestBody": {"required": True, "content": bytes_content(*media_types)}}


def _complete(document: dict[str, Any]) -> dict[str, Any]:
    for path_item in document["paths"].values():
        for operation in path_item.values():
            responses = operation["responses"]
            responses.pop("422", None)
            for status, described in errors(*EVERY_OPERATION).items():
                responses.setdefault(str(status), described)
    components = document.setdefault("components", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{"bearer": []}]
    return with_components(document)


def with_components(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with each placeholder replaced by its schema, and every model those schemas
    name in `components.schemas`, once, under its class name (`-Input`/`-Output` where a model
    reads and writes differently): a generated client gets one class per model."""
    keys = sorted(set(_placeholders(document)))
    inputs = [(key, _SHAPES[key][1], TypeAdapter(_SHAPES[key][0])) for key in keys]
    resolved, definitions = TypeAdapter.json_schemas(inputs, ref_template="#/components/schemas/{model}")
    completed: dict[str, Any] = _replaced(document, {key: schema for (key, _), schema in resolved.items()})
    models = definitions.get("$defs", {})
    for name, schema in models.items():
        # Generators name a class by its title: the two halves of a split model need two.
        schema["title"] = name.replace("-", "")
    completed.setdefault("components", {}).setdefault("schemas", {}).update(models)
    return completed


def _placeholders(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if PLACEHOLDER in node:
            yield node[PLACEHOLDER]
        for value in node.values():
            yield from _placeholders(value)
    elif isinstance(node, list):
        for item in node:
            yield from _placeholders(item)


def _replaced(node: Any, schemas: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if PLACEHOLDER in node:
            return schemas[node[PLACEHOLDER]]
        return {key: _replaced(value, schemas) for key, value in node.items()}
    if isinstance(node, list):
        return [_replaced(item, schemas) for item in node]
    return node


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
