"""The pure sums behind GET /claims/periods: one entry per distinct period, exact decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carbonledger.reports.periods import totals_by_period

YEAR_2024 = (1_704_067_200, 1_735_689_600)
YEAR_2023 = (1_672_531_200, 1_704_067_200)
FIRST_HALF_2024 = (1_704_067_200, 1_719_792_000)


def _totals(s1: str, s2m: str, s3: dict[str, str] | None = None) -> dict[str, object]:
    return {
        "scope1": s1,
        "scope2_location": "0",
        "scope2_market": s2m,
        "scope3": {c: {"name": f"category {c}", "kgco2e": kg} for c, kg in (s3 or {}).items()},
    }


def test_footprints_of_one_period_are_summed_exactly_and_each_period_stays_apart() -> None:
    periods = totals_by_period(
        [
            (*YEAR_2024, _totals("0.1", "1.005", {"4": "2.5"})),
            (*YEAR_2023, _totals("7", "0")),
            (*YEAR_2024, _totals("0.2", "0.995", {"4": "0.25", "9": "1"})),
        ]
    )
    assert [(p.period_start, p.period_end, p.claims) for p in periods] == [
        (*YEAR_2023, 1),
        (*YEAR_2024, 2),
    ]
    year = periods[1].as_json()
    assert (year["scope1"], year["scope2_market"], year["scope2_location"]) == ("0.3", "2.000", "0")
    assert year["scope3"] == {
        "4": {"name": "category 4", "kgco2e": "2.75"},
        "9": {"name": "category 9", "kgco2e": "1"},
    }
    assert Decimal(year["scope3_total"]) == Decimal("3.75")


def test_a_period_that_overlaps_another_without_being_equal_is_its_own_entry() -> None:
    periods = totals_by_period(
        [(*FIRST_HALF_2024, _totals("1", "0")), (*YEAR_2024, _totals("2", "0"))]
    )
    # same start: the longer period first, then the shorter one
    assert [(p.period_end, p.as_json()["scope1"]) for p in periods] == [
        (YEAR_2024[1], "2"),
        (FIRST_HALF_2024[1], "1"),
    ]


def test_no_footprint_gives_no_period() -> None:
    assert totals_by_period([]) == []


def test_a_figure_that_is_not_a_decimal_string_is_named() -> None:
    with pytest.raises(ValueError, match=r"scope3\.4: .*floating-point"):
        totals_by_period([(*YEAR_2024, {"scope1": "1", "scope3": {"4": {"kgco2e": 1.5}}})])
