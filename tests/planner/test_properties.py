"""Random small instances: the solver against brute-force enumeration; splits add up."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.planner.errors import InfeasiblePlanError
from carbonledger.planner.sharing import (
    Game,
    equal_savings,
    nucleolus,
    proportional,
    shapley,
    stand_alone,
    to_bps,
)
from carbonledger.planner.solve import Candidate, least_cost, most_carbon

PARTIES = ("a", "b", "c")


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Candidate], dict[str, float]]:
    n = draw(st.integers(1, 5))
    out = []
    for i in range(n):
        owner = draw(st.sampled_from(PARTIES))
        out.append(
            Candidate(
                id=f"o{i}",
                owner=owner,
                cost=draw(st.integers(-50, 400)) * 1.0,
                abatement=draw(st.integers(1, 90)) * 1.0,
                counted={owner: 1.0},
                max_units=draw(st.integers(0, 3)),
                integer=True,
                pool=draw(st.sampled_from([None, "diesel"])),
                pool_use=draw(st.integers(1, 3)) * 1.0,
            )
        )
    pools = {"diesel": draw(st.integers(0, 6)) * 1.0}
    return out, pools


def _feasible(units: tuple[int, ...], cands: list[Candidate], pools: dict[str, float]) -> bool:
    used = sum(u * c.pool_use for u, c in zip(units, cands, strict=True) if c.pool == "diesel")
    return used <= pools["diesel"] + 1e-9


def _enumerate(cands: list[Candidate], pools: dict[str, float]) -> list[tuple[int, ...]]:
    ranges = [range(int(c.max_units) + 1) for c in cands]
    return [u for u in itertools.product(*ranges) if _feasible(u, cands, pools)]


@settings(max_examples=150, deadline=None)
@given(instances(), st.integers(0, 300))
def test_least_cost_is_no_worse_than_brute_force(
    instance: tuple[list[Candidate], dict[str, float]], target: int
) -> None:
    cands, pools = instance
    options = [
        (sum(u * c.cost for u, c in zip(units, cands, strict=True)), units)
        for units in _enumerate(cands, pools)
        if sum(u * c.abatement for u, c in zip(units, cands, strict=True)) >= target
    ]
    if not options:
        with pytest.raises(InfeasiblePlanError):
            least_cost(cands, float(target), pools)
        return
    plan = least_cost(cands, float(target), pools)
    assert plan.abatement >= target - 1e-6
    assert plan.cost <= min(o[0] for o in options) + 1e-6


@settings(max_examples=150, deadline=None)
@given(instances(), st.integers(0, 800))
def test_most_carbon_is_no_worse_than_brute_force(
    instance: tuple[list[Candidate], dict[str, float]], budget: int
) -> None:
    cands, pools = instance
    best = max(
        (
            sum(u * c.abatement for u, c in zip(units, cands, strict=True))
            for units in _enumerate(cands, pools)
            if sum(u * c.cost for u, c in zip(units, cands, strict=True)) <= budget
        ),
        default=0.0,
    )
    plan = most_carbon(cands, float(budget), pools)
    assert plan.cost <= budget + 1e-6
    assert plan.abatement >= best - 1e-6


@st.composite
def games(draw: st.DrawFn) -> Game:
    n = draw(st.integers(1, 4))
    players = [f"p{i}" for i in range(n)]
    # each party: a few options; coalitions pool their options and their targets
    menu = {
        p: [
            Candidate(
                id=f"{p}-{k}",
                owner=p,
                cost=draw(st.integers(10, 300)) * 1.0,
                abatement=draw(st.integers(5, 60)) * 1.0,
                counted={p: 1.0},
                max_units=3,
                integer=draw(st.booleans()),
            )
            for k in range(draw(st.integers(1, 3)))
        ]
        for p in players
    }
    # a target each party can reach alone
    targets = {
        p: float(draw(st.integers(1, int(min(c.abatement for c in menu[p])) * 3))) for p in players
    }

    def cost(s: frozenset[str]) -> float:
        cands = [c for p in sorted(s) for c in menu[p]]
        return least_cost(cands, sum(targets[p] for p in s)).cost

    return Game(players, cost)


@settings(max_examples=60, deadline=None)
@given(games())
def test_every_split_sums_to_the_cost_and_its_bps_to_10000(game: Game) -> None:
    weights = {p: 1.0 + i for i, p in enumerate(game.players)}
    for split in (
        proportional(game, weights),
        stand_alone(game),
        equal_savings(game),
        shapley(game),
        nucleolus(game),
    ):
        assert sum(split.shares.values()) == pytest.approx(game.grand, rel=1e-9, abs=1e-6)
        if all(v > 0 for v in split.shares.values()):
            bps = to_bps(split.shares, game.players)
            assert sum(bps.values()) == 10_000
            assert all(v >= 1 for v in bps.values())
