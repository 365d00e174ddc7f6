"""Holding real answers to `/openapi.json`: each one must be documented for its operation and
status, with its content type, and a JSON answer must validate against the documented schema.

`Conformance.check` is an httpx response hook on the test's client (fixture `conformance`), so a
test that makes calls for its own reasons proves the document along the way; it also checks that
a request sent with a body reached an operation documenting one of that media type, and that
accepted credentials are of a scheme the operation documents. It records
which operations answered what, so a test can tell which operations it proved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jsonschema
import pytest

from tests.db.webapp_harness import Running

Operation = dict[str, Any]


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, Operation]]:
    """(method, path template, operation) of every operation of the document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def _pattern(template: str) -> re.Pattern[str]:
    # A parameter may hold `/` (message ids, anything below /v1/groups/).
    literals = re.split(r"\{[^}]+\}", template)
    return re.compile("(.+)".join(re.escape(literal) for literal in literals))


def _media_type(documented: dict[str, Any], content_type: str) -> str | None:
    """The documented media type a request or answer of `content_type` falls under, if any."""
    base = content_type.split(";")[0].strip()
    return next((key for key in (content_type, base, "*/*") if key in documented), None)


@dataclass
class Conformance:
    document: dict[str, Any]
    answered: set[tuple[str, int]] = field(default_factory=set)  # (operationId, status)

    def operation(self, method: str, path: str) -> Operation:
        # Literal paths first: `/v1/users/login` is not `/v1/users/{username}`.
        candidates = sorted(
            ((template, operation) for m, template, operation in operations(self.document) if m == method),
            key=lambda candidate: candidate[0].count("{"),
        )
        for template, operation in candidates:
            if _pattern(template).fullmatch(path):
                return operation
        raise AssertionError(f"{method.upper()} {path} is not documented in /openapi.json")

    async def check(self, response: httpx.Response) -> None:
        request = response.request
        operation = self.operation(request.method.lower(), request.url.path)
        name = f"{operation['operationId']} ({request.method} {request.url.path})"
        if request.content:
            _check_body(name, operation, request.headers.get("content-type", ""))
        if response.status_code != 401:
            self._check_credentials(name, operation, request.headers.get("authorization", ""))
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, f"{name} answered {response.status_code}, not documented"
        await response.aread()
        content_type = response.headers.get("content-type", "")
        media_type = _media_type(documented.get("content", {}), content_type)
        assert media_type is not None, (
            f"{name} answered {response.status_code} as {content_type!r}, not documented"
        )
        if media_type == "application/json":
            # The schema's `$ref`s point into the document's components: resolve them there.
            schema = documented["content"][media_type]["schema"] | {"components": self.document["components"]}
            try:
                jsonschema.Draft202012Validator(schema).validate(response.json())
            except jsonschema.ValidationError as exc:
                raise AssertionError(
                    f"{name} answered {response.status_code} off its schema: {exc}"
                ) from None
        self.answered.add((operation["operationId"], response.status_code))

    def _check_credentials(self, name: str, operation: Operation, authorization: str) -> None:
        """Credentials that were accepted are of a scheme the operation documents (the scheme's
        name is the header's first word: `Bearer`, `Basic`, `Apikey`)."""
        schemes = {
            scheme for needed in operation.get("security", self.document["security"]) for scheme in needed
        }
        used = authorization.split(" ")[0].lower()
        assert used in schemes, f"{name} took {used or 'no'} credentials; documented: {sorted(schemes)}"

    def proven(self) -> set[str]:
        """The operations that answered a success, and those that never succeed that answered at all."""
        refused = {op["operationId"] for _, _, op in operations(self.document) if not _successes(op)}
        return {name for name, status in self.answered if status < 300 or name in refused}


def _successes(operation: Operation) -> list[str]:
    return [status for status in operation["responses"] if status.startswith("2")]


def _check_body(name: str, operation: Operation, content_type: str) -> None:
    body = operation.get("requestBody")
    assert body is not None, f"{name} takes a body that /openapi.json does not document"
    assert _media_type(body["content"], content_type), f"{name}: a body of {content_type!r} is not documented"


@pytest.fixture
def conformance(run: Running) -> Conformance:
    checker = Conformance(run.app.openapi())
    run.client.event_hooks["response"].append(checker.check)
    return checker
