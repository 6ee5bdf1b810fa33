"""A logistics provider's claim with one shipment in two legs, and its iLEAP footprint."""

from __future__ import annotations

import json
import uuid
from typing import Any

from carbonledger.pact.ileap import shipment_product_footprint
from carbonledger.standard import compute, load_default_standard, load_version, parse_claim

REF = "0x" + "ab" * 32
STANDARD = load_default_standard()


def lsp_claim(firm: str, *, with_wtt: bool = True) -> dict[str, Any]:
    """A logistics provider's footprint: one shipment in two subcontracted road legs."""
    leg: dict[str, Any] = {
        "activity": "transport",
        "scope": 3,
        "category": 4,
        "arrangement": "purchased",
        "mode": "road",
        "factor_id": "lsp.road.ttw",
        "shipment_ref": REF,
    }
    if with_wtt:
        leg["wtt_factor_id"] = "lsp.road.wtt"
    factor = {
        "unit": "kgCO2e/tkm",
        "kind": "transport_intensity",
        "gwp_basis": "AR6",
        "year": 2024,
        "source": {"document": "LSP subcontractor disclosure 2024 (test data)"},
    }
    doc: dict[str, Any] = {
        "schema_version": "1",
        "kind": "footprint",
        "claim_id": f"lsp-{uuid.uuid4()}",
        "firm": {"address": firm, "name": "Acme Logistics"},
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "standard_version": STANDARD.version_id,
        "gwp_set": "AR6",
        "boundary": {
            "organisational": "operational_control",
            "scopes": [3],
            "scope3_categories": [4],
        },
        "factors": [
            {**factor, "id": "lsp.road.ttw", "name": "road TTW", "value": "0.08", "basis": "TTW"},
            {**factor, "id": "lsp.road.wtt", "name": "road WTT", "value": "0.02", "basis": "WTT"},
        ],
        "lines": [
            {
                **leg,
                "id": "LEG-1",
                "mass_t": "12",
                "distance_km": "250",
                "distance_basis": "actual",
            },
            {
                **leg,
                "id": "LEG-2",
                "mass_t": "12",
                "distance_km": "40",
                "distance_basis": "shortest_feasible",
            },
        ],
        "declared": {
            "scope1": "0",
            "scope2_location": "0",
            "scope2_market": "0",
            "scope3": {"4": "0"},
            "biogenic_co2": "0",
        },
    }
    totals = compute(parse_claim(json.dumps(doc).encode()), STANDARD)
    doc["declared"]["scope3"] = {"4": str(totals.scope3[4].quantize(totals.report_quantum))}
    return doc


def build(doc: dict[str, Any]) -> dict[str, Any]:
    return shipment_product_footprint(
        parse_claim(json.dumps(doc).encode()),
        STANDARD,
        REF,
        shipment_id="SHP-1237890",
        company_name="Acme Logistics",
        company_ids=["urn:uuid:0b3e1c1e-2f9e-4a51-9b0e-4ad1f0f6c1d2"],
    )


V3 = load_version("1.2.0")
HAMBURG = {"city": "Hamburg", "country": "DE", "locode": "DEHAM"}
BERLIN = {"city": "Berlin", "country": "DE"}
DUISBURG = {"city": "Duisburg", "country": "DE", "uic": "8000086"}


def lsp_claim_v3(firm: str) -> dict[str, Any]:
    """An LSP's footprint under standard 1.2.0: one shipment by road (TOC road-ftl) and rail
    (TOC rail-eu) through a hub (HOC hub-hh, TTW + WTT), every leg saying where and when it
    ran (its transport activity data)."""
    doc = lsp_claim(firm)
    doc["standard_version"] = V3.version_id
    road, rail = doc["lines"]
    road.update(
        toc_id="road-ftl",
        origin=HAMBURG,
        destination=BERLIN,
        departure_at="2024-05-01T06:00:00Z",
        arrival_at="2024-05-01T11:30:00Z",
        consignment_id="CONS-1",
    )
    rail.update(
        toc_id="rail-eu",
        mode="rail",
        origin=BERLIN,
        destination=DUISBURG,
        departure_at="2024-05-02T08:00:00Z",
        arrival_at="2024-05-02T18:00:00Z",
        consignment_id="CONS-1",
    )
    hub_factor = {
        "unit": "kgCO2e/t",
        "kind": "hub_intensity",
        "gwp_basis": "AR6",
        "year": 2024,
        "source": {"document": "hub operator disclosure 2024 (test data)"},
    }
    doc["factors"] += [
        {**hub_factor, "id": "hub.ttw", "name": "hub TTW", "value": "1.2", "basis": "TTW"},
        {**hub_factor, "id": "hub.wtt", "name": "hub WTT", "value": "0.3", "basis": "WTT"},
    ]
    hub = {
        "id": "HUB-1",
        "activity": "hub",
        "scope": 3,
        "category": 4,
        "arrangement": "purchased",
        "quantity": "12",
        "unit": "t",
        "factor_id": "hub.ttw",
        "wtt_factor_id": "hub.wtt",
        "hoc_id": "hub-hh",
        "shipment_ref": REF,
    }
    doc["lines"] = [road, hub, rail]
    totals = compute(parse_claim(json.dumps(doc).encode()), V3)
    doc["declared"]["scope3"] = {"4": str(totals.scope3[4].quantize(totals.report_quantum))}
    return doc
