"""What the schemathesis runs share: the checks every answer must pass, the Hypothesis
settings that keep their CI cost bounded, and the tally printed as one summary line."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def bounded(default_examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings: ``CARBONLEDGER_SCHEMATHESIS_EXAMPLES`` (else the default) examples
    per operation, explicit examples then generation, no shrinking database."""
    return settings(
        max_examples=int(os.environ.get("CARBONLEDGER_SCHEMATHESIS_EXAMPLES", default_examples)),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        database=None,
    )


def summarise(request: pytest.FixtureRequest, title: str, tally: Counter[str]) -> Iterator[None]:
    """A module fixture's body: after the module, one line of what the run sent and found
    (with ``CARBONLEDGER_SCHEMATHESIS_TALLY`` set, the count of each operation's statuses)."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    line = (
        f"{title}: {tally['operations']} operations, {tally['requests']} requests, "
        f"{tally['5xx']} 5xx, {tally['failed']} failing (incl. shrinking)"
    )
    if os.environ.get("CARBONLEDGER_SCHEMATHESIS_TALLY"):
        line += "".join(f"\n  {k}: {v}" for k, v in sorted(tally.items()) if " " in k)
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


def send(case: Any, tally: Counter[str], **kwargs: Any) -> None:
    """``case`` sent once, counted, and its answer checked against the description."""
    if case.operation.label not in tally:
        tally[case.operation.label] = 1
        tally["operations"] += 1
    tally["requests"] += 1
    try:
        response = case.call(timeout=60, **kwargs)
        tally[f"{case.operation.label} {response.status_code}"] += 1
        if response.status_code >= 500:
            tally["5xx"] += 1
        case.validate_response(response, checks=CHECKS)
    except Exception:
        tally["failed"] += 1
        raise
