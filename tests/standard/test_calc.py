"""Calculators: published factor x quantity examples, method examples, and sums.

Where a test reproduces a published figure the source is cited; where no published worked
example with figures was available to us, the test is a hand calculation from the cited method
and says so.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.standard import (
    UnitMismatchError,
    UnknownFactorError,
    compute,
    onchain_totals,
    parse_claim,
)
from carbonledger.standard.numbers import CONTEXT

from .standard_helpers import DIESEL_CN, DIESEL_UK, GRID_EAST, footprint, intensity

D = Decimal


def _one(line: dict, **over: object) -> object:
    return compute(parse_claim(footprint([line], fill=False, **over)), _std())


def _std():  # type: ignore[no-untyped-def]
    from carbonledger.standard import load_default_standard

    return load_default_standard()


def test_diesel_litres_times_the_desnz_factor_gives_scope1() -> None:
    # UK Government GHG Conversion Factors 2023 (DESNZ), 'Fuels': Diesel (average biofuel
    # blend) 2.51279 kgCO2e per litre; emissions = activity x factor (the factors' own method).
    t = _one(
        {
            "id": "a",
            "activity": "fuel",
            "scope": 1,
            "quantity": "1000",
            "unit": "L",
            "factor_id": DIESEL_UK,
        }
    )
    assert t.scope1 == D("2512.79000")


def test_uk_grid_electricity_2024_gives_location_based_scope2() -> None:
    # DESNZ 2024 'UK electricity': 0.20705 kgCO2e/kWh; 10,000 kWh -> 2,070.5 kgCO2e.
    t = _one(
        {
            "id": "e",
            "activity": "electricity",
            "scope": 2,
            "quantity": "10",
            "unit": "MWh",
            "factor_id": "uk.desnz.2024.electricity.uk_grid",
        }
    )
    assert t.scope2_location == D("2070.5") == t.scope2_market


def test_china_guideline_fuel_formula_for_ten_tonnes_of_diesel() -> None:
    # 陆上交通运输企业温室气体排放核算方法与报告指南 (试行): E = AD x NCV x CC x OF x 44/12,
    # diesel NCV 42.652 GJ/t, CC 20.20 tC/TJ, OF 98%: 10 t -> 30.959 tCO2 (hand calculation
    # of the guideline's formula; the guideline publishes the formula and parameters).
    t = _one(
        {
            "id": "d",
            "activity": "fuel",
            "scope": 1,
            "quantity": "10",
            "unit": "t",
            "factor_id": DIESEL_CN,
        }
    )
    assert round(t.scope1, 3) == D("30959.096")
    assert (
        onchain_totals(
            parse_claim(
                footprint(
                    [
                        {
                            "id": "d",
                            "activity": "fuel",
                            "scope": 1,
                            "quantity": "10",
                            "unit": "t",
                            "factor_id": DIESEL_CN,
                        }
                    ]
                )
            ),
            _std(),
        ).scope1
        == 30959
    )


def test_china_2022_regional_grid_factor_applied_to_consumption() -> None:
    # MEE/NBS 2022 electricity CO2 factors (announcement of 2024-12-20): 华东 0.5617 kgCO2/kWh;
    # CO2 of electricity consumed = consumption x factor: 1,000 MWh -> 561.7 tCO2.
    t = _one(
        {
            "id": "e",
            "activity": "electricity",
            "scope": 2,
            "quantity": "1000",
            "unit": "MWh",
            "factor_id": GRID_EAST,
        }
    )
    assert t.scope2_location == D("561700.0000")


def test_market_based_scope2_uses_the_instrument_and_location_the_grid() -> None:
    # GHG Protocol Scope 2 Guidance: both methods reported; a zero-emission instrument -> 0.
    t = _one(
        {
            "id": "e",
            "activity": "electricity",
            "scope": 2,
            "quantity": "300",
            "unit": "MWh",
            "factor_id": GRID_EAST,
            "market": {
                "instrument": "green_electricity_certificate",
                "factor_id": "cls.market.zero_emission_instrument",
                "certificate_ref": "GEC-1",
            },
        }
    )
    assert t.scope2_location == D("168510.0000") and t.scope2_market == 0


@pytest.mark.parametrize(("gwp_set", "expected"), [("AR5", D("19235.0")), ("AR6", D("22555.0"))])
def test_refrigerant_leak_times_gwp_of_the_blend(gwp_set: str, expected: Decimal) -> None:
    # R-410A = 50% HFC-32 + 50% HFC-125 (ASHRAE 34). AR5 (677, 3170) -> 1923.5;
    # AR6 (771, 3740) -> 2255.5. 10 kg leaked.
    t = _one(
        {
            "id": "r",
            "activity": "refrigerant",
            "scope": 1,
            "gas": "R-410A",
            "quantity": "10",
            "unit": "kg",
        },
        gwp_set=gwp_set,
    )
    assert t.scope1 == expected


def test_distance_based_road_leg_is_tonne_km_times_intensity_with_wtt_apart() -> None:
    # ISO 14083 / GLEC v3: E = mass x distance x intensity; WTW = TTW + WTT.
    # Hand calculation: 20 t x 500 km = 10,000 tkm; x 0.080 (TTW) + 0.017 (WTT).
    t = _one(
        {
            "id": "t",
            "activity": "transport",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "mode": "road",
            "mass_t": "20",
            "distance_km": "500",
            "distance_basis": "actual",
            "factor_id": "road.ttw",
            "wtt_factor_id": "road.wtt",
        },
        factors=[intensity("road.ttw", "0.080"), intensity("road.wtt", "0.017", basis="WTT")],
    )
    line = t.lines[0]
    assert (line.ttw, line.wtt, line.emissions) == (D("800.000"), D("170.000"), D("970.000"))
    assert line.emissions == line.ttw + line.wtt
    assert t.scope3 == {4: D("970.000")}


def test_two_leg_shipment_sums_its_legs_and_air_gets_the_great_circle_uplift() -> None:
    # ISO 14083 / GLEC: a transport chain's emissions are the sum of its legs; air distance
    # from great-circle distance + 95 km. Hand calculation: road 2 t x 120 km x 0.1 = 24;
    # air 2 t x (8,000 + 95) km x 0.6 = 9,714; total 9,738 kgCO2e.
    ref = "0x" + "ab" * 32
    legs = [
        {
            "id": "leg1",
            "activity": "transport",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "mode": "road",
            "mass_t": "2",
            "distance_km": "120",
            "distance_basis": "actual",
            "factor_id": "road.wtw",
            "shipment_ref": ref,
        },
        {
            "id": "leg2",
            "activity": "transport",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "mode": "air",
            "mass_t": "2",
            "distance_km": "8000",
            "distance_basis": "great_circle",
            "factor_id": "air.wtw",
            "shipment_ref": ref,
        },
    ]
    t = compute(
        parse_claim(
            footprint(
                legs,
                fill=False,
                factors=[
                    intensity("road.wtw", "0.1", basis="WTW"),
                    intensity("air.wtw", "0.6", basis="WTW"),
                ],
            )
        ),
        _std(),
    )
    assert [r.emissions for r in t.lines] == [D("24.0"), D("9714.0")]
    assert t.scope3[4] == D("9738.0")


def test_container_leg_uses_teu_km() -> None:
    t = _one(
        {
            "id": "s",
            "activity": "transport",
            "scope": 3,
            "category": 9,
            "arrangement": "not_paid_downstream",
            "mode": "sea",
            "teu": "2",
            "distance_km": "10500",
            "distance_basis": "actual",
            "factor_id": "sea.teu",
        },
        factors=[intensity("sea.teu", "0.055", unit="kgCO2e/TEUkm", basis="WTW")],
    )
    assert t.scope3 == {9: D("1155.000")}


def test_warehouse_site_energy_is_allocated_by_the_customers_share() -> None:
    # GLEC v3 hubs / ISO 14083 hub operation: site emissions allocated by the customer's share
    # of the allocation basis. Hand calculation: 380,000 kWh x 0.5617 x 36,500/292,000 pallet-days
    # = 213,446 x 0.125 = 26,680.75 kgCO2e.
    t = _one(
        {
            "id": "w",
            "activity": "site_share",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "quantity": "380000",
            "unit": "kWh",
            "factor_id": GRID_EAST,
            "allocation_basis": "pallet_days",
            "customer_amount": "36500",
            "site_amount": "292000",
        }
    )
    assert t.scope3[4] == D("26680.75")


SITE_REF_A, SITE_REF_B = "0x" + "5c" * 32, "0x" + "7d" * 32


def test_a_site_operators_energy_is_shared_among_customers_without_changing_its_totals() -> None:
    line = {
        "id": "wh",
        "activity": "electricity",
        "scope": 2,
        "quantity": "380000",
        "unit": "kWh",
        "factor_id": GRID_EAST,
    }
    plain = _one(line)
    allocated = {
        **line,
        "site_allocation": {
            "allocation_basis": "pallet_days",
            "site_amount": "292000",
            "customers": [
                {"shipment_ref": SITE_REF_A, "amount": "36500"},
                {"shipment_ref": SITE_REF_B, "amount": "100000"},
            ],
        },
    }
    t = _one(allocated)
    assert t.scope2_location == plain.scope2_location == D("213446.000")  # 380,000 x 0.5617
    (result,) = t.lines
    # hand calculation: 213,446 x 36,500 / 292,000 and x 100,000 / 292,000 (to 0.000001 kg)
    assert [(s.shipment_ref, s.amount, s.kg) for s in result.site_shares] == [
        (SITE_REF_A, D("36500"), D("26680.750000")),
        (SITE_REF_B, D("100000"), D("73097.945205")),
    ]
    (item,) = t.to_json_obj()["lines"]
    assert item["site_shares"][0] == {
        "shipment_ref": SITE_REF_A,
        "amount": "36500",
        "kgco2e": "26680.750000",
    }
    assert "site_shares" not in plain.to_json_obj()["lines"][0]


def test_storage_is_volume_times_days_times_intensity() -> None:
    t = _one(
        {
            "id": "s",
            "activity": "storage",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "volume_m3": "120",
            "days": "30",
            "factor_id": "store",
        },
        factors=[
            intensity("store", "0.015", unit="kgCO2e/m3day", basis="n/a", kind="storage_intensity")
        ],
    )
    assert t.scope3[4] == D("54.000")


def test_hub_throughput_times_intensity() -> None:
    t = _one(
        {
            "id": "h",
            "activity": "hub",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "quantity": "2500",
            "unit": "kg",
            "factor_id": "hub",
        },
        factors=[intensity("hub", "1.2", unit="kgCO2e/t", basis="n/a", kind="hub_intensity")],
    )
    assert t.scope3[4] == D("3.0000")


def test_spend_based_purchase_is_amount_times_factor() -> None:
    t = _one(
        {
            "id": "p",
            "activity": "spend",
            "scope": 3,
            "category": 1,
            "amount": "10000",
            "currency": "CNY",
            "factor_id": "pack",
        },
        factors=[intensity("pack", "0.45", unit="kgCO2e/CNY", basis="n/a", kind="spend")],
    )
    assert t.scope3 == {1: D("4500.00")}


def test_own_fuel_wtt_goes_to_category_3_and_stays_out_of_scope1() -> None:
    t = _one(
        {
            "id": "a",
            "activity": "fuel",
            "scope": 1,
            "quantity": "100",
            "unit": "L",
            "factor_id": DIESEL_UK,
            "wtt_factor_id": "diesel.wtt",
        },
        factors=[intensity("diesel.wtt", "0.6", unit="kgCO2e/L", basis="WTT", kind="fuel_wtt")],
    )
    assert t.scope1 == D("251.27900") and t.scope3 == {3: D("60.0")}


def test_biogenic_co2_is_reported_apart_and_never_in_a_scope() -> None:
    t = _one(
        {
            "id": "b",
            "activity": "fuel",
            "scope": 1,
            "quantity": "100",
            "unit": "L",
            "factor_id": "hvo",
        },
        factors=[
            intensity(
                "hvo",
                "0.036",
                unit="kgCO2e/L",
                basis="TTW",
                kind="fuel_combustion",
                biogenic_co2="2.43",
            )
        ],
    )
    assert t.scope1 == D("3.600") and t.biogenic_co2 == D("243.00")


def test_litres_against_a_per_tonne_factor_needs_a_density() -> None:
    line = {
        "id": "a",
        "activity": "fuel",
        "scope": 1,
        "quantity": "1000",
        "unit": "L",
        "factor_id": DIESEL_CN,
    }
    with pytest.raises(UnitMismatchError):
        _one(line)
    t = _one({**line, "density_kg_per_l": "0.84"})
    assert round(t.scope1, 6) == round(D("0.84") * D("3095.909637333333333333333333333333"), 6)


def test_an_unknown_factor_id_is_an_error() -> None:
    with pytest.raises(UnknownFactorError):
        _one(
            {
                "id": "a",
                "activity": "fuel",
                "scope": 1,
                "quantity": "1",
                "unit": "L",
                "factor_id": "no.such.factor",
            }
        )


def test_trip_emissions_are_allocated_to_shipments_by_tonne_km_and_sum_back() -> None:
    # ISO 14083 / GLEC: allocate a trip's emissions to shipments by tonne-km.
    # 0.120 t diesel (CN guideline) = 371.509156480 kgCO2; shipments 12 t x 250 km and
    # 8 t x 250 km -> 60% / 40%.
    t = _one(
        {
            "id": "trip",
            "activity": "trip",
            "scope": 1,
            "arrangement": "own",
            "quantity": "0.120",
            "unit": "t",
            "factor_id": DIESEL_CN,
            "shipments": [
                {"shipment_ref": "0x" + "01" * 32, "mass_t": "12", "distance_km": "250"},
                {"shipment_ref": "0x" + "02" * 32, "mass_t": "8", "distance_km": "250"},
            ],
        }
    )
    shares = t.lines[0].shipments
    # largest remainder: exact 222.905493888 and 148.603662592; the leftover quantum goes
    # to the larger remainder, so the parts sum to 371.509156 exactly.
    assert [s.ttw for s in shares] == [D("222.905494"), D("148.603662")]
    assert sum(s.ttw for s in shares) == round(t.lines[0].ttw, 6)


line_strategy = st.one_of(
    st.builds(
        lambda q: {
            "activity": "fuel",
            "scope": 1,
            "quantity": q,
            "unit": "t",
            "factor_id": DIESEL_CN,
        },
        st.decimals(0, 10**6, places=3).map(str),
    ),
    st.builds(
        lambda q: {
            "activity": "electricity",
            "scope": 2,
            "quantity": q,
            "unit": "kWh",
            "factor_id": GRID_EAST,
        },
        st.decimals(0, 10**7, places=2).map(str),
    ),
    st.builds(
        lambda m, d: {
            "activity": "transport",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "mode": "road",
            "mass_t": m,
            "distance_km": d,
            "distance_basis": "actual",
            "factor_id": "r",
        },
        st.decimals(0, 40, places=2).map(str),
        st.integers(1, 5000).map(str),
    ),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(line_strategy, min_size=1, max_size=25))
def test_totals_equal_the_sum_of_their_lines(lines: list[dict]) -> None:
    doc = footprint(
        [{"id": f"L{i}", **ln} for i, ln in enumerate(lines)],
        fill=False,
        factors=[intensity("r", "0.0825")],
    )
    t = compute(parse_claim(doc), _std())
    by_scope = {1: D(0), 2: D(0), 3: D(0)}
    with localcontext(CONTEXT):  # the standard's arithmetic: 34 digits, half-even
        for r in t.lines:
            by_scope[r.scope] += r.emissions
    assert t.scope1 == by_scope[1]
    assert t.scope2_location == by_scope[2]
    assert t.scope3_total == by_scope[3]
