"""The checker: rule findings, determinism of the report, reduction and settlement rules."""

from __future__ import annotations

import copy
from typing import Any

from carbonledger.standard import (
    RULES,
    ClaimFormatError,
    Standard,
    canonical_bytes,
    check,
    document_hash,
    parse_claim,
)
from carbonledger.standard.canonical import keccak256

from .standard_helpers import DIESEL_CN, DIESEL_UK, GRID_EAST, example, footprint, intensity


def _rules(doc: dict[str, Any], std: Standard, **kw: Any) -> list[tuple[str, str]]:
    report = check(parse_claim(doc), std, **kw)
    return [(f.rule, f.path) for f in report.findings]


FUEL = {
    "id": "a",
    "activity": "fuel",
    "scope": 1,
    "quantity": "10",
    "unit": "t",
    "factor_id": DIESEL_CN,
}


def test_every_shipped_example_footprint_passes(std: Standard) -> None:
    for name in ("carrier_footprint.json", "shipper_footprint.json", "warehouse_footprint.json"):
        report = check(parse_claim(example(name)), std)
        assert report.passed, (name, report.errors)


def test_a_claim_declared_factor_is_accepted_but_flagged(std: Standard) -> None:
    report = check(parse_claim(example("shipper_footprint.json")), std)
    assert report.passed
    # (FAC004: the 2015 China fuel parameters are far from a 2024 period)
    assert {f.rule for f in report.warnings} - {"FAC004"} == {"FAC002"}


def test_a_wrong_declared_total_is_an_error_showing_both_numbers(std: Standard) -> None:
    doc = footprint([FUEL])
    doc["declared"]["scope1"] = "30000"
    report = check(parse_claim(doc), std)
    assert not report.passed
    (f,) = report.errors
    assert (f.rule, f.path) == ("TOT001", "declared.scope1")
    assert "declared 30000" in f.message and "recomputed 30959.096" in f.message


def test_a_declared_figure_within_tolerance_passes(std: Standard) -> None:
    doc = footprint([FUEL])
    doc["declared"]["scope1"] = "30959.0964"  # exact 30959.096373...; tolerance 0.03
    assert check(parse_claim(doc), std).passed


def test_a_wrong_line_figure_is_reported_on_the_line(std: Standard) -> None:
    doc = footprint([{**FUEL, "declared_kgco2e": "1"}])
    assert ("CALC001", "lines[0].declared_kgco2e") in _rules(doc, std)


def test_a_factor_per_tonne_applied_to_litres_is_a_unit_error(std: Standard) -> None:
    doc = footprint([{**FUEL, "unit": "L"}], fill=False)
    assert ("UNIT001", "lines[0].unit") in _rules(doc, std)


def test_a_stated_density_converts_but_is_flagged(std: Standard) -> None:
    doc = footprint([{**FUEL, "unit": "L", "quantity": "1000", "density_kg_per_l": "0.84"}])
    assert [r for r in _rules(doc, std) if r[0] != "FAC004"] == [
        ("UNIT002", "lines[0].density_kg_per_l")
    ]


def test_unknown_factor_and_wrong_factor_kind_are_errors(std: Standard) -> None:
    doc = footprint(
        [{**FUEL, "factor_id": "no.such"}, {**FUEL, "id": "b", "factor_id": GRID_EAST}], fill=False
    )
    rules = _rules(doc, std)
    assert ("FAC001", "lines[0].factor_id") in rules
    assert ("FAC005", "lines[1].factor_id") in rules


def test_a_standard_version_mismatch_is_an_error(std: Standard) -> None:
    doc = footprint([FUEL], standard_version="cls-0.9.0-0000000000000000")
    assert ("STD001", "standard_version") in _rules(doc, std)


def test_scope_and_category_must_follow_who_owns_or_pays(std: Standard) -> None:
    purchased_in_scope1 = {
        "id": "t",
        "activity": "trip",
        "scope": 1,
        "arrangement": "purchased",
        "quantity": "1",
        "unit": "t",
        "factor_id": DIESEL_CN,
        "shipments": [{"shipment_ref": "0x" + "00" * 32, "mass_t": "1", "distance_km": "1"}],
    }
    not_paid_in_cat4 = {
        "id": "x",
        "activity": "transport",
        "scope": 3,
        "category": 4,
        "arrangement": "not_paid_downstream",
        "mode": "road",
        "mass_t": "1",
        "distance_km": "10",
        "distance_basis": "actual",
        "factor_id": "r",
    }
    electricity_in_scope1 = {
        "id": "e",
        "activity": "electricity",
        "scope": 1,
        "quantity": "1",
        "unit": "kWh",
        "factor_id": GRID_EAST,
    }
    doc = footprint(
        [purchased_in_scope1, not_paid_in_cat4, electricity_in_scope1],
        factors=[intensity("r", "0.1")],
    )
    rules = _rules(doc, std)
    assert ("SCP003", "lines[0].scope") in rules
    assert ("SCP003", "lines[1].scope") in rules
    assert ("SCP003", "lines[2].scope") in rules


