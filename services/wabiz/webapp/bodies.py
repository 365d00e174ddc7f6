"""JSON request bodies: strict models, contract errors, and their OpenAPI description.

Bodies are read by `kit.httpapp.json_body` (orjson, size cap, 1025 for malformed JSON or a wrong
content type) and validated here in strict mode, so every problem becomes 1008/1009/1010 naming
the field. FastAPI's own body parsing is not used; `documented` puts the schemas back into
`/openapi.json`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from wabiz.kit.errors import InvalidRequest
from wabiz.kit.validation import error_from_validation
from wabiz.webapp.openapi import schema_of

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Unknown fields are 1010, wrong JSON types 1009: no silent coercion of `"5"` into 5."""

    model_config = ConfigDict(extra="forbid", strict=True)


def without_nulls(raw: Any) -> Any:
    """`raw` with every `null` member of an object left out, at any depth.

    On-Premises clients send `null` for an optional field they do not set; it means the same as
    leaving the field out (a required field sent as `null` is therefore "missing", 1008).
    """
    if isinstance(raw, dict):
        return {key: without_nulls(value) for key, value in raw.items() if value is not None}
    if isinstance(raw, list):
        return [without_nulls(item) for item in raw]
    return raw


def to_model(model: type[M], raw: Any) -> M:
    if not isinstance(raw, dict):
        raise InvalidRequest("the request body must be a JSON object")
    try:
        return model.model_validate(without_nulls(raw))
    except ValidationError as exc:
        raise error_from_validation(exc.errors()) from None


def documented(shape: Any, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` describing a JSON request body of this shape."""
    content = {"application/json": {"schema": schema_of(shape)}}
    return {"requestBody": {"required": required, "content": content}}
