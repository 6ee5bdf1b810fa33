"""Hostile input gets a 4xx that names the field or the limit, never a 500.

The first twelve tests are the reproducers of the security review (issue 16), each of which
answered 500 before.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api, as_bytes, example

INF = "1e400"  # parses to float('inf'), which JSON cannot carry back
SURROGATE = "\\ud800"  # an unpaired UTF-16 surrogate, as JSON escapes it
SETTLEMENT = "0x" + "11" * 32


@pytest.fixture(scope="module")
def member(api: Api) -> tuple[Any, str]:
    firm = api.admit("Hostile Haulage")
    client = api.client(firm, login=False)
    token = client.login()
    client.register_vault_key()
    return firm, token


def _post_raw(http: httpx.Client, path: str, text: str) -> httpx.Response:
    return http.post(
        path, content=text.encode("utf-8"), headers={"content-type": "application/json"}
    )


def _fields(response: httpx.Response) -> list[str]:
    body = response.json()
    assert isinstance(body["detail"], str)
    return [p["field"] for p in body.get("problems", [])]


def test_an_infinite_expiry_at_login_is_refused_with_422_naming_it(api: Api) -> None:
    with api.http() as http:
        for path in ("/auth/token", "/auth/challenge"):
            member = "0x" + "ab" * 20
            text = f'{{"member": "{member}", "nonce": "0x00", "expiresAt": {INF}, "signature": ""}}'
            answer = _post_raw(http, path, text)
            assert answer.status_code == 422, answer.text
            assert _fields(answer) == ["expiresAt"]
            assert "finite" in answer.json()["detail"]


def test_an_infinite_nonce_in_a_claim_is_refused_with_422_naming_it(
    api: Api, member: tuple[Any, str]
) -> None:
    firm, token = member
    document = json.dumps(example("carrier_footprint.json", firm.address))
    text = f'{{"document": {document}, "signature": "0x00", "nonce": {INF}, "deadline": 1}}'
    with api.http(token) as http:
        answer = _post_raw(http, "/claims", text)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["nonce"]


def test_an_unpaired_surrogate_in_a_claim_document_is_refused_naming_its_path(
    api: Api, member: tuple[Any, str]
) -> None:
    firm, token = member
    document = as_bytes(example("carrier_footprint.json", firm.address)).decode("utf-8")
    document = document.replace('"TRIP-2024-0001"', f'"TRIP{SURROGATE}"', 1)
    text = f'{{"document": {document}, "signature": "0x00", "nonce": 0, "deadline": 1}}'
    with api.http(token) as http:
        answer = _post_raw(http, "/claims", text)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["document.lines[0].id"]
    assert "surrogate" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"/settlements/{SETTLEMENT}/declines", {"reason": "R"}),
        (f"/settlements/{SETTLEMENT}/reduction", {"realised_kgco2e": 1, "evidence": "R"}),
        (f"/settlements/{SETTLEMENT}/payments", {"amount": 1, "reference": "R"}),
    ],
    ids=["decline reason", "evidence", "payment reference"],
)
def test_an_unpaired_surrogate_in_a_settlement_text_is_refused_naming_it(
    api: Api, member: tuple[Any, str], path: str, body: dict[str, Any]
) -> None:
    _, token = member
    text = json.dumps({"nonce": 0, "deadline": 1, "signature": "0x00", **body})
    text = text.replace('"R"', f'"a{SURROGATE}b"')
    with api.http(token) as http:
        answer = _post_raw(http, path, text)
    assert answer.status_code == 422, answer.text
    [field] = _fields(answer)
    assert field in ("reason", "evidence", "reference")


def test_a_page_beyond_the_database_integers_is_refused_with_422(
    api: Api, member: tuple[Any, str]
) -> None:
    with api.http(member[1]) as http:
        answer = http.get("/claims", params={"page": "1000000000000000000000"})
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["query.page"]


def test_the_last_representable_day_is_a_valid_period_bound(
    api: Api, member: tuple[Any, str]
) -> None:
    with api.http(member[1]) as http:
        answer = http.get("/claims", params={"period_to": "9999-12-31"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("path", ["/claims", "/claims/export"])
@pytest.mark.parametrize(
    ("params", "field"), [({"state": "lost"}, "state"), ({"firm": "0x12"}, "firm")]
)
def test_a_claims_query_with_an_unknown_state_or_a_bad_firm_is_refused_with_422(
    api: Api, member: tuple[Any, str], path: str, params: dict[str, str], field: str
) -> None:
    with api.http(member[1]) as http:
        answer = http.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [field]


@pytest.mark.parametrize("settlement_id", ["", "0x12"])
def test_a_settlement_id_that_is_not_32_bytes_is_refused_with_422(
    api: Api, member: tuple[Any, str], settlement_id: str
) -> None:
    with api.http(member[1]) as http:
        answer = http.get("/settlements/allocations", params={"settlement_id": settlement_id})
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["query.settlement_id.0"]


def test_revoking_a_grant_of_a_reader_that_is_not_an_address_is_refused_with_422(
    api: Api, member: tuple[Any, str]
) -> None:
    firm, token = member
    client = api.client(firm)
    answer = client.submit_claim(as_bytes(example("warehouse_footprint.json", firm.address)))
    with api.http(token) as http:
        refused = http.delete(f"/claims/{answer['claim_id']}/grants/0")
    assert refused.status_code == 422, refused.text
    assert _fields(refused) == ["path.reader"]


# --- beyond the reproducers ---


def test_nesting_deeper_than_the_limit_is_refused_naming_max_json_depth(
    api: Api, member: tuple[Any, str]
) -> None:
    with api.http(member[1]) as http:
        deep = _post_raw(http, "/claims", '{"document": ' + "[" * 100_000 + "]" * 100_000 + "}")
        shallow_but_over = _post_raw(http, "/claims", '{"document": ' + "[" * 40 + "]" * 40 + "}")
    for answer in (deep, shallow_but_over):
        assert answer.status_code == 422, answer.text
        assert "max_json_depth=32" in answer.json()["detail"]


def test_a_body_that_is_not_utf8_or_not_json_is_refused_with_422_naming_the_body(
    api: Api,
) -> None:
    with api.http() as http:
        bad_utf8 = http.post(
            "/auth/challenge",
            content=b'{"member": "\xff"}',
            headers={"content-type": "application/json"},
        )
        not_json = _post_raw(http, "/auth/challenge", '{"member": ')
    for answer in (bad_utf8, not_json):
        assert answer.status_code == 422, answer.text
        assert _fields(answer) == ["body"]


def test_a_claim_over_the_size_limit_gets_413_naming_the_limit_before_it_is_read(
    api: Api, member: tuple[Any, str]
) -> None:
    limit = api.services.settings.max_claim_bytes
    with api.http(member[1]) as http:
        answer = http.post(
            "/claims",
            content=b" " * (limit + 1),
            headers={"content-type": "application/json"},
        )
    assert answer.status_code == 413, answer.text
    assert f"max_claim_bytes={limit}" in answer.json()["detail"]


def test_a_large_body_without_a_token_gets_401_before_it_is_read(api: Api) -> None:
    def chunks() -> Any:
        for _ in range(64):
            yield b" " * 65536

    with api.http() as http:
        declared = http.post("/claims", content=b" " * 1_000_000)
        streamed = http.post("/claims", content=chunks())
    for answer in (declared, streamed):
        assert answer.status_code == 401, answer.text
        assert "unauthenticated_body_bytes" in answer.json()["detail"]


def test_a_claim_with_more_lines_than_the_limit_is_refused_naming_max_claim_lines(
    api: Api, member: tuple[Any, str]
) -> None:
    firm, token = member
    document = example("carrier_footprint.json", firm.address)
    limit = api.services.settings.max_claim_lines
    document["lines"] = [document["lines"][0]] * (limit + 1)
    for as_text in (False, True):
        body = {
            "document": json.dumps(document) if as_text else document,
            "signature": "0x00",
            "nonce": 0,
            "deadline": 1,
        }
        with api.http(token) as http:
            answer = http.post("/claims", json=body)
        assert answer.status_code == 422, answer.text
        assert _fields(answer) == ["document.lines"]
        assert f"max_claim_lines={limit}" in answer.json()["detail"]


def test_a_405_lists_every_method_of_the_path_in_allow(api: Api) -> None:
    with api.http() as http:
        answer = http.put("/settlements")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "POST"}


def test_the_api_description_gives_the_real_error_shape_for_422(api: Api) -> None:
    with api.http() as http:
        schema = http.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    answer = schema["paths"]["/claims"]["post"]["responses"]
    for status in ("401", "413", "422"):
        assert answer[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
