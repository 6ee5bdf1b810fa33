"""Standard 1.2.0 (rule set 3): Scope 3 cat. 1 from a supplier's product footprint, and the
transport activity data (origin, destination, times) a transport line may carry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from carbonledger.standard import check, compute, load_version, parse_claim
from carbonledger.standard.errors import UnitMismatchError

from .standard_helpers import footprint, intensity

V3 = load_version("1.2.0")
V2 = load_version("1.1.0")
PCF = intensity(
    "pact.supplier.steel", "1.85", unit="kgCO2e/kg", basis="WTW", kind="product_footprint"
)


def goods(quantity: str = "2", unit: str = "t", **extra: Any) -> dict[str, Any]:
    return {
        "id": "PG-1",
        "activity": "purchased_goods",
        "scope": 3,
        "category": 1,
        "arrangement": "purchased",
        "quantity": quantity,
        "unit": unit,
        "factor_id": PCF["id"],
        **extra,
    }


def doc_v3(lines: list[dict[str, Any]], factors: list[dict[str, Any]]) -> dict[str, Any]:
    return footprint(lines, factors=factors, standard_version=V3.version_id)


def test_purchased_goods_is_quantity_in_the_declared_unit_times_the_footprint() -> None:
    doc = doc_v3([goods("2", "t", product_id="urn:gtin:4712345060507")], [PCF])
    totals = compute(parse_claim(doc), V3)
    assert totals.scope3 == {1: Decimal("3700")}  # 2 t = 2000 kg x 1.85 kgCO2e/kg
    report = check(parse_claim(doc), V3)
    assert report.passed, [f.rule for f in report.findings]


def test_a_quantity_in_another_dimension_than_the_declared_unit_is_a_unit_error() -> None:
    doc = footprint([goods("5", "piece")], fill=False, factors=[PCF])
    with pytest.raises(UnitMismatchError, match="piece"):
        compute(parse_claim(doc), V3)


def test_purchased_goods_lines_are_refused_under_an_earlier_rule_set() -> None:
    doc = footprint([goods()], factors=[PCF], standard_version=V2.version_id)
    report = check(parse_claim(doc), V2)
    assert not report.passed
    assert any(f.rule == "STD002" and f.path == "lines[0].activity" for f in report.findings), (
        report.findings
    )


def test_a_transport_line_may_carry_where_and_when_it_ran_from_rule_set_3() -> None:
    leg = {
        "id": "LEG-1",
        "activity": "transport",
        "scope": 3,
        "category": 4,
        "arrangement": "purchased",
        "mode": "road",
        "mass_t": "10",
        "distance_km": "100",
        "distance_basis": "actual",
        "factor_id": "road.ttw",
        "origin": {"city": "Hamburg", "country": "DE", "locode": "DEHAM"},
        "destination": {"city": "Berlin", "country": "DE"},
        "departure_at": "2024-05-01T08:00:00Z",
        "arrival_at": "2024-05-01T14:30:00Z",
        "consignment_id": "C-1",
    }
    factor = intensity("road.ttw", "0.1")
    assert check(parse_claim(doc_v3([leg], [factor])), V3).passed
    under_v2 = check(parse_claim(footprint([leg], factors=[factor])), V2)
    assert {f.path for f in under_v2.findings if f.rule == "STD002"} >= {
        "lines[0].origin",
        "lines[0].arrival_at",
    }
    with pytest.raises(Exception, match="country"):
        parse_claim(
            doc_v3([{**leg, "origin": {"city": "Hamburg", "country": "Germany"}}], [factor])
        )