def test_a_line_outside_the_boundary_is_an_error(std: Standard) -> None:
    doc = footprint(
        [
            {
                "id": "s",
                "activity": "spend",
                "scope": 3,
                "category": 6,
                "amount": "10",
                "currency": "CNY",
                "factor_id": "sp",
            }
        ],
        factors=[intensity("sp", "1", unit="kgCO2e/CNY", basis="n/a", kind="spend")],
    )
    assert ("SCP001", "lines[0].category") in _rules(doc, std)


def test_duplicate_line_ids_are_an_error(std: Standard) -> None:
    doc = footprint([FUEL, dict(FUEL)])
    assert ("LINE001", "lines[1].id") in _rules(doc, std)


def test_a_line_dated_outside_the_period_is_an_error(std: Standard) -> None:
    doc = footprint([{**FUEL, "date": "2025-01-01"}])
    assert ("PER002", "lines[0].date") in _rules(doc, std)


def test_a_gas_missing_from_the_gwp_set_is_an_error(std: Standard) -> None:
    doc = footprint(
        [
            {
                "id": "r",
                "activity": "refrigerant",
                "scope": 1,
                "gas": "R-22",
                "quantity": "1",
                "unit": "kg",
            }
        ],
        fill=False,
    )
    assert ("GWP003", "lines[0].gas") in _rules(doc, std)


def test_a_factor_on_another_gwp_basis_is_flagged(std: Standard) -> None:
    doc = footprint(
        [
            {
                "id": "a",
                "activity": "fuel",
                "scope": 1,
                "quantity": "1",
                "unit": "L",
                "factor_id": DIESEL_UK,
            }
        ]
    )  # DESNZ factors are AR5-based; claim is AR6
    assert ("GWP002", "gwp_set") in _rules(doc, std)


def test_biogenic_co2_counted_in_scope1_is_caught(std: Standard) -> None:
    hvo = intensity("hvo", "0.036", unit="kgCO2e/L", kind="fuel_combustion", biogenic_co2="2.43")
    doc = footprint(
        [
            {
                "id": "b",
                "activity": "fuel",
                "scope": 1,
                "quantity": "100",
                "unit": "L",
                "factor_id": "hvo",
            }
        ],
        factors=[hvo],
    )
    assert check(parse_claim(doc), std).passed
    doc["declared"]["scope1"] = "246.600"  # 3.6 + 243 biogenic
    assert ("BIO001", "declared.scope1") in _rules(doc, std)


def test_offsets_are_listed_apart_and_never_netted(std: Standard) -> None:
    doc = footprint(
        [FUEL], offsets=[{"registry": "CCER", "reference": "X-1", "quantity_kgco2e": "30959"}]
    )
    report = check(parse_claim(doc), std)
    assert report.passed
    assert [f.rule for f in report.findings if f.rule != "FAC004"] == ["OFF001"]
    assert report.onchain["scope1"] == 30959  # gross, nothing subtracted


def test_a_missing_category_total_is_an_error(std: Standard) -> None:
    doc = footprint(
        [
            {
                "id": "x",
                "activity": "transport",
                "scope": 3,
                "category": 4,
                "arrangement": "purchased",
                "mode": "road",
                "mass_t": "1",
                "distance_km": "10",
                "distance_basis": "actual",
                "factor_id": "r",
            }
        ],
        factors=[intensity("r", "0.1")],
    )
    doc["declared"]["scope3"] = {}
    assert ("TOT002", "declared.scope3.4") in _rules(doc, std)


def test_the_report_is_canonical_and_reproducible(std: Standard) -> None:
    doc = example("carrier_footprint.json")
    a = check(parse_claim(copy.deepcopy(doc)), std)
    b = check(parse_claim(copy.deepcopy(doc)), std)
    assert canonical_bytes(a) == canonical_bytes(b)
    assert a.report_hash == b.report_hash == keccak256(canonical_bytes(a))
    assert a.document_hash == document_hash(doc)
    obj = a.canonical_object()
    assert obj["document"]["document_hash"] == "0x" + document_hash(doc).hex()
    assert obj["onchain_kgco2e"] == {
        "scope1": 18135,
        "scope2_location": 29208,
        "scope2_market": 29208,
        "scope3": 0,
        "biogenic_co2": 0,
    }


def test_every_finding_uses_a_registered_rule_with_its_severity(std: Standard) -> None:
    doc = footprint([{**FUEL, "declared_kgco2e": "1", "date": "2030-01-01"}], standard_version="x")
    for f in check(parse_claim(doc), std).findings:
        assert RULES[f.rule].severity == f.severity


# --- reductions ---------------------------------------------------------------------------
def _reduction() -> tuple[dict[str, Any], dict[str, Any]]:
    return example("shipper_reduction.json"), example("shipper_footprint.json")


def test_the_example_reduction_passes_against_its_baseline(std: Standard) -> None:
    red, base = _reduction()
    report = check(parse_claim(red), std, baseline=parse_claim(base))
    assert report.passed, report.errors
    assert report.reduction is not None
    assert report.reduction["counted_kgco2e"] == red["declared"]["reduction_kgco2e"]
    assert report.onchain == {"inventory_reduction": 103}


