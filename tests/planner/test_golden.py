"""Textbook cases the planner must reproduce, one per test."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from carbonledger.planner.sharing import (
    Game,
    equal_savings,
    nucleolus,
    shapley,
    stand_alone,
)
from carbonledger.planner.solve import Candidate, least_cost, quadratic_steps

# Two firms, TAC1 = 1000 + 2.5 A1^2, TAC2 = 500 + 1.5 A2^2 (A in %, cost in $000), 16 % cut each.
FIXED = {"1": 1000.0, "2": 500.0}
SLOPE = {"1": 2.5, "2": 1.5}


def _two_firm_steps(players: Iterable[str] = ("1", "2")) -> list[Candidate]:
    return [c for p in sorted(players) for c in quadratic_steps(p, SLOPE[p], 1.0, 40)]


def _abatement_only_game() -> Game:
    return Game(["1", "2"], lambda s: least_cost(_two_firm_steps(s), 16.0 * len(s)).cost)


def test_two_firms_least_cost_abatement_is_12_and_20() -> None:
    plan = least_cost(_two_firm_steps(), 32.0)
    assert plan.counted == pytest.approx({"1": 12.0, "2": 20.0})


def test_two_firms_least_total_cost_is_2460() -> None:
    plan = least_cost(_two_firm_steps(), 32.0)
    assert sum(FIXED.values()) + plan.cost == pytest.approx(2460.0)


def test_two_firms_uniform_standard_costs_2524() -> None:
    alone = sum(least_cost(_two_firm_steps({p}), 16.0).cost for p in ("1", "2"))
    assert sum(FIXED.values()) + alone == pytest.approx(2524.0)


def test_two_firms_least_cost_equalises_marginal_cost_at_60() -> None:
    plan = least_cost(_two_firm_steps(), 32.0)
    marginal = {p: 2 * SLOPE[p] * plan.counted[p] for p in ("1", "2")}
    assert marginal == pytest.approx({"1": 60.0, "2": 60.0})


def test_two_firms_shapley_is_608_and_352() -> None:
    split = shapley(_abatement_only_game())
    assert split.shares == pytest.approx({"1": 608.0, "2": 352.0})
    assert split.in_core


def test_two_firms_nucleolus_is_608_and_352() -> None:
    split = nucleolus(_abatement_only_game())
    assert split.shares == pytest.approx({"1": 608.0, "2": 352.0})
    assert split.in_core


def test_two_firms_equal_savings_is_608_and_352() -> None:
    assert equal_savings(_abatement_only_game()).shares == pytest.approx({"1": 608.0, "2": 352.0})


def test_two_firms_proportional_to_stand_alone_is_600_and_360() -> None:
    assert stand_alone(_abatement_only_game()).shares == pytest.approx({"1": 600.0, "2": 360.0})


def test_three_firms_with_mac_2q_q_12q_cut_35_units_at_equal_marginal_cost_22_105() -> None:
    # MAC = 2q, q, 12q  <=>  abatement cost q^2, q^2 / 2, 6 q^2
    steps = [
        *quadratic_steps("1", 1.0, 0.005, 25),
        *quadratic_steps("2", 0.5, 0.005, 25),
        *quadratic_steps("3", 6.0, 0.005, 25),
    ]
    plan = least_cost(steps, 35.0)
    assert plan.counted["1"] == pytest.approx(11.05, abs=0.006)
    assert plan.counted["2"] == pytest.approx(22.11, abs=0.006)
    assert plan.counted["3"] == pytest.approx(1.84, abs=0.006)
    assert plan.shadow_price == pytest.approx(22.105, abs=0.01)
