"""iLEAP v1.0.0 conformance test cases 002-008 (Appendix C of the iLEAP Technical
Specifications, SINE Foundation), each against the running PACT host over HTTPS: TOC and HOC
footprints on ``/2/footprints`` (002, 003) and the transport activity data endpoint
``/2/ileap/tad`` (004-008). Case 001 is in ``test_v2_and_ileap_conformance.py``.

The LSP's claim is filed under standard 1.2.0 (its legs carry origin, destination and times;
its hub has TTW and WTT) and submitted; the shipment, TOC and HOC footprints computed from it
are published citing it, and its legs' TADs are published for the partner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.client import ApiError
from carbonledger.pact.client import publish_footprint
from carbonledger.pact.ileap import (
    HOC_DATA_SCHEMA,
    HOC_SCHEMA,
    ILEAP_SCHEMA,
    TAD_LIST_SCHEMA,
    TOC_DATA_SCHEMA,
    TOC_SCHEMA,
    activity_data,
    hoc_product_footprint,
    shipment_product_footprint,
    toc_product_footprint,
)
from carbonledger.pact.v2 import LIST_RESPONSE_V2
from carbonledger.standard import parse_claim
from tests.pact.conftest import PactHost, ensure_standard_v3, valid
from tests.pact.shipments import REF, V3, lsp_claim_v3

COMPANY = {
    "company_name": "Acme Logistics",
    "company_ids": ["urn:uuid:0b3e1c1e-2f9e-4a51-9b0e-4ad1f0f6c1d2"],
}
ELECTRIC = [{"energyCarrier": "Electric", "relativeShare": "1"}]
DIESEL_HVO = [
    {"energyCarrier": "Diesel", "relativeShare": "0.7"},
    {"energyCarrier": "HVO", "relativeShare": "0.3"},
]
V2_LIST = Draft202012Validator(LIST_RESPONSE_V2, format_checker=FormatChecker())
TAD_LIST = Draft202012Validator(TAD_LIST_SCHEMA)
TOC = Draft202012Validator(TOC_DATA_SCHEMA)
HOC = Draft202012Validator(HOC_DATA_SCHEMA)
VENDOR = "urn:pathfinder:product:customcode:vendor-assigned:"
runner = CliRunner()


@dataclass
class Logistics:
    host: PactHost
    doc: dict[str, Any]
    tads: list[dict[str, Any]]


@pytest.fixture(scope="module")
def logistics(pact_host: PactHost) -> Iterator[Logistics]:
    ensure_standard_v3(pact_host)
    lsp = pact_host.supplier
    doc = lsp_claim_v3(lsp.address)
    claim_id = lsp.submit_claim(json.dumps(doc).encode())["claim_id"]
    parsed = parse_claim(json.dumps(doc).encode())
    pfs = [
        shipment_product_footprint(parsed, V3, REF, shipment_id="SHP-42", **COMPANY),
        toc_product_footprint(parsed, V3, "road-ftl", energy_carriers=DIESEL_HVO, **COMPANY),
        toc_product_footprint(parsed, V3, "rail-eu", energy_carriers=ELECTRIC, **COMPANY),
        hoc_product_footprint(
            parsed, V3, "hub-hh", hub_type="Transshipment", energy_carriers=ELECTRIC, **COMPANY
        ),
    ]
    for pf in pfs:
        publish_footprint(lsp, pf, derived_from=[claim_id])
    tads, skipped = activity_data(parsed)
    assert skipped == []
    lsp.request("POST", "/pact/activities", json={"activities": tads})
    yield Logistics(pact_host, doc, tads)


def v2_footprints(http: httpx.Client) -> list[dict[str, Any]]:
    r = http.get("/2/footprints")
    assert r.status_code == 200
    errors = list(V2_LIST.iter_errors(r.json()))
    assert not errors, errors[0].message
    return list(r.json()["data"])


def extension(pf: dict[str, Any], url: str) -> dict[str, Any]:
    (ext,) = [e for e in pf.get("extensions", []) if e["dataSchema"] == url]
    assert ext["specVersion"] == "2.0.0"
    assert ext["documentation"] == "https://sine-fdn.github.io/ileap-extension/"
    return dict(ext["data"])


def referenced(pfs: list[dict[str, Any]], key: str) -> set[str]:
    return {
        tce[key]
        for pf in pfs
        for e in pf.get("extensions", [])
        if e["dataSchema"] == ILEAP_SCHEMA
        for tce in e["data"]["tces"]
        if key in tce
    }


def by_kind(pfs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    prefix = f"{VENDOR}{kind}:"
    return {p[len(prefix) :]: pf for pf in pfs for p in pf["productIds"] if p.startswith(prefix)}


def test_ileap_case_002_get_productfootprint_with_toc(logistics: Logistics) -> None:
    with logistics.host.authed() as http:
        pfs = v2_footprints(http)
    tocs = by_kind(pfs, "toc")
    assert referenced(pfs, "tocId") == {"road-ftl", "rail-eu"}
    assert referenced(pfs, "tocId") <= set(tocs)
    for toc_id, pf in tocs.items():
        data = extension(pf, TOC_SCHEMA)
        assert TOC.is_valid(data), next(iter(TOC.iter_errors(data))).message
        assert data["tocId"] == toc_id
        pcf = pf["pcf"]
        assert pf["productCategoryCpc"] == "83117"
        assert (pcf["declaredUnit"], pcf["unitaryProductAmount"]) == ("ton kilometer", "1")
        assert pcf["productMassPerDeclaredUnit"] == "1"
        assert pcf["pCfExcludingBiogenic"] == data["co2eIntensityWTW"]
        assert pcf["fossilGhgEmissions"] == data["co2eIntensityWTW"]
        assert pcf["packagingEmissionsIncluded"] is False
        assert sum(Decimal(c["relativeShare"]) for c in data["energyCarriers"]) == 1
    # road: 0.08 TTW + 0.02 WTT per tkm (the claim's factors), the intensities recomputed
    road = extension(tocs["road-ftl"], TOC_SCHEMA)
    assert (road["mode"], road["co2eIntensityWTW"], road["co2eIntensityTTW"]) == (
        "Road",
        "0.1",
        "0.08",
    )


def test_ileap_case_003_get_productfootprint_with_hoc(logistics: Logistics) -> None:
    with logistics.host.authed() as http:
        pfs = v2_footprints(http)
    hocs = by_kind(pfs, "hoc")
    assert referenced(pfs, "hocId") == {"hub-hh"} and set(hocs) >= {"hub-hh"}
    pf = hocs["hub-hh"]
    data = extension(pf, HOC_SCHEMA)
    assert HOC.is_valid(data), next(iter(HOC.iter_errors(data))).message
    pcf = pf["pcf"]
    assert pf["productCategoryCpc"] == "83117"
    assert (pcf["declaredUnit"], pcf["unitaryProductAmount"]) == ("kilogram", "1000")
    assert pcf["productMassPerDeclaredUnit"] == "1000"
    # 1.2 TTW + 0.3 WTT kgCO2e per tonne handled
    assert (data["co2eIntensityWTW"], data["co2eIntensityTTW"]) == ("1.5", "1.2")
    assert pcf["pCfExcludingBiogenic"] == "1.5" and data["hubActivityUnit"] == "tonnes"


def tad_list(r: httpx.Response) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    errors = list(TAD_LIST.iter_errors(r.json()))
    assert not errors, errors[0].message
    return list(r.json()["data"])


def test_ileap_case_004_get_all_transportactivitydata(logistics: Logistics) -> None:
    with logistics.host.authed() as http:
        found = tad_list(http.get("/2/ileap/tad"))
    assert found == logistics.tads
    assert {t["activityId"] for t in found} == {"LEG-1", "LEG-2"}
    leg = next(t for t in found if t["activityId"] == "LEG-1")
    assert leg["origin"]["city"] == "Hamburg" and leg["destination"]["city"] == "Berlin"
    assert leg["mass"] == "12000" and leg["distance"] == {"actual": "250"}


def test_ileap_case_005_get_filtered_list_of_transportactivitydata(
    logistics: Logistics,
) -> None:
    counts = {}
    with logistics.host.authed() as http:
        for mode in ("Road", "Rail", "Air", "Sea", "InlandWaterway"):
            found = tad_list(http.get("/2/ileap/tad", params={"mode": mode}))
            assert all(t["mode"] == mode for t in found)
            counts[mode] = len(found)
        # values are case-insensitive; pairs are ANDed
        both = tad_list(http.get("/2/ileap/tad?mode=rail&consignmentIds=cons-1"))
        unsupported = http.get("/2/ileap/tad", params={"feedstock": "Fossil"})
    assert counts == {"Road": 1, "Rail": 1, "Air": 0, "Sea": 0, "InlandWaterway": 0}
    assert [t["activityId"] for t in both] == ["LEG-2"]
    assert unsupported.status_code == 400
    assert valid("error", unsupported.json())["code"] == "NotImplemented"


def test_ileap_case_006_get_limited_list_of_transportactivitydata(
    logistics: Logistics,
) -> None:
    with logistics.host.authed() as http:
        first = http.get("/2/ileap/tad", params={"limit": 1})
        page = tad_list(first)
        assert len(page) <= 1
        link = first.headers.get("link")
        assert link, "two TADs with limit 1 need a next link"
        target, rel = (part.strip() for part in link.split(";", 1))
        assert rel == 'rel="next"' and target.startswith("<https://")
        url = target.strip("<>")
        assert httpx.URL(url).host == httpx.URL(logistics.host.url).host
        second = tad_list(http.get(url))
        again = tad_list(http.get(url))  # a pagination link may be called more than once
    assert len(second) >= 1 and second == again
    assert page + second == logistics.tads


def test_ileap_case_007_attempt_transportactivitydata_with_invalid_token(
    logistics: Logistics,
) -> None:
    with logistics.host.https(headers={"Authorization": "Bearer not-a-token"}) as http:
        r = http.get("/2/ileap/tad")
    assert r.status_code == 403
    assert valid("error", r.json())["code"] == "AccessDenied"


def test_ileap_case_008_attempt_transportactivitydata_with_expired_token(
    logistics: Logistics,
) -> None:
    host = logistics.host
    lifetime = host.pact.token_lifetime
    host.pact.token_lifetime = -1  # the next token is issued already expired
    try:
        token = host.token()
    finally:
        host.pact.token_lifetime = lifetime
    with host.https(headers={"Authorization": f"Bearer {token}"}) as http:
        r = http.get("/2/ileap/tad")
    assert r.status_code == 401
    assert valid("error", r.json())["code"] == "TokenExpired"


def test_tad_are_served_only_to_the_clients_they_were_published_for(
    logistics: Logistics,
) -> None:
    host = logistics.host
    other = host.supplier.request("POST", "/pact/clients", json={"partner": "Other Shipper"})
    only = dict(logistics.tads[0], activityId="LEG-PRIVATE")
    out = host.supplier.request(
        "POST", "/pact/activities", json={"activities": [only], "clients": [other["client_id"]]}
    )
    assert out["published"] == ["LEG-PRIVATE"]
    with host.authed() as http:
        mine = tad_list(http.get("/2/ileap/tad"))
    assert "LEG-PRIVATE" not in {t["activityId"] for t in mine}


def test_a_tad_failing_the_ileap_schema_is_refused_naming_the_field(
    logistics: Logistics,
) -> None:
    bad = dict(logistics.tads[0], activityId="LEG-BAD", mode="Bicycle")
    with pytest.raises(ApiError) as refused:
        logistics.host.supplier.request("POST", "/pact/activities", json={"activities": [bad]})
    assert refused.value.status == 422
    assert [p["field"] for p in refused.value.problems or []] == ["activities[0].mode"]
    with logistics.host.authed() as http:
        assert "LEG-BAD" not in {t["activityId"] for t in tad_list(http.get("/2/ileap/tad"))}


def test_the_cli_builds_toc_and_hoc_footprints_and_publishes_a_claims_activity_data(
    logistics: Logistics, tmp_path: Path
) -> None:
    from eth_account import Account

    host = logistics.host
    claim_path = tmp_path / "claim.json"
    doc = dict(logistics.doc)
    doc["lines"] = [
        dict(line, id=f"CLI-{line['id']}") if line["activity"] == "transport" else line
        for line in doc["lines"]
    ]
    claim_path.write_text(json.dumps(doc))
    company = ["--company-name", "Acme Logistics", "--company-id", COMPANY["company_ids"][0]]
    toc = runner.invoke(
        app,
        ["pact", "toc", str(claim_path), "--toc-id", "road-ftl", *company,
         "--energy-carrier", "Diesel:0.7", "--energy-carrier", "HVO:0.3"],
    )  # fmt: skip
    assert toc.exit_code == 0, toc.output
    assert TOC.is_valid(extension(json.loads(toc.stdout), TOC_SCHEMA))
    hoc = runner.invoke(
        app,
        ["pact", "hoc", str(claim_path), "--hoc-id", "hub-hh", "--hub-type", "Warehouse",
         *company, "--energy-carrier", "Electric"],
    )  # fmt: skip
    assert hoc.exit_code == 0, hoc.output
    assert extension(json.loads(hoc.stdout), HOC_SCHEMA)["hubType"] == "Warehouse"
    wrong = runner.invoke(
        app,
        ["pact", "hoc", str(claim_path), "--hoc-id", "nope", "--hub-type", "Warehouse",
         *company, "--energy-carrier", "Electric"],
        env={"COLUMNS": "250"},
    )  # fmt: skip
    assert wrong.exit_code == 1 and "no HOC 'nope'" in wrong.output

    keystore = tmp_path / "key.json"
    keystore.write_text(json.dumps(Account.encrypt(host.supplier.account.key, "pw")))
    published = runner.invoke(
        app,
        ["pact", "activities", str(claim_path), "--key", str(keystore), "--api", host.api.url],
        env={"CARBONLEDGER_KEY_PASSWORD": "pw", "COLUMNS": "250"},
    )
    assert published.exit_code == 0, published.output
    assert json.loads(published.stdout)["published"] == ["CLI-LEG-1", "CLI-LEG-2"]
    with host.authed() as http:
        ids = {t["activityId"] for t in tad_list(http.get("/2/ileap/tad"))}
    assert {"CLI-LEG-1", "CLI-LEG-2"} <= ids
