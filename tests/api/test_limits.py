"""Units of the request limits: nesting measured before parsing, the walk's paths, the
route table. (Over HTTP: test_hostile_input.py and tests/cli/test_hostile_load.py.)"""

from __future__ import annotations

import json

import pytest

from carbonledger.api.limits import (
    _SLOW,
    BodyRefused,
    Limits,
    _compiled_loads,
    _finite_float,
    check_body,
    nesting_depth,
    parse_json,
)


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


@pytest.mark.parametrize(
    "text",
    [
        '{"lines": [1, 2], "lines": [1, 2, 3]}',  # the last of duplicate keys, as json.loads
        '{"a": -0.5e-3, "b": 12345678901234567890123, "c": "\\u00e9\\n", "d": [true, null]}',
        '{"a": 1e308, "b": "華東"}',
        '{"n": ' + "9" * 4301 + "}",  # longer than int() takes: json.loads refuses it
        '{"a": 1.5e400}',  # out of range: the walk names it
        '{"a": Infinity}',
        '\ufeff{"a": 1}',
        '{"a": "tab\there"}',
        "[1,]",
    ],
)
def test_the_compiled_parse_gives_what_json_loads_gives_or_leaves_it_the_text(text: str) -> None:
    """The limits parse a body and each claim document with msgspec where that gives the value
    ``json.loads`` gives, and leave the rest (refused or out of range) to ``json.loads``."""
    try:
        reference: object = json.loads(text, parse_float=_finite_float)
    except Exception:
        reference = _SLOW
    assert _compiled_loads(text) in (reference, _SLOW)
    if reference is _SLOW:
        assert _compiled_loads(text) is _SLOW


def test_a_document_over_the_line_limit_is_refused_however_it_is_parsed() -> None:
    document = '{"kind": "footprint", "lines": [' + ",".join(["{}"] * 4) + "]}"
    for body in (
        {"document": document},
        {"document": document.replace("{}", '{"q": 1e400}', 1)},
    ):
        raw = json.dumps(body).encode()
        with pytest.raises(BodyRefused) as refused:
            check_body("POST", "/claims", raw, Limits(max_claim_lines=3))
        assert refused.value.problems[0]["field"].startswith("document")


def test_nesting_skips_strings_in_any_script_and_their_escapes() -> None:
    assert nesting_depth('{"華東": "[[{", "b": [{"é": [1]}]}') == 4
    assert nesting_depth('{"a": "x\\\\", "b": [[]], "c": "\\"[[[\\""}') == 3
    assert nesting_depth('["\ud800[", [[]]]') == 3  # a lone surrogate has bytes too
    assert nesting_depth("[[[") == 3  # not JSON: measured as far as it goes
