"""The sandbox's template catalogue: (name, language) → number of body parameters."""

from __future__ import annotations

from typing import Any

from wabiz.sandbox.rules import TEMPLATE_MISSING, TEMPLATE_PARAMS, count_body_parameters

NAMESPACE = "wabiz_sandbox"

CATALOGUE: dict[tuple[str, str], int] = {
    ("hello_world", "en_US"): 0,
    ("order_update", "en_US"): 2,
    ("order_update", "es"): 2,
    ("otp", "en_US"): 1,
}


def template_error(template: Any) -> int | None:
    """None when the template exists with this language and gets the right parameter count."""
    if not isinstance(template, dict):
        return TEMPLATE_MISSING
    language = template.get("language") or {}
    key = (str(template.get("name")), str(language.get("code") if isinstance(language, dict) else ""))
    if key not in CATALOGUE:
        return TEMPLATE_MISSING
    if count_body_parameters(template) != CATALOGUE[key]:
        return TEMPLATE_PARAMS
    return None
