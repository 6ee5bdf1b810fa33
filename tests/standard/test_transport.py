"""Transport activity and intensity (ISO 14083 / GLEC v3): per line, shipment, TOC and HOC.

Every expected figure below is worked by hand in the comments; none is read back from the code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from carbonledger.cli.standard import app
from carbonledger.standard import (
    Standard,
    check,
    parse_claim,
    shipment_footprint,
    transport_activity,
)

from .standard_helpers import footprint, intensity

SHIP_S = "0x" + "5a" * 32  # pre-carriage by trip, road leg, hub, air leg
SHIP_B = "0x" + "b0" * 32  # the trip's other shipment

FACTORS = [
    intensity("own.diesel.ttw", "2.5", unit="kgCO2e/L", kind="fuel_combustion"),
    intensity("own.diesel.wtt", "0.6", unit="kgCO2e/L", kind="fuel_wtt", basis="WTT"),
    intensity("road.ttw", "0.08"),
    intensity("road.wtt", "0.02", basis="WTT"),
    intensity("air.wtw", "1.2", basis="WTW"),
    intensity("hub.wtw", "1.5", unit="kgCO2e/t", kind="hub_intensity", basis="WTW"),
]


def _lines() -> list[dict[str, Any]]:
    return [
        {  # 100 L diesel: TTW 250, WTT 60; shared by tkm 10x100 = 1000 and 5x200 = 1000
            "id": "TRIP-1",
            "activity": "trip",
            "scope": 1,
            "arrangement": "own",
            "quantity": "100",
            "unit": "L",
            "factor_id": "own.diesel.ttw",
            "wtt_factor_id": "own.diesel.wtt",
            "shipments": [
                {"shipment_ref": SHIP_S, "mass_t": "10", "distance_km": "100"},
                {"shipment_ref": SHIP_B, "mass_t": "5", "distance_km": "200"},
            ],
        },
        {  # 12 t x 250 km = 3000 tkm; TTW 240, WTT 60, WTW 300
            "id": "ROAD-1",
            "activity": "transport",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "mode": "road",
            "mass_t": "12",
            "distance_km": "250",
            "distance_basis": "actual",
            "factor_id": "road.ttw",
            "wtt_factor_id": "road.wtt",
            "shipment_ref": SHIP_S,
        },
        {  # 12 t handled x 1.5 = 18 WTW
            "id": "HUB-1",
            "activity": "hub",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "quantity": "12",
            "unit": "t",
            "factor_id": "hub.wtw",
            "shipment_ref": SHIP_S,
        },
        {  # 0.5 t x (1000 + 95) km = 547.5 tkm; WTW 657
            "id": "AIR-1",
            "activity": "transport",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "mode": "air",
            "mass_t": "0.5",
            "distance_km": "1000",
            "distance_basis": "great_circle",
            "factor_id": "air.wtw",
            "shipment_ref": SHIP_S,
            "toc_id": "air-freighter",
        },
    ]


def _claim() -> Any:
    return parse_claim(footprint(_lines(), factors=FACTORS))


def test_a_multi_leg_shipment_footprint_matches_the_hand_calculation(std: Standard) -> None:
    fp = shipment_footprint(_claim(), std, SHIP_S)
    assert [(e.line_id, e.element) for e in fp.elements] == [
        ("TRIP-1", "trip_share"),
        ("ROAD-1", "transport"),
        ("HUB-1", "hub"),
        ("AIR-1", "transport"),
    ]
    assert fp.tkm == Decimal("4547.5")  # 1000 + 3000 + 547.5
    assert fp.wtw == Decimal("1130")  # 155 + 300 + 18 + 657
    assert fp.ttw is None  # the air leg and the hub have WTW factors only
    out = fp.to_json_obj(std.report_quantum)
    assert out["tkm"] == "4547.5"
    assert out["wtw_kgco2e"] == "1130.000"
    assert out["intensity_wtw_kgco2e_per_tkm"] == "0.248488"  # 1130 / 4547.5 = 0.2484881...
    assert out["intensity_ttw_kgco2e_per_tkm"] is None
    air = out["chain"][3]
    assert air["distance_km"] == "1095" and air["distance_basis"] == "great_circle"
    assert air["tkm"] == "547.5" and air["intensity_wtw_kgco2e_per_tkm"] == "1.200000"
    share = out["chain"][0]
    # 250 x 1000/2000 = 125 TTW, 60 x 1/2 = 30 WTT, WTW 155, 155 / 1000 = 0.155 per tkm
    assert share["ttw_kgco2e"] == "125.000" and share["wtw_kgco2e"] == "155.000"
    assert share["intensity_ttw_kgco2e_per_tkm"] == "0.125000"
    assert share["intensity_wtw_kgco2e_per_tkm"] == "0.155000"


def test_intensity_is_reported_per_line_toc_and_hoc(std: Standard) -> None:
    report = transport_activity(_claim(), std).to_json_obj()
    lines = {item["line_id"]: item for item in report["lines"]}
    assert lines["TRIP-1"]["tkm"] == "2000"  # 1000 + 1000
    assert lines["TRIP-1"]["intensity_wtw_kgco2e_per_tkm"] == "0.155000"  # 310 / 2000
    assert lines["ROAD-1"]["intensity_ttw_kgco2e_per_tkm"] == "0.080000"  # 240 / 3000
    assert lines["ROAD-1"]["intensity_wtw_kgco2e_per_tkm"] == "0.100000"  # 300 / 3000
    assert lines["HUB-1"]["intensity_wtw_kgco2e_per_t"] == "1.500000"  # 18 / 12
    tocs = {t["toc_id"]: t for t in report["tocs"]}
    # road: trip 2000 + road 3000 tkm; TTW 250 + 240 = 490; WTW 310 + 300 = 610
    assert tocs["road"]["tkm"] == "5000"
    assert tocs["road"]["intensity_ttw_kgco2e_per_tkm"] == "0.098000"
    assert tocs["road"]["intensity_wtw_kgco2e_per_tkm"] == "0.122000"
    assert tocs["air-freighter"]["intensity_wtw_kgco2e_per_tkm"] == "1.200000"
    (hoc,) = report["hocs"]
    assert hoc["hoc_id"] == "hub" and hoc["throughput_t"] == "12"
    assert hoc["intensity_wtw_kgco2e_per_t"] == "1.500000"
    shipments = {s["shipment_ref"]: s for s in report["shipments"]}
    assert shipments[SHIP_B]["tkm"] == "1000" and shipments[SHIP_B]["wtw_kgco2e"] == "155.000"


def _tkm_line(declared: str) -> dict[str, Any]:
    return {
        "id": "PARCEL-1",
        "activity": "transport",
        "scope": 3,
        "category": 4,
        "arrangement": "purchased",
        "mode": "road",
        "mass_t": "0.087",  # 87 kg
        "distance_km": "423",
        "distance_basis": "actual",
        "factor_id": "road.ttw",
        "declared_tkm": declared,
    }


def test_a_declared_tkm_that_is_not_mass_times_distance_fails(std: Standard) -> None:
    claim = parse_claim(footprint([_tkm_line("3.6801")], factors=FACTORS))
    report = check(claim, std)
    assert not report.passed
    (finding,) = [f for f in report.findings if f.rule == "TRN004"]
    assert finding.path == "lines[0].declared_tkm"
    assert "0.087 t x 423 km" in finding.message and "36.801 tkm" in finding.message


def test_a_declared_tkm_equal_to_mass_times_distance_passes(std: Standard) -> None:
    claim = parse_claim(footprint([_tkm_line("36.801")], factors=FACTORS))
    assert not [f for f in check(claim, std).findings if f.rule == "TRN004"]


def test_a_trip_shipments_declared_tkm_is_recomputed(std: Standard) -> None:
    lines = _lines()[:1]
    lines[0]["shipments"][1]["declared_tkm"] = "100"  # 5 t x 200 km = 1000
    report = check(parse_claim(footprint(lines, factors=FACTORS)), std)
    (finding,) = [f for f in report.findings if f.rule == "TRN004"]
    assert finding.path == "lines[0].shipments[1].declared_tkm"


def test_calc_prints_one_shipment_footprint(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(footprint(_lines(), factors=FACTORS)), encoding="utf-8")
    result = CliRunner().invoke(app, ["calc", str(path), "--shipment", SHIP_S])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["shipment_ref"] == SHIP_S and out["tkm"] == "4547.5"
    assert out["intensity_wtw_kgco2e_per_tkm"] == "0.248488"
    assert [leg["line_id"] for leg in out["chain"]] == ["TRIP-1", "ROAD-1", "HUB-1", "AIR-1"]
    whole = json.loads(CliRunner().invoke(app, ["calc", str(path)]).stdout)
    assert {t["toc_id"] for t in whole["transport"]["tocs"]} == {"road", "air-freighter"}


def test_calc_names_an_unknown_shipment(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(footprint(_lines(), factors=FACTORS)), encoding="utf-8")
    result = CliRunner().invoke(app, ["calc", str(path), "--shipment", "0x" + "00" * 32])
    assert result.exit_code == 1
    assert "no transport, trip or hub line carries shipment" in result.stderr
