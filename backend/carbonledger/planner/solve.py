"""The abatement problem and its solution by HiGHS (``scipy.optimize.milp``).

A :class:`Candidate` is one option applicable to one party's emission source: a cost per unit
(annualised), the tonnes a unit removes from the **joint** inventory (each tonne once), the
tonnes it removes from each party's own inventory (a carrier's electric truck removes its own
Scope 1 and, for the share of the trips that carry the shipper's goods, the shipper's Scope 3
category 4), an upper bound on units, whether units are whole (lumpy options), and the
*pool* of activity it draws on (options replacing the same diesel compete for it).

Two goals, both mixed-integer linear programs:

* :func:`least_cost` -- minimise cost subject to the abatement reaching a target (joint, and
  optionally per party);
* :func:`most_carbon` -- maximise abatement subject to a budget.

Costs are in the plan's currency per year, abatement in kgCO2e per year. Floats are used here
(the solver's arithmetic); the plan document rounds figures once when it is written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from carbonledger.planner.errors import InfeasiblePlanError, PlannerError

#: Figures closer than this (in kg or currency) are equal for the solver.
TOLERANCE = 1e-6

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Candidate:
    """One option applied by one party to one of its sources."""

    id: str
    owner: str
    cost: float
    """Annualised cost of one unit (currency per year; negative when it saves money)."""
    abatement: float
    """kgCO2e per year one unit removes from the joint inventory (counted once)."""
    counted: Mapping[str, float] = field(default_factory=dict)
    """kgCO2e per year one unit removes from each party's own inventory."""
    max_units: float = 1.0
    integer: bool = False
    pool: str | None = None
    pool_use: float = 0.0
    """Units of the pool's activity one unit of the option replaces."""
    emitter: str = ""
    """The party in whose inventory the tonnes are emitted (the owner when empty)."""

    @property
    def cost_per_tonne(self) -> float:
        return self.cost / (self.abatement / 1000) if self.abatement > 0 else float("inf")


@dataclass(frozen=True)
class Solution:
    """Units chosen per candidate and the figures that follow from them."""

    units: Mapping[str, float]
    cost: float
    abatement: float
    counted: Mapping[str, float]
    shadow_price: float | None
    """Cost of one more unit (kg) of target: the LP dual when continuous, else ``None``."""

    @property
    def cost_per_tonne(self) -> float:
        return self.cost / (self.abatement / 1000) if self.abatement > 0 else 0.0


def _check(candidates: Sequence[Candidate]) -> None:
    seen: set[str] = set()
    for c in candidates:
        if c.id in seen:
            raise PlannerError(f"candidate id {c.id!r} appears twice")
        seen.add(c.id)
        if c.max_units < 0 or c.abatement < 0:
            raise PlannerError(f"candidate {c.id!r}: max_units and abatement must be >= 0")


Row = tuple[Vector, float]


def _pool_rows(candidates: Sequence[Candidate], pools: Mapping[str, float]) -> list[Row]:
    """``sum(pool_use x units) <= capacity`` for each pool some candidate draws on."""
    rows: list[Row] = []
    for key, capacity in sorted(pools.items()):
        coefs = np.array([c.pool_use if c.pool == key else 0.0 for c in candidates])
        if coefs.any():
            rows.append((coefs, capacity))
    return rows


def _solution(candidates: Sequence[Candidate], x: Vector, marginal: float | None) -> Solution:
    units: dict[str, float] = {}
    counted: dict[str, float] = {}
    cost = abatement = 0.0
    for c, raw in zip(candidates, x, strict=True):
        u = float(round(raw)) if c.integer else float(raw)
        if abs(u) <= TOLERANCE:
            continue
        units[c.id] = u
        cost += u * c.cost
        abatement += u * c.abatement
        for party, kg in c.counted.items():
            counted[party] = counted.get(party, 0.0) + u * kg
    return Solution(units, cost, abatement, counted, marginal)