def test_a_reduction_without_its_baseline_fails(std: Standard) -> None:
    red, _ = _reduction()
    assert ("RED001", "baseline") in _rules(red, std)


def test_a_baseline_that_does_not_match_the_cited_hash_fails(std: Standard) -> None:
    red, base = _reduction()
    base["lines"][0]["quantity"] = "0.6"
    assert ("RED002", "baseline.document_hash") in _rules(red, std, baseline=parse_claim(base))


def test_a_settlement_reduction_counts_only_up_to_the_allocated_share(std: Standard) -> None:
    red, base = _reduction()
    sid = red["settlements"][0]["settlement_id"]
    report = check(parse_claim(red), std, baseline=parse_claim(base), allocations={sid: "40"})
    rules = [f.rule for f in report.findings]
    assert "RED015" in rules and "RED009" in rules and "RED007" in rules
    assert report.reduction is not None and report.reduction["counted_kgco2e"] == "93.478"
    assert report.onchain == {"inventory_reduction": 93}


def test_a_settlement_unknown_to_the_ledger_is_an_error(std: Standard) -> None:
    red, base = _reduction()
    assert ("RED008", "settlements[0].settlement_id") in _rules(
        red, std, baseline=parse_claim(base), allocations={}
    )


def test_a_baseline_of_another_firm_or_later_period_fails(std: Standard) -> None:
    red, base = _reduction()
    base["firm"]["address"] = "0x" + "11" * 20
    base["period"] = {"start": "2025-01-01", "end": "2025-12-31"}
    red["baseline"]["document_hash"] = "0x" + document_hash(base).hex()
    rules = _rules(red, std, baseline=parse_claim(base))
    assert ("RED003", "baseline.document_hash") in rules
    assert ("RED011", "period.start") in rules


def test_a_project_based_reduction_is_reported_apart(std: Standard) -> None:
    red, base = _reduction()
    red["method"] = "project"
    red["covered"] = []
    red["project"] = {
        "id": "P1",
        "description": "electric trucks",
        "methodology": "own",
        "baseline_scenario_kgco2e": "30000",
    }
    red["declared"] = {"reduction_kgco2e": "3026.45"}
    report = check(parse_claim(red), std, baseline=parse_claim(base))
    assert report.reduction is not None and report.reduction["reported_apart"] is True
    assert "PRJ001" in {f.rule for f in report.findings}
    assert set(report.onchain) == {"project_reduction"}


def test_customers_allocated_more_than_the_whole_site_is_an_error(std: Standard) -> None:
    line = {
        "id": "wh",
        "activity": "electricity",
        "scope": 2,
        "quantity": "1000",
        "unit": "kWh",
        "factor_id": GRID_EAST,
        "site_allocation": {
            "allocation_basis": "floor_area_m2",
            "site_amount": "100",
            "customers": [
                {"shipment_ref": "0x" + "11" * 32, "amount": "60"},
                {"shipment_ref": "0x" + "22" * 32, "amount": "40.5"},
            ],
        },
    }
    doc = footprint([line], fill=False)
    assert ("SITE002", "lines[0].site_allocation.customers") in _rules(doc, std)
    line["site_allocation"]["customers"][1]["amount"] = "40"  # exactly the site: fine
    assert _rules(footprint([line]), std) == []


def test_a_fuel_line_is_one_shipments_or_shared_site_energy_not_both(std: Standard) -> None:
    line = {
        **FUEL,
        "shipment_ref": "0x" + "33" * 32,
        "site_allocation": {
            "allocation_basis": "throughput_t",
            "site_amount": "10",
            "customers": [{"shipment_ref": "0x" + "44" * 32, "amount": "1"}],
        },
    }
    assert ("SITE003", "lines[0].site_allocation") in _rules(footprint([line], fill=False), std)


def test_a_site_allocation_names_its_bad_fields(std: Standard) -> None:
    line = {
        **FUEL,
        "site_allocation": {
            "allocation_basis": "acres",
            "site_amount": "0",
            "customers": [{"shipment_ref": "WB-1", "amount": "1"}],
        },
    }
    try:
        parse_claim(footprint([line], fill=False))
    except ClaimFormatError as exc:
        paths = {p.path for p in exc.problems}
    else:
        raise AssertionError("accepted")
    assert paths == {
        "lines[0].site_allocation.allocation_basis",
        "lines[0].site_allocation.site_amount",
        "lines[0].site_allocation.customers[0].shipment_ref",
    }


def test_a_findings_json_form_is_its_four_fields_by_name() -> None:
    from dataclasses import asdict

    from carbonledger.standard.checker import Finding as CheckFinding

    finding = CheckFinding("FAC003", "warning", "factors[0].id", "déclarez « vos » facteurs")
    assert finding.to_json_obj() == asdict(finding)
    assert list(finding.to_json_obj()) == ["rule", "severity", "path", "message"]
