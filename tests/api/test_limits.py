"""Units of the request limits: nesting measured before parsing, the walk's paths, the
route table. (Over HTTP: test_hostile_input.py and tests/cli/test_hostile_load.py.)"""

from __future__ import annotations

import pytest

from carbonledger.api.limits import BodyRefused, Limits, check_body, nesting_depth, parse_json


def test_nesting_is_measured_without_counting_brackets_inside_strings() -> None:
    assert nesting_depth('{"a": "[[[{{{", "b": [[1]]}') == 3
    assert nesting_depth('"\\"[["') == 0
    assert nesting_depth("[" * 200_000 + "]" * 200_000) == 200_000


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ('{"a": [1, {"b": 1e400}]}', "a[1].b", "finite"),
        ('{"a": "x\\udc00"}', "a", "surrogate"),
        ('{"a\\ud800": 1}', "<key>", "surrogate"),
        ("[" * 33 + "]" * 33, "body", "max_json_depth=32"),
        ('{"a": NaN}', "body", "not valid JSON"),
    ],
)
def test_a_refused_value_names_its_path_and_reason(text: str, field: str, reason: str) -> None:
    with pytest.raises(BodyRefused) as refused:
        parse_json(text.encode(), max_depth=32)
    assert refused.value.status == 422
    assert refused.value.problems[0]["field"] == field
    assert reason in refused.value.detail


def test_each_route_has_its_body_limit() -> None:
    limits = Limits()
    assert limits.body_limit("POST", "/claims") == ("max_claim_bytes", 8 * 1024 * 1024)
    assert limits.body_limit("POST", "/claims/batch/") == ("max_batch_bytes", 32 * 1024 * 1024)
    assert limits.body_limit("POST", "/settlements") == ("max_body_bytes", 64 * 1024)


def test_a_batch_over_its_claim_limit_is_refused_naming_the_limit() -> None:
    body = b'{"claims": [' + b",".join([b"{}"] * 3) + b"]}"
    with pytest.raises(BodyRefused, match="max_batch_claims=2"):
        check_body("POST", "/claims/batch", body, Limits(max_batch_claims=2))
    check_body("POST", "/claims/batch", body, Limits(max_batch_claims=3))


def test_public_operations_are_read_from_the_api_description() -> None:
    from carbonledger.api.limits import public_operations

    openapi = {
        "paths": {
            "/claims/check": {"post": {"responses": {}}},
            "/claims/{claim_id}/grants": {"post": {"security": [{"HTTPBearer": []}]}},
            "/items/{item}": {"put": {"responses": {}}},
        }
    }
    is_public = public_operations(openapi)
    assert is_public("POST", "/claims/check")
    assert not is_public("POST", "/claims/0xab/grants")
    assert is_public("PUT", "/items/7")
    assert not is_public("PUT", "/items/7/more")
