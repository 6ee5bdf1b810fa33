"""The PACT v3 conformance test cases (WBCSD pact-conformance-service,
docs/v3-test-cases-expected-results.md: 41 cases, 39 mandatory), each encoded here against the
running host over HTTPS and named by its case number. Every body is validated against the
PACT schemas (:mod:`carbonledger.pact.schema`). In cases 13 and 14.B the host calls back the
partner's /3/events: here the partner is a second firm of the same ledger, whose own PACT
host (the same HTTPS app) receives the event with the credentials it issued the supplier."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.pact.conftest import PactHost, valid

EVENTS = "application/cloudevents+json; charset=UTF-8"


def ids(body: Any) -> set[str]:
    return {pf["id"] for pf in valid("list", body)["data"]}


def plain_http_refused(host: PactHost, method: str, path: str, **kwargs: Any) -> None:
    """Plain HTTP to the HTTPS-only port: the connection is refused or no data comes back."""
    url = host.url.replace("https://", "http://") + path
    try:
        r = httpx.request(method, url, timeout=10, **kwargs)
    except httpx.TransportError:
        return
    assert r.status_code >= 400
    assert "access_token" not in r.text and '"data"' not in r.text


# --- authentication ---
def test_case_01_obtain_auth_token_with_valid_credentials(pact_host: PactHost) -> None:
    with pact_host.https() as http:
        r = http.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(pact_host.client_id, pact_host.client_secret),
        )
    assert r.status_code == 200
    assert valid("token", r.json())["token_type"] == "Bearer"


def test_case_02_obtain_auth_token_with_invalid_credentials(pact_host: PactHost) -> None:
    with pact_host.https() as http:
        r = http.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(pact_host.client_id, "not-the-secret"),
        )
    assert r.status_code in (400, 401)
    assert r.json()["error"] == "invalid_client"
    assert "access_token" not in r.json()


# --- single footprint ---
def test_case_03_get_pcf_using_getfootprint(pact_host: PactHost) -> None:
    wanted = pact_host.published[0]["id"]
    with pact_host.authed() as http:
        r = http.get(f"/3/footprints/{wanted}")
    assert r.status_code == 200
    assert valid("single", r.json())["data"]["id"] == wanted


def test_case_04_get_all_pcfs_using_listfootprints(pact_host: PactHost) -> None:
    with pact_host.authed() as http:
        r = http.get("/3/footprints")
    assert r.status_code in (200, 202)
    assert {pf["id"] for pf in pact_host.published} <= ids(r.json())


def test_case_05_pagination_link_implementation_of_listfootprints(pact_host: PactHost) -> None:
    seen: list[str] = []
    with pact_host.authed() as http:
        r = http.get("/3/footprints", params={"limit": 1})
        while True:
            assert r.status_code == 200
            page = valid("list", r.json())["data"]
            assert len(page) <= 1
            seen += [pf["id"] for pf in page]
            link = r.headers.get("link")
            if link is None:
                break
            target, _, rel = link.partition(";")
            assert rel.strip() == 'rel="next"'
            url = target.strip().strip("<>")
            assert url.startswith(pact_host.url + "/3/footprints?")  # absolute, same host
            r = http.get(url)
            assert http.get(url).json() == r.json()  # a pagination link can be called again
    assert len(seen) == len(set(seen)) >= 3
    assert {pf["id"] for pf in pact_host.published} <= set(seen)


def test_case_06_attempt_listfootprints_with_invalid_token(pact_host: PactHost) -> None:
    with pact_host.https(headers={"Authorization": "Bearer invalid-access-token"}) as http:
        r = http.get("/3/footprints")
    assert r.status_code in (400, 401)
    assert "data" not in valid("error", r.json())


def test_case_07_attempt_getfootprint_with_invalid_token(pact_host: PactHost) -> None:
    pf_id = pact_host.published[0]["id"]
    with pact_host.https(headers={"Authorization": "Bearer invalid-access-token"}) as http:
        r = http.get(f"/3/footprints/{pf_id}")
    assert r.status_code in (400, 401)
    assert "data" not in valid("error", r.json())


def test_case_08_attempt_getfootprint_with_non_existent_pfid(pact_host: PactHost) -> None:
    with pact_host.authed() as http:
        r = http.get("/3/footprints/non-existent-id")
    assert r.status_code in (400, 404)
    assert valid("error", r.json())["code"] == "NotFound"


def test_case_09_attempt_authentication_through_http(pact_host: PactHost) -> None:
    basic = base64.b64encode(f"{pact_host.client_id}:{pact_host.client_secret}".encode())
    plain_http_refused(
        pact_host,
        "POST",
        "/auth/token",
        content=b"grant_type=client_credentials",
        headers={
            "Authorization": f"Basic {basic.decode()}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def test_case_10_attempt_listfootprints_through_http(pact_host: PactHost) -> None:
    token = pact_host.token()
    plain_http_refused(
        pact_host, "GET", "/3/footprints", headers={"Authorization": f"Bearer {token}"}
    )


def test_case_11_attempt_getfootprint_through_http(pact_host: PactHost) -> None:
    token = pact_host.token()
    pf_id = pact_host.published[0]["id"]
    plain_http_refused(
        pact_host, "GET", f"/3/footprints/{pf_id}", headers={"Authorization": f"Bearer {token}"}
    )


# --- events ---
def _event(kind: str, data: dict[str, Any], event_id: str = "test-run-id-12345") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "https://webhook.example.com",
        "time": "2023-05-19T10:30:00Z",
        "type": f"org.wbcsd.pact.ProductFootprint.{kind}.3",
        "data": data,
    }


def _post_event(
    pact_host: PactHost, event: dict[str, Any], token: str | None = None
) -> httpx.Response:
    headers = {
        "Content-Type": EVENTS,
        "Authorization": f"Bearer {token if token is not None else pact_host.token()}",
    }
    with pact_host.https() as http:
        return http.post("/3/events", json=event, headers=headers)


def test_case_12_send_pcf_creation_request(pact_host: PactHost) -> None:
    event = _event(
        "RequestCreatedEvent",
        {"productId": ["urn:gtin:4712345060507"], "comment": "Please send PCF data for this year."},
        event_id="case-12",
    )
    r = _post_event(pact_host, event)
    assert r.status_code == 200
    assert r.content == b""
    tasks = pact_host.supplier.request("GET", "/pact/requests")
    assert [t["state"] for t in tasks if t["event_id"] == "case-12"] == ["open"]


def _open_request(pact_host: PactHost, event_id: str) -> int:
    tasks = pact_host.supplier.request("GET", "/pact/requests")
    (task,) = [t for t in tasks if t["event_id"] == event_id and t["state"] == "open"]
    return int(task["seq"])


def _received(pact_host: PactHost, kind: str, request_id: str) -> dict[str, Any]:
    got = [
        t["event"]
        for t in pact_host.customer.request("GET", "/pact/requests")
        if t["event_type"] == f"org.wbcsd.pact.ProductFootprint.{kind}.3"
        and t["event"]["data"].get("requestEventId") == request_id
    ]
    assert len(got) == 1, got
    return dict(got[0])


def test_case_13_call_back_with_a_request_fulfilled_event(pact_host: PactHost) -> None:
    event = _event(
        "RequestCreatedEvent", {"productId": ["urn:gtin:4712345060507"]}, event_id="case-13"
    )
    assert _post_event(pact_host, event).status_code == 200
    seq = _open_request(pact_host, "case-13")
    wanted = pact_host.published[0]["id"]
    answer = pact_host.supplier.request(
        "POST", f"/pact/requests/{seq}/answer", json={"footprints": [wanted]}
    )
    assert (answer["state"], answer["delivery"]) == ("fulfilled", "sent"), answer
    got = _received(pact_host, "RequestFulfilledEvent", "case-13")
    assert got["specversion"] == "1.0" and got["source"].startswith("https://")
    assert [valid("single", {"data": pf})["data"]["id"] for pf in got["data"]["pfs"]] == [wanted]
    tasks = pact_host.supplier.request("GET", "/pact/requests")
    assert next(t for t in tasks if t["seq"] == seq)["state"] == "fulfilled"


def test_case_14b_call_back_with_a_request_rejected_event(pact_host: PactHost) -> None:
    event = _event("RequestCreatedEvent", {"productId": ["urn:null"]}, event_id="case-14b")
    assert _post_event(pact_host, event).status_code == 200
    seq = _open_request(pact_host, "case-14b")
    answer = pact_host.supplier.request(
        "POST",
        f"/pact/requests/{seq}/answer",
        json={"error": {"code": "NotFound", "message": "No footprint for urn:null."}},
    )
    assert (answer["state"], answer["delivery"]) == ("rejected", "sent"), answer
    got = _received(pact_host, "RequestRejectedEvent", "case-14b")
    assert valid("error", got["data"]["error"])["code"] == "NotFound"


def test_case_14a_request_for_the_creation_of_a_pcf_to_be_rejected(pact_host: PactHost) -> None:
    event = _event("RequestCreatedEvent", {"productId": ["urn:null"]}, event_id="case-14a")
    assert _post_event(pact_host, event).status_code == 200


def test_case_15_receive_notification_of_pcf_update(pact_host: PactHost) -> None:
    event = _event("PublishedEvent", {"pfIds": ["urn:gtin:4712345060507"]}, event_id="case-15")
    assert _post_event(pact_host, event).status_code == 200


def test_case_16_attempt_action_events_with_invalid_token(pact_host: PactHost) -> None:
    event = _event("PublishedEvent", {"pfIds": ["urn:gtin:4712345060507"]}, event_id="case-16")
    r = _post_event(pact_host, event, token="invalid-access-token")
    assert r.status_code in (400, 401)
    valid("error", r.json())
    tasks = pact_host.supplier.request("GET", "/pact/requests")
    assert not [t for t in tasks if t["event_id"] == "case-16"]


def test_case_17_attempt_action_events_through_http(pact_host: PactHost) -> None:
    token = pact_host.token()
    plain_http_refused(
        pact_host,
        "POST",
        "/3/events",
        json=_event("PublishedEvent", {"pfIds": []}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": EVENTS},
    )


def test_an_invalid_event_is_refused_with_400_bad_request(pact_host: PactHost) -> None:
    event = _event("PublishedEvent", {"pfIds": []})
    del event["source"]
    r = _post_event(pact_host, event)
    assert r.status_code == 400
    assert valid("error", r.json())["code"] == "BadRequest"


# --- OpenID Connect (optional cases) ---
def _oidc_token_endpoint(pact_host: PactHost) -> str:
    with pact_host.https() as http:
        doc = http.get("/.well-known/openid-configuration").json()
    return str(doc["token_endpoint"])


def test_case_18_openid_connect_based_authentication_flow(pact_host: PactHost) -> None:
    with pact_host.https() as http:
        r = http.post(
            _oidc_token_endpoint(pact_host),
            data={"grant_type": "client_credentials"},
            auth=(pact_host.client_id, pact_host.client_secret),
        )
    assert r.status_code == 200
    valid("token", r.json())


def test_case_19_openid_connect_flow_with_incorrect_credentials(pact_host: PactHost) -> None:
    with pact_host.https() as http:
        r = http.post(
            _oidc_token_endpoint(pact_host),
            data={"grant_type": "client_credentials"},
            auth=("nobody", "nothing"),
        )
    assert r.status_code in (400, 401)
    assert r.json()["error"] == "invalid_client"


# --- filters (positive) ---
def _filtered(pact_host: PactHost, params: Any) -> set[str]:
    with pact_host.authed() as http:
        r = http.get("/3/footprints", params=params)
    assert r.status_code == 200, r.text
    return ids(r.json())


def test_case_20_filter_by_product_id(pact_host: PactHost) -> None:
    got = _filtered(pact_host, {"productId": "URN:GTIN:4712345060514"})  # case-insensitive
    assert got == {pact_host.published[1]["id"]}


def test_case_21_filter_by_company_id(pact_host: PactHost) -> None:
    got = _filtered(pact_host, {"companyId": "urn:uuid:51131fb5-42b2-4fd5-a8a2-7d7b2ef3c2b1"})
    assert {pf["id"] for pf in pact_host.published} == got


def test_case_22_filter_by_geography(pact_host: PactHost) -> None:
    assert _filtered(pact_host, {"geography": "FR"}) == {pact_host.published[1]["id"]}
    assert pact_host.published[1]["id"] not in _filtered(pact_host, {"geography": "DE"})


def test_case_23_filter_by_classification(pact_host: PactHost) -> None:
    got = _filtered(pact_host, {"classification": "urn:eclass:0173-1#01-AAA123#005"})
    assert got == {pact_host.published[1]["id"]}


def test_case_24_filter_by_valid_on(pact_host: PactHost) -> None:
    # default validity: 3 years from the reference period's end (PACT v3 7.3)
    got = _filtered(pact_host, {"validOn": "2027-06-01T00:00:00Z"})
    assert got >= {pact_host.published[0]["id"], pact_host.published[1]["id"]}
    assert pact_host.published[2]["id"] not in got  # its validity ends 2026-01-01


def test_case_25_filter_by_valid_after(pact_host: PactHost) -> None:
    assert _filtered(pact_host, {"validAfter": "2024-12-31T00:00:00Z"}) >= {
        pf["id"] for pf in pact_host.published
    }


def test_case_26_filter_by_valid_before(pact_host: PactHost) -> None:
    got = _filtered(pact_host, {"validBefore": "2026-06-01T00:00:00Z"})
    assert got == {pact_host.published[2]["id"]}


def test_case_27_filter_by_status(pact_host: PactHost) -> None:
    got = _filtered(pact_host, {"status": "Active"})
    assert {pf["id"] for pf in pact_host.published} <= got


def test_case_28_filter_by_status_and_product_id(pact_host: PactHost) -> None:
    got = _filtered(pact_host, {"status": "Active", "productId": "urn:gtin:4712345060521"})
    assert got == {pact_host.published[2]["id"]}


def test_case_29_filter_by_multiple_company_ids_with_or(pact_host: PactHost) -> None:
    got = _filtered(
        pact_host,
        [
            ("companyId", "urn:uuid:51131fb5-42b2-4fd5-a8a2-7d7b2ef3c2b1"),
            ("companyId", "urn:uuid:other-company"),
            ("companyId", "urn:uuid:another-company"),
        ],
    )
    assert {pf["id"] for pf in pact_host.published} <= got


# --- filters (negative) ---
@pytest.mark.parametrize(
    ("case", "params"),
    [
        ("30", {"productId": "urn:bogus:product:nonexistent123"}),
        ("31", {"companyId": "urn:bogus:company:nonexistent456"}),
        ("32", {"geography": "XX"}),
        ("33", {"classification": "urn:bogus:classification:nonexistent789"}),
        ("34", {"validOn": "1900-01-01T00:00:00Z"}),
        ("35", {"validAfter": "2099-12-31T23:59:59Z"}),
        ("36", {"validBefore": "1900-01-01T00:00:00Z"}),
        ("37", {"status": "BogusStatusValue"}),
        (
            "38",
            {
                "companyId": "urn:bogus:company:5FIi8zS3",
                "productId": "urn:bogus:product:nonexistent123",
            },
        ),
        (
            "39",
            [
                ("companyId", "urn:bogus:company:nonexistent1"),
                ("companyId", "urn:bogus:company:nonexistent2"),
                ("companyId", "urn:bogus:company:nonexistent3"),
            ],
        ),
    ],
    ids=lambda v: f"case_{v}" if isinstance(v, str) else "",
)
def test_cases_30_to_39_filters_matching_nothing_give_an_empty_list(
    pact_host: PactHost, case: str, params: Any
) -> None:
    with pact_host.authed() as http:
        r = http.get("/3/footprints", params=params)
    assert r.status_code == 200
    assert valid("list", r.json())["data"] == []


def test_case_40_odata_filter_is_refused_with_400(pact_host: PactHost) -> None:
    with pact_host.authed() as http:
        r = http.get("/3/footprints", params={"$filter": "created ge '2023-01-15T10:15:30Z'"})
    assert r.status_code == 400
    assert "data" not in valid("error", r.json())
