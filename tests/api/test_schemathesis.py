"""Schemathesis over every operation of /openapi.json, with a member's token and with none.

Up to 50 generated requests per operation and token; any 5xx, any status code, content
type, header or body the API description does not give fails the test. A summary line is
printed at the end of the module.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("CARBONLEDGER_SCHEMATHESIS_EXAMPLES", "50"))
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def member_token(api: Api) -> str:
    client = api.client(api.admit("Schemathesis Shipping"), login=False)
    return client.login()


@pytest.fixture(scope="module")
def api_schema(api: Api) -> Any:
    # The /pact routes answer 503 "the PACT host is not running" here: this fixture runs the
    # ledger's services but not the PACT host, so they are left to their own tests.
    return schemathesis.openapi.from_url(f"{api.url}/openapi.json")


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    line = (
        f"schemathesis: {TALLY['operations']} operations, {TALLY['requests']} requests, "
        f"{TALLY['5xx']} 5xx, {TALLY['failed']} failing (incl. shrinking)"
    )
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex="^/pact/")


@pytest.mark.parametrize("api", ["sqlite"], indirect=True)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
    database=None,
)
def test_every_operation_answers_as_described(case: Any, member_token: str) -> None:
    """Each generated request is sent twice: with a member's token, then with none."""
    if case.operation.label not in TALLY:
        TALLY[case.operation.label] = 1
        TALLY["operations"] += 1
    for headers in ({"Authorization": f"Bearer {member_token}"}, {}):
        TALLY["requests"] += 1
        try:
            response = case.call(headers=headers, timeout=60)
            if response.status_code >= 500:
                TALLY["5xx"] += 1
            case.validate_response(response, checks=CHECKS)
        except Exception:
            TALLY["failed"] += 1
            raise
