"""Cost-sharing methods beyond the golden cases: the core, sampling, basis points."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carbonledger.planner.errors import PlannerError, SharingError
from carbonledger.planner.finance import annualised_cost, capital_recovery_factor
from carbonledger.planner.sharing import (
    Game,
    nucleolus,
    recommend,
    sampled_shapley,
    shapley,
    stand_alone,
    to_bps,
)

# stand-alone 10 each; 1 with 2 or with 3 costs 10 together; 2 with 3 saves nothing
NOT_CONCAVE = {
    frozenset("1"): 10.0,
    frozenset("2"): 10.0,
    frozenset("3"): 10.0,
    frozenset("12"): 10.0,
    frozenset("13"): 10.0,
    frozenset("23"): 20.0,
    frozenset("123"): 20.0,
}


def _game() -> Game:
    return Game(["1", "2", "3"], lambda s: NOT_CONCAVE[s])


def test_a_shapley_value_outside_the_core_is_flagged_with_the_coalition_that_blocks_it() -> None:
    split = shapley(_game())
    assert split.shares == pytest.approx({"1": 10 - 20 / 3, "2": 10 - 5 / 3, "3": 10 - 5 / 3})
    assert not split.in_core
    assert split.blocking in {("1", "2"), ("1", "3")}


def test_the_nucleolus_is_recommended_when_the_shapley_value_is_not_in_the_core() -> None:
    game = _game()
    nuc = nucleolus(game)
    assert nuc.in_core
    assert nuc.shares == pytest.approx({"1": 0.0, "2": 10.0, "3": 10.0}, abs=1e-6)
    assert recommend([stand_alone(game), shapley(game), nuc]).method == "nucleolus"


def test_shapley_is_recommended_when_it_is_in_the_core() -> None:
    game = Game(["a", "b"], lambda s: {1: 6.0, 2: 9.0}[len(s)])
    assert recommend([shapley(game), nucleolus(game)]).method == "Shapley"


def test_sixteen_parties_get_a_sampled_shapley_value_with_its_error() -> None:
    players = [f"p{i:02d}" for i in range(16)]
    # a symmetric concave game: every party's Shapley share is c(N) / 16
    game = Game(players, lambda s: 10.0 * len(s) ** 0.5)
    split = shapley(game, samples=400)
    assert split.method == "Shapley (sampled)"
    assert sum(split.shares.values()) == pytest.approx(40.0)
    for p in players:
        assert split.error[p] > 0
        assert abs(split.shares[p] - 2.5) < 5 * split.error[p] + 1e-9


def test_sampled_and_exact_shapley_agree_within_the_reported_error() -> None:
    game = Game(
        ["a", "b", "c", "d"], lambda s: {0: 0, 1: 5, 2: 8, 3: 10, 4: 11}[len(s)] + ("a" in s)
    )
    exact = shapley(game)
    sampled = sampled_shapley(game, 3000, seed=7)
    for p in game.players:
        assert abs(exact.shares[p] - sampled.shares[p]) <= 5 * sampled.error[p] + 1e-9


def test_bps_sum_to_10000_with_at_least_one_each() -> None:
    bps = to_bps({"a": 1.0, "b": 1.0, "c": 1.0, "d": 1e-9}, ["a", "b", "c", "d"])
    assert sum(bps.values()) == 10_000
    assert bps["d"] == 1


def test_a_split_that_pays_a_party_cannot_become_bps() -> None:
    with pytest.raises(SharingError, match="shares of b are not positive"):
        to_bps({"a": 12.0, "b": -2.0}, ["a", "b"])


def test_the_nucleolus_is_refused_for_more_parties_than_it_can_enumerate() -> None:
    players = [str(i) for i in range(13)]
    with pytest.raises(SharingError, match="up to 12 parties"):
        nucleolus(Game(players, lambda s: float(len(s))))


def test_annualised_cost_recovers_capital_at_the_discount_rate() -> None:
    # 1,000 over 10 years at 8 %: CRF = 0.149029...
    assert capital_recovery_factor(Decimal("0.08"), 10) == pytest.approx(Decimal("0.1490294887"))
    assert annualised_cost(Decimal(1000), Decimal(-50), 10, Decimal(0)) == Decimal(50)


def test_a_lifetime_of_zero_years_is_refused_by_name() -> None:
    with pytest.raises(PlannerError, match="lifetime_years must be positive"):
        capital_recovery_factor(Decimal("0.05"), 0)


def test_a_method_needing_a_coalition_that_cannot_reach_its_share_is_refused() -> None:
    game = Game(["a", "b", "c"], lambda s: float("inf") if s == frozenset("bc") else len(s))
    with pytest.raises(SharingError, match="undefined"):
        shapley(game)
