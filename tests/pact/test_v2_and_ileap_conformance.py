"""PACT v2.3 views (``/2/footprints``, ``/2/events``) and the iLEAP conformance case that needs
no transport activity data: Test Case 001 (iLEAP v1.0.0, "Get ProductFootprint with
ShipmentFootprint"), against the running host over HTTPS."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from carbonledger.pact.client import publish_footprint
from carbonledger.pact.ileap import ILEAP_SCHEMA, SHIPMENT_FOOTPRINT_SCHEMA
from carbonledger.pact.v2 import LIST_RESPONSE_V2, PRODUCT_FOOTPRINT_V2
from tests.pact.conftest import PactHost, footprint, valid
from tests.pact.shipments import build, lsp_claim

V2_LIST = Draft202012Validator(LIST_RESPONSE_V2, format_checker=FormatChecker())
V2_ONE = Draft202012Validator(PRODUCT_FOOTPRINT_V2, format_checker=FormatChecker())
SHIPMENT = Draft202012Validator(SHIPMENT_FOOTPRINT_SCHEMA)
SHIPMENT_URN = "urn:pathfinder:product:customcode:vendor-assigned:shipment:"


def v2_list(body: Any) -> list[dict[str, Any]]:
    errors = list(V2_LIST.iter_errors(body))
    assert not errors, errors[0].message
    return list(body["data"])


def test_v2_list_get_pagination_and_versions(pact_host: PactHost) -> None:
    first = pact_host.published[0]
    newer = publish_footprint(
        pact_host.supplier,
        footprint(precedingPfIds=[first["id"]], productIds=first["productIds"]),
    )
    seen: list[str] = []
    with pact_host.authed() as http:
        r = http.get("/2/footprints", params={"limit": 2})
        while True:
            assert r.status_code == 200
            page = v2_list(r.json())
            assert len(page) <= 2
            seen += [pf["id"] for pf in page]
            link = r.headers.get("link")
            if not link:
                break
            r = http.get(link.split(";")[0].strip("<> "))
        one = http.get(f"/2/footprints/{newer['id']}").json()["data"]
        old = http.get(f"/2/footprints/{first['id']}").json()["data"]
    assert {pf["id"] for pf in pact_host.published} | {newer["id"]} <= set(seen)
    assert not list(V2_ONE.iter_errors(one))
    assert (one["specVersion"], one["version"], old["version"]) == ("2.3.0", 1, 0)
    assert old["status"] == "Deprecated"
    assert one["pcf"]["pCfExcludingBiogenic"] == "1.85"
    assert one["pcf"]["crossSectoralStandardsUsed"] == ["ISO Standard 14067"]


def test_v2_errors_use_the_spec_codes(pact_host: PactHost) -> None:
    """The v2 conformance cases' codes (wbcsd/pact-conformance-service,
    docs/v2-test-cases-expected-results.md): an unknown id is 404 ``NoSuchFootprint`` (case 8),
    an invalid token 400 ``BadRequest`` on listing, getting and events (cases 6, 7 and 16)."""
    with pact_host.authed() as http:
        missing = http.get("/2/footprints/nope")
        assert missing.status_code == 404
        assert valid("error", missing.json())["code"] == "NoSuchFootprint"
        r = http.get("/2/footprints", params={"$filter": "pcf/geographyCountry eq 'DE'"})
        assert r.status_code == 400 and valid("error", r.json())["code"] == "NotImplemented"
        known = http.get("/2/footprints").json()["data"][0]["id"]
    event = {
        "type": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
        "specversion": "1.0",
        "id": "v2-invalid-token",
        "source": "//customer.example/events",
        "time": "2024-05-19T12:30:00Z",
        "data": {"pfIds": ["urn:gtin:4712345060507"]},
    }
    with pact_host.https(headers={"Authorization": "Bearer nope"}) as http:
        answers = [
            http.get("/2/footprints"),
            http.get(f"/2/footprints/{known}"),
            http.post(
                "/2/events",
                json=event,
                headers={"Content-Type": "application/cloudevents+json; charset=UTF-8"},
            ),
        ]
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert [valid("error", a.json())["code"] for a in answers] == ["BadRequest"] * 3
    # v3 keeps 401 for the same token (its cases accept 400 or 401 with BadRequest)
    with pact_host.https(headers={"Authorization": "Bearer nope"}) as http:
        v3 = http.get("/3/footprints")
    assert v3.status_code == 401 and valid("error", v3.json())["code"] == "BadRequest"


def test_v2_events_a_request_becomes_a_task_and_a_v3_type_is_refused(pact_host: PactHost) -> None:
    event = {
        "specversion": "1.0",
        "id": "v2-request-1",
        "source": "//customer.example/events",
        "time": "2024-05-19T10:30:00Z",
        "type": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        "data": {"pf": {"productIds": ["urn:gtin:4712345060507"]}, "comment": "2024 please"},
    }
    headers = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}
    with pact_host.authed() as http:
        assert http.post("/2/events", json=event, headers=headers).status_code == 200
        wrong = {**event, "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"}
        refused = http.post("/2/events", json=wrong, headers=headers)
    assert refused.status_code == 400
    tasks = pact_host.supplier.request("GET", "/pact/requests")
    assert [t["state"] for t in tasks if t["event_id"] == "v2-request-1"] == ["open"]


def test_ileap_case_001_get_productfootprint_with_shipmentfootprint(pact_host: PactHost) -> None:
    lsp = pact_host.supplier
    doc = lsp_claim(lsp.address)
    claim = lsp.submit_claim(json.dumps(doc).encode())
    publish_footprint(lsp, build(doc), derived_from=[claim["claim_id"]])
    with pact_host.authed() as http:
        r = http.get("/2/footprints")
    assert r.status_code == 200
    shipments = [
        pf for pf in v2_list(r.json()) if any(p.startswith(SHIPMENT_URN) for p in pf["productIds"])
    ]
    assert shipments
    for pf in shipments:
        (ext,) = [e for e in pf["extensions"] if e["dataSchema"] == ILEAP_SCHEMA]
        assert ext["specVersion"] == "2.0.0"
        errors = list(SHIPMENT.iter_errors(ext["data"]))
        assert not errors, errors[0].message
        tces = ext["data"]["tces"]
        pcf = pf["pcf"]
        assert pf["productCategoryCpc"] == "83117"
        assert pcf["declaredUnit"] == "ton kilometer"
        assert Decimal(pcf["unitaryProductAmount"]) == sum(
            Decimal(t["transportActivity"]) for t in tces
        )
        assert Decimal(pcf["pCfExcludingBiogenic"]) == sum(Decimal(t["co2eWTW"]) for t in tces)
        assert Decimal(pcf["fossilGhgEmissions"]) == Decimal(pcf["pCfExcludingBiogenic"])
        assert pcf["productMassPerDeclaredUnit"] == ext["data"]["mass"]
        assert pcf["packagingEmissionsIncluded"] is False
        assert pf["productIds"] == [SHIPMENT_URN + ext["data"]["shipmentId"]]
