"""Schemathesis over every operation of /openapi.json, with a member's token and with none.

Up to 50 generated requests per operation and token; any 5xx, any status code, content
type, header or body the API description does not give fails the test. A summary line is
printed at the end of the module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from tests.api.conftest import Api
from tests.support.fuzz import bounded, send, summarise

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
    yield from summarise(request, "schemathesis", TALLY)


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex="^/pact/")


@pytest.mark.parametrize("api_database", ["sqlite"], indirect=True)
@schema.parametrize()
@bounded(50)
def test_every_operation_answers_as_described(case: Any, member_token: str) -> None:
    """Each generated request is sent twice: with a member's token, then with none."""
    for headers in ({"Authorization": f"Bearer {member_token}"}, {}):
        send(case, TALLY, headers=headers)
