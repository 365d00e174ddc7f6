"""Turn pydantic validation failures into contract errors that name the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wabiz.kit.errors import ApiError, InvalidParameter, InvalidRequest, MissingParameter, UnexpectedParameter


def field_path(loc: Sequence[Any]) -> str:
    """`("body", "text", "body")` → `text.body`; list indexes as `[0]`."""
    parts: list[str] = []
    for item in loc:
        if item in ("body", "query", "path", "header") and not parts:
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif parts:
            parts.append(f".{item}")
        else:
            parts.append(str(item))
    return "".join(parts) or "request body"


def error_from_validation(errors: Sequence[Any]) -> ApiError:
    """The first problem decides the code; pydantic's ordering follows the model's fields."""
    first = errors[0]
    kind, path = first.get("type", ""), field_path(first.get("loc", ()))
    if kind == "missing":
        return MissingParameter(f"{path} is required")
    if kind == "extra_forbidden":
        return UnexpectedParameter(f"{path} is not a known parameter")
    if kind in ("json_invalid", "model_attributes_type") and path == "request body":
        return InvalidRequest("the request body must be a JSON object")
    message = str(first.get("msg", "invalid value"))
    return InvalidParameter(f"{path}: {message}")
