"""Contract fuzzing: schemathesis drives every operation of the WebApp's own `/openapi.json`.

It runs against a stack of its own, because it changes what it may (settings, shard count, users,
the admin's token may be logged out) and trips the login throttle. Each operation gets a bounded,
derandomized set of examples (valid and invalid input), so a run is the same on every machine and
takes about 30 s here, the stack's start included. Checks: no 5xx, and every status code and
content type answered is documented for the operation.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.stack.helpers import ADMIN_PASSWORD, login
from tests.stack.shared import start_stack, stop_stack
from wabiz.local.stack import Stack

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def fuzzed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("fuzzed"))
    yield running
    stop_stack(running)


@pytest.fixture(scope="module")
def fuzzed_token(fuzzed_stack: Stack) -> str:
    return login(fuzzed_stack.components["webapp"].url, "admin", "secret", new_password=ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def webapp_schema(fuzzed_stack: Stack) -> schemathesis.BaseSchema:
    url = fuzzed_stack.components["webapp"].url
    return schemathesis.openapi.from_url(f"{url}/openapi.json")


def _credentials(operation: APIOperation, token: str) -> dict[str, str]:
    """The admin's bearer token; for login, Basic credentials of no one (401, then the throttle's 429)."""
    if operation.label == "POST /v1/users/login":
        return {"Authorization": "Basic " + base64.b64encode(b"fuzzer:Wrong-Pass1!").decode()}
    return {"Authorization": f"Bearer {token}"}


def _fuzz(operation: APIOperation, token: str) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode)))
    def example(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=_credentials(operation, token), checks=CHECKS, timeout=30)

    example()


def test_the_webapp_answers_as_its_openapi_says(
    webapp_schema: schemathesis.BaseSchema, fuzzed_token: str
) -> None:
    # One test walks every operation (schemathesis' pytest plugin does not run on pytest 9.2), and
    # reports every operation that failed, not only the first.
    failures = []
    operations = [result.ok() for result in webapp_schema.get_all_operations()]
    # Logging out revokes the token every other operation is called with: last.
    for operation in sorted(operations, key=lambda op: op.label == "POST /v1/users/logout"):
        try:
            _fuzz(operation, fuzzed_token)
        except (Exception, BaseExceptionGroup) as exc:
            found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
            failures += [f"{operation.label}: {' '.join(str(e).split())}" for e in found]
    assert not failures, "\n\n".join(failures)
