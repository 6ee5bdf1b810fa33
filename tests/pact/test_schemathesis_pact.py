"""Schemathesis over every operation of the PACT host's own /openapi.json, live over HTTPS.

The description is fetched from the running host (verified against its generated
certificate). Each generated request, valid or not, is sent with the partner's credentials
(a client-credentials bearer token; HTTP Basic for ``POST /auth/token``) and then with none;
a footprint operation is also sent for a footprint the partner may read. Up to
``CARBONLEDGER_SCHEMATHESIS_EXAMPLES`` (default 30) examples per operation; any 5xx, any
status code, content type, header or body the description does not give fails the test. A
summary line is printed at the end of the module.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.routing import APIRoute
from schemathesis.generation import GenerationMode

from carbonledger.pact.host import create_pact_app
from carbonledger.pact.openapi import pact_openapi
from tests.pact.conftest import PactHost
from tests.support.fuzz import bounded, send, summarise

TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def pact_schema(pact_host: PactHost) -> Any:
    with pact_host.https() as http:
        r = http.get("/openapi.json")
    assert r.status_code == 200, r.text
    loaded = schemathesis.openapi.from_dict(r.json())
    loaded.config.update(base_url=pact_host.url)
    # valid requests and invalid ones: the spec's error bodies are half of what is checked
    loaded.config.generation.update(modes=list(GenerationMode))
    return loaded


@pytest.fixture(scope="module")
def credentials(pact_host: PactHost) -> dict[str, str]:
    basic = base64.b64encode(f"{pact_host.client_id}:{pact_host.client_secret}".encode())
    return {"basic": f"Basic {basic.decode()}", "bearer": f"Bearer {pact_host.token()}"}


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield from summarise(request, "schemathesis (PACT host, HTTPS)", TALLY)


schema = schemathesis.pytest.from_fixture("pact_schema")


@schema.parametrize()
@bounded(30)
def test_every_pact_operation_answers_as_described(
    case: Any, pact_host: PactHost, credentials: dict[str, str]
) -> None:
    """Each generated request is sent with the partner's credentials, then with none."""
    security = case.operation.definition.raw.get("security", [])
    schemes = [name for requirement in security for name in requirement]
    authorised = {"Authorization": credentials[schemes[0]]} if schemes else {}
    paths = [dict(case.path_parameters or {})]
    if "pf_id" in paths[0]:  # a footprint the partner may read, beside the generated id
        paths.append({"pf_id": pact_host.published[0]["id"]})
    for path in paths:
        case.path_parameters = path
        for headers in (authorised, {}):
            send(case, TALLY, headers=headers, verify=str(pact_host.cert))


def test_the_description_names_exactly_the_routes_the_host_serves(pact_host: PactHost) -> None:
    app = create_pact_app(pact_host.pact, pact_host.url)
    served = {
        (method.lower(), route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path != "/openapi.json"
        for method in route.methods
    }
    described = {
        (method, path)
        for path, item in pact_openapi(pact_host.url)["paths"].items()
        for method in item
    }
    assert served == described
