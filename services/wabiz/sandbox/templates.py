"""The sandbox's template catalogue: which (name, language) exist and how many body parameters each takes.

The Cloud API checks templates when the message is processed, not when it is accepted, so a bad
template is answered with a message id and ends in a `failed` status (132001 / 132000), as on the
real network. The default catalogue is small and documented; `WABIZ_SANDBOX_TEMPLATES_FILE` swaps
in another one for tests that need more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wabiz.sandbox.rules import TEMPLATE_MISSING, TEMPLATE_PARAMS, count_body_parameters

DEFAULT_NAMESPACE = "wabiz_sandbox"


class TemplateEntry(BaseModel):
    """One approved template in one language, as written in a templates file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    language: str = Field(min_length=2)
    body_parameters: int = Field(0, ge=0, le=100)
    category: str = Field("utility", pattern="^(marketing|utility|authentication)$")


class TemplatesFile(BaseModel):
    """`{"namespace": "…", "templates": [{"name", "language", "body_parameters", "category"}]}`."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = DEFAULT_NAMESPACE
    templates: list[TemplateEntry]


@dataclass(frozen=True)
class Catalogue:
    namespace: str
    entries: dict[tuple[str, str], TemplateEntry]

    def find(self, template: Any) -> TemplateEntry | None:
        if not isinstance(template, dict):
            return None
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        return self.entries.get((str(template.get("name")), str(code)))

    def error(self, template: Any) -> int | None:
        """None when the template exists in this language and gets the right parameter count."""
        entry = self.find(template)
        if entry is None:
            return TEMPLATE_MISSING
        if count_body_parameters(template) != entry.body_parameters:
            return TEMPLATE_PARAMS
        return None

    def listing(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "templates": [entry.model_dump() for entry in self.entries.values()],
        }


def catalogue_from(spec: TemplatesFile) -> Catalogue:
    return Catalogue(spec.namespace, {(t.name, t.language): t for t in spec.templates})


def default_catalogue() -> Catalogue:
    return catalogue_from(
        TemplatesFile(
            templates=[
                TemplateEntry(name="hello_world", language="en_US", category="marketing"),
                TemplateEntry(name="order_update", language="en_US", body_parameters=2),
                TemplateEntry(name="order_update", language="es", body_parameters=2),
                TemplateEntry(name="otp", language="en_US", body_parameters=1, category="authentication"),
            ]
        )
    )


def load_catalogue(path: Path | None) -> Catalogue:
    """The catalogue in `path` (validated; a bad file stops the sandbox at start), else the default."""
    if path is None:
        return default_catalogue()
    return catalogue_from(TemplatesFile.model_validate_json(path.read_bytes()))