def _run(
    objective: Vector, candidates: Sequence[Candidate], ge: list[Row], le: list[Row]
) -> tuple[Vector, float | None] | None:
    """Solve ``min objective.x`` s.t. ``ge`` rows >= and ``le`` rows <= their bounds.

    Continuous problems go to ``linprog`` (HiGHS) so that the first ``ge`` row's dual -- the
    marginal cost of the target -- is known; others to ``milp`` (HiGHS branch and bound).
    """
    upper = np.array([k.max_units for k in candidates])
    integrality = np.array([1 if k.integer else 0 for k in candidates])
    if not integrality.any():
        a_ub = np.vstack([-r[0] for r in ge] + [r[0] for r in le]) if ge or le else None
        b_ub = np.array([-r[1] for r in ge] + [r[1] for r in le]) if ge or le else None
        res = linprog(
            objective,
            A_ub=a_ub,
            b_ub=b_ub,
            bounds=[(0.0, float(u)) for u in upper],
            method="highs",
        )
        if res.status != 0:
            return None
        dual = float(-res.ineqlin.marginals[0]) if ge else None
        return np.asarray(res.x), dual
    constraints = [LinearConstraint(r[0][np.newaxis, :], r[1], np.inf) for r in ge]
    constraints += [LinearConstraint(r[0][np.newaxis, :], -np.inf, r[1]) for r in le]
    res = milp(
        objective,
        constraints=constraints,
        bounds=Bounds(np.zeros(len(candidates)), upper),
        integrality=integrality,
    )
    if res.status != 0 or res.x is None:
        return None
    return np.asarray(res.x), None


def least_cost(
    candidates: Sequence[Candidate],
    target_kg: float,
    pools: Mapping[str, float] | None = None,
    party_targets: Mapping[str, float] | None = None,
) -> Solution:
    """The cheapest units that remove at least ``target_kg`` from the joint inventory.

    ``party_targets`` adds, per party, a floor on what is removed from its own inventory.
    Raises :class:`InfeasiblePlanError` (with the most that can be removed) when unreachable.
    """
    _check(candidates)
    if target_kg < 0:
        raise PlannerError(f"target must be >= 0 kgCO2e, got {target_kg}")
    if not candidates:
        if target_kg <= TOLERANCE:
            return Solution({}, 0.0, 0.0, {}, None)
        raise InfeasiblePlanError(f"no option applies; target {target_kg:,.0f} kgCO2e unreachable")
    ge: list[Row] = [(np.array([k.abatement for k in candidates]), target_kg)]
    for party, floor in sorted((party_targets or {}).items()):
        ge.append((np.array([k.counted.get(party, 0.0) for k in candidates]), floor))
    le = _pool_rows(candidates, pools or {})
    out = _run(np.array([k.cost for k in candidates]), candidates, ge, le)
    if out is None:
        reach = most_carbon(candidates, None, pools)
        raise InfeasiblePlanError(
            f"target {target_kg / 1000:,.3f} tCO2e is unreachable with these options: at most "
            f"{reach.abatement / 1000:,.3f} tCO2e per year"
            + (" (with the per-party floors)" if party_targets else "")
        )
    return _solution(candidates, out[0], out[1])


def most_carbon(
    candidates: Sequence[Candidate],
    budget: float | None,
    pools: Mapping[str, float] | None = None,
) -> Solution:
    """The units removing the most kgCO2e for an annual cost of at most ``budget``.

    ``budget=None`` means unbounded (the technical potential). Among equally good plans the
    solver's choice stands; a tiny cost term prefers the cheaper of them.
    """
    _check(candidates)
    if not candidates:
        return Solution({}, 0.0, 0.0, {}, None)
    le = _pool_rows(candidates, pools or {})
    if budget is not None:
        if budget < 0:
            raise PlannerError(f"budget must be >= 0, got {budget}")
        le.insert(0, (np.array([k.cost for k in candidates]), budget))
    scale = max(abs(k.cost) for k in candidates) or 1.0
    objective = np.array([-k.abatement + 1e-9 * k.cost / scale for k in candidates])
    out = _run(objective, candidates, [], le)
    if out is None:
        raise InfeasiblePlanError(f"no plan fits a budget of {budget}")
    return _solution(candidates, out[0], None)


def quadratic_steps(owner: str, a: float, step: float, upto: float) -> list[Candidate]:
    """A textbook abatement cost ``a q^2`` (marginal cost ``2 a q``) as MACC segments.

    Segment ``k`` covers ``[(k-1) step, k step]`` at cost ``a ((k step)^2 - ((k-1) step)^2)``;
    convexity makes the solver fill them in order, so at multiples of ``step`` the piecewise
    plan is exact. ``q`` is in the caller's unit (``abatement`` per segment is ``step``).
    """
    if step <= 0 or upto <= 0:
        raise PlannerError("step and upto must be positive")
    count = math.ceil(upto / step - 1e-9)
    return [
        Candidate(
            id=f"{owner}#{k}",
            owner=owner,
            cost=a * ((k * step) ** 2 - ((k - 1) * step) ** 2),
            abatement=step,
            counted={owner: step},
        )
        for k in range(1, count + 1)
    ]
