"""The On-Premises response envelope: `meta` beside the payload or the `errors` list."""

from __future__ import annotations

from typing import Any

from wabiz import __version__

META = {"version": __version__, "api_status": "stable"}


def ok(**payload: Any) -> dict[str, Any]:
    return {"meta": META, **payload}


def failure(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"meta": META, "errors": list(errors)}
