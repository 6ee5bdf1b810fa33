"""Errors a new user found by encoding published worked examples (issue 10, section 3).

Each test failed before the fix (under the current standard); where the fix is a rule change,
the same document under 1.0.0 shows the old behaviour, which stays for claims filed under it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from carbonledger.cli.standard import app
from carbonledger.standard import (
    ClaimFormatError,
    Standard,
    check,
    load_version,
    parse_claim,
)

from .standard_helpers import DIESEL_CN, footprint, intensity

runner = CliRunner()


def _findings(doc: dict[str, Any], std: Standard) -> list[tuple[str, str, str]]:
    return [(f.rule, f.path, f.message) for f in check(parse_claim(doc), std).findings]


WTW_DIESEL = intensity("diesel.wtw", "3.2", unit="kgCO2e/L", kind="fuel_combustion", basis="WTW")
DIESEL_WTT = intensity("diesel.wtt", "0.6", unit="kgCO2e/L", kind="fuel_wtt", basis="WTT")


def _fuel(kind: str = "fuel", **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": "F1",
        "activity": kind,
        "scope": 1,
        "quantity": "100",
        "unit": "L",
        "factor_id": "diesel.wtw",
        **extra,
    }
    if kind == "trip":
        line["arrangement"] = "own"
        line["shipments"] = [{"shipment_ref": "0x" + "11" * 32, "mass_t": "1", "distance_km": "1"}]
    return line


@pytest.mark.parametrize("activity", ["fuel", "trip"])
def test_a_wtw_factor_used_as_combustion_is_refused_naming_line_factor_and_basis(
    std: Standard, activity: str
) -> None:
    doc = footprint(
        [_fuel(activity, wtt_factor_id="diesel.wtt")],
        fill=False,
        factors=[WTW_DIESEL, DIESEL_WTT],
    )
    fac = [f for f in _findings(doc, std) if f[0] == "FAC005"]
    assert len(fac) == 1
    _, path, message = fac[0]
    assert path == "lines[0].factor_id"
    assert "'diesel.wtw' has basis WTW" in message and "(basis TTW)" in message
    # 1.0.0 accepted it (and reported 320 kg WTW as TTW, plus 60 WTT on top)
    assert not [f for f in _findings(doc, load_version("1.0.0")) if f[0] == "FAC005"]


def test_a_ttw_factor_in_the_wtt_slot_is_refused(std: Standard) -> None:
    ttw = intensity("diesel.ttw", "2.6", unit="kgCO2e/L", kind="fuel_wtt", basis="TTW")
    doc = footprint(
        [_fuel(factor_id=DIESEL_CN, unit="t", quantity="1", wtt_factor_id="diesel.ttw")],
        fill=False,
        factors=[ttw],
    )
    assert ("FAC005", "lines[0].wtt_factor_id") in [f[:2] for f in _findings(doc, std)]


def _carrier_leak(**extra: Any) -> dict[str, Any]:
    return {
        "id": "CARRIER-R134A",
        "activity": "refrigerant",
        "scope": 3,
        "category": 4,
        "arrangement": "purchased",
        "gas": "HFC-134a",
        "quantity": "0.5",
        "unit": "kg",
        **extra,
    }


def test_a_shippers_cat4_may_include_its_carriers_refrigerant_leakage(std: Standard) -> None:
    doc = footprint([_carrier_leak()])
    report = check(parse_claim(doc), std)
    assert report.passed, report.errors
    assert report.totals is not None
    assert report.totals["scope3"]["4"]["kgco2e"] == "765.000"  # 0.5 kg x 1530 (AR6)
    own_in_cat4 = footprint([_carrier_leak(arrangement="own")], fill=False)
    assert ("SCP003", "lines[0].scope") in [f[:2] for f in _findings(own_in_cat4, std)]


def test_a_declared_gwp_with_its_source_is_used_and_flagged(std: Standard) -> None:
    doc = footprint([_carrier_leak(gas="R-XYZ", gwp="2000", gwp_source="supplier SDS 2024")])
    report = check(parse_claim(doc), std)
    assert report.passed, report.errors
    assert report.totals is not None and report.totals["scope3"]["4"]["kgco2e"] == "1000.000"
    (gwp,) = [f for f in report.findings if f.rule == "GWP004"]
    assert gwp.path == "lines[0].gwp" and "2000" in gwp.message and "supplier SDS" in gwp.message
    unsourced = footprint([_carrier_leak(gas="R-XYZ", gwp="2000")], fill=False)
    assert ("GWP005", "lines[0].gwp_source") in [f[:2] for f in _findings(unsourced, std)]


def test_a_line_with_a_factor_error_is_not_silently_recomputed_as_zero(std: Standard) -> None:
    doc = footprint([_fuel(factor_id="no.such.factor")], fill=False)
    doc["declared"]["scope1"] = "320"
    rules = _findings(doc, std)
    assert ("FAC001", "lines[0].factor_id") in [f[:2] for f in rules]
    (tot,) = [f for f in rules if f[0] == "TOT004"]
    assert tot[1] == "declared.scope1" and "lines[0]" in tot[2]
    assert not [f for f in rules if f[0] == "TOT001"]
    # 1.0.0 said "declared 320 kgCO2e, recomputed 0.000 kgCO2e"
    old = [f for f in _findings(doc, load_version("1.0.0")) if f[0] == "TOT001"]
    assert old and "recomputed 0.000" in old[0][2]


def test_calc_does_not_count_a_line_that_check_rejects(tmp_path: Path) -> None:
    # a fuel line arranged as own but filed in Scope 3 cat. 4: check rejects it (SCP003)
    line = {**_fuel(factor_id=DIESEL_CN, unit="t", quantity="1"), "scope": 3, "category": 4}
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(footprint([line], fill=False)), encoding="utf-8")
    result = runner.invoke(app, ["calc", str(path)])
    assert result.exit_code == 1
    assert "SCP003 lines[0].scope" in result.stderr
    assert result.stdout == ""  # no totals that include the rejected line


def test_fac004_applies_to_every_dated_factor_at_its_path(std: Standard) -> None:
    doc = footprint([_fuel(factor_id=DIESEL_CN, unit="t", quantity="1")])  # a 2015 factor, 2024
    fac = [f for f in _findings(doc, std) if f[0] == "FAC004"]
    assert [f[1] for f in fac] == ["lines[0].factor_id"] and "2015" in fac[0][2]
    old = _findings(doc, load_version("1.0.0"))
    assert not [f for f in old if f[0] == "FAC004"]  # 1.0.0: grid factors only
    declared = intensity("old.road", "0.1", year=2015)
    doc = footprint(
        [
            {
                "id": "R1",
                "activity": "transport",
                "scope": 3,
                "category": 4,
                "arrangement": "purchased",
                "mode": "road",
                "mass_t": "1",
                "distance_km": "10",
                "distance_basis": "actual",
                "factor_id": "old.road",
            }
        ],
        factors=[declared],
    )
    assert ("FAC004", "factors[0].year") in [f[:2] for f in _findings(doc, std)]


def test_a_wtt_below_zero_says_wtw_must_be_at_least_ttw() -> None:
    bad = intensity("road.wtt", "-0.01", basis="WTT")
    with pytest.raises(ClaimFormatError) as err:
        parse_claim(footprint([], fill=False, factors=[bad]) | {"lines": [_fuel()]})
    text = str(err.value)
    assert "WTW must be at least TTW" in text and "-0.01" in text
    assert "must not be negative" not in text


def test_a_document_valid_but_for_one_unknown_field_names_that_field(tmp_path: Path) -> None:
    doc = footprint([_fuel(factor_id=DIESEL_CN, unit="t", quantity="1")])
    doc["colour"] = "green"
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "unknown field(s) colour" in result.stderr
    assert "not a claim document" not in result.stderr


def test_declared_gwp_figures_recompute_by_hand(std: Standard) -> None:
    # 0.25 kg of a blend with a supplier GWP of 2,000: 500 kgCO2e in cat. 4
    doc = footprint([_carrier_leak(gas="R-XYZ", quantity="0.25", gwp="2000", gwp_source="SDS")])
    totals = check(parse_claim(doc), std).totals
    assert totals is not None and Decimal(totals["scope3"]["4"]["kgco2e"]) == Decimal("500")
