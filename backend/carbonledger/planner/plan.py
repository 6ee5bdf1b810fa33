"""A joint abatement plan: MACCs, the joint solve, stand-alone solves, the cost game, the splits.

Coalition ``S`` (any subset of the parties) may use the options its members fund; what it
removes is counted **once** in its joint inventory -- a tonne the carrier removes from trips
carrying the shipper's goods is counted in the carrier's inventory, or in the shipper's when
the carrier is not in ``S``. ``S``'s joint baseline is the sum of its members' verified
footprints (scope 1 + scope 2 market-based + scope 3) less what a member counts of another
member's emissions. The goal:

* ``pct``: remove ``value`` % of the joint baseline (stand-alone: of the party's own);
* ``tonnes``: remove ``value`` tCO2e (a coalition's share in proportion to its baseline);
* ``budget``: remove the most for at most ``value`` per year; the game then asks each
  coalition for its baseline's share of what the plan removes.

The cost game ``c(S)`` is ``S``'s least cost to reach its share; the splits divide the joint
plan's cost ``c(N)``. A coalition that cannot reach its share alone makes the game undefined
there; the plan then offers the proportional split only, and says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from carbonledger.planner.catalogue import Catalogue, Option
from carbonledger.planner.errors import InfeasiblePlanError, PlannerError, SharingError
from carbonledger.planner.inventory import Party, candidates_for, overlap_only
from carbonledger.planner.quotes import overrides_from
from carbonledger.planner.sharing import (
    Game,
    Split,
    equal_savings,
    nucleolus,
    proportional,
    recommend,
    shapley,
    stand_alone,
    to_bps,
)
from carbonledger.planner.solve import Candidate, Solution, least_cost, most_carbon
from carbonledger.standard import Standard, canonical_bytes, keccak256

GOALS = ("pct", "tonnes", "budget")
SCOPES = ("overlap", "inventory")
PLAN_SCHEMA = "carbonledger-plan/1"


@dataclass(frozen=True)
class Goal:
    kind: str
    value: Decimal

    def __post_init__(self) -> None:
        if self.kind not in GOALS:
            raise PlannerError(f"goal: one of {', '.join(GOALS)}, got {self.kind!r}")
        if self.value <= 0 or (self.kind == "pct" and self.value > 100):
            raise PlannerError(f"goal.{self.kind}: out of range ({self.value})")


def coalition_candidates(cands: Sequence[Candidate], members: frozenset[str]) -> list[Candidate]:
    """The candidates ``members`` fund, with abatement counted once in their joint inventory."""
    out = []
    for c in cands:
        if c.owner not in members:
            continue
        emitter = c.emitter or c.owner
        if emitter in members:
            seen = c.counted.get(emitter, c.abatement)
        else:
            seen = max((c.counted.get(m, 0.0) for m in members), default=0.0)
        if seen > 0:
            out.append(replace(c, abatement=seen))
    return out


def joint_baseline(parties: Sequence[Party], members: frozenset[str]) -> float:
    total = 0.0
    for p in parties:
        if p.label not in members:
            continue
        total += float(p.baseline_kg)
        for partner, (_own, partner_kg) in p.shares.items():
            if partner in members:
                total -= float(partner_kg)  # the partner's count of our tonnes, counted once
    return total


def macc(cands: Sequence[Candidate], info: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Options ordered by cost per tonne with their potential (the curve's bars)."""
    rows = []
    for c in sorted(cands, key=lambda k: (k.cost_per_tonne, k.id)):
        potential = c.abatement * c.max_units / 1000
        rows.append(
            {
                "candidate": c.id,
                "option": info[c.id]["option"],
                "funded_by": c.owner,
                "cost_per_tco2e": f"{c.cost_per_tonne:.2f}",
                "potential_tco2e": f"{potential:.3f}",
            }
        )
    return rows


@dataclass
class Plan:
    parties: tuple[Party, ...]
    goal: Goal
    scope: str
    currency: str
    catalogue_id: str
    catalogue_hash: bytes
    standard_version: str
    candidates: list[Candidate]
    info: dict[str, dict[str, Any]]
    pools: dict[str, float]
    joint: Solution
    targets: dict[str, float]
    """Each coalition's target in kg: the grand coalition's under ``"*"``, parties by label."""
    alone: dict[str, Solution | None]
    splits: list[Split]
    recommended: Split
    bps: dict[str, int] | None
    notes: list[str]
    quotes: tuple[Mapping[str, Any], ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.parties)

    def document(self) -> dict[str, Any]:
        """The plan as a JSON document (numbers as decimal strings or integers)."""

        def money(x: float) -> str:
            return f"{x:.2f}"

        def tonnes(kg: float) -> str:
            return f"{kg / 1000:.3f}"

        rows = []
        for cid, units in sorted(self.joint.units.items()):
            c = next(k for k in self.candidates if k.id == cid)
            seen = coalition_candidates([c], frozenset(self.labels))[0]
            rows.append(
                {
                    **self.info[cid],
                    "units": f"{units:g}",
                    "cost_per_year": money(units * c.cost),
                    "removed_tco2e": tonnes(units * seen.abatement),
                    "removed_by_inventory_tco2e": {
                        p: tonnes(units * kg) for p, kg in sorted(c.counted.items())
                    },
                    "cost_per_tco2e": money(c.cost_per_tonne),
                }
            )
        every = frozenset(self.labels)
        return {
            "schema": PLAN_SCHEMA,
            "standard_version": self.standard_version,
            "catalogue": {"id": self.catalogue_id, "hash": "0x" + self.catalogue_hash.hex()},
            "currency": self.currency,
            "goal": {"kind": self.goal.kind, "value": str(self.goal.value)},
            "scope": self.scope,
            "parties": [
                {
                    "label": p.label,
                    "firm": p.firm,
                    "claim_id": p.claim_id,
                    "baseline_tco2e": tonnes(float(p.baseline_kg)),
                    "target_tco2e": tonnes(self.targets[p.label]),
                    "stand_alone": _solution_doc(self.alone[p.label], self.targets[p.label]),
                }
                for p in self.parties
            ],
            "joint": {
                "baseline_tco2e": tonnes(joint_baseline(self.parties, every)),
                "target_tco2e": tonnes(self.targets["*"]),
                **_solution_doc(self.joint, self.targets["*"]),
                "options": rows,
            },
            "macc": {
                "joint": macc(coalition_candidates(self.candidates, every), self.info),
                **{
                    label: macc(
                        coalition_candidates(self.candidates, frozenset([label])), self.info
                    )
                    for label in self.labels
                },
            },
            "splits": [
                {
                    "method": s.method,
                    "shares": {p: money(v) for p, v in s.shares.items()},
                    "in_core": s.in_core,
                    "blocking_coalition": list(s.blocking),
                    **(
                        {"standard_error": {p: money(v) for p, v in s.error.items()}}
                        if s.error
                        else {}
                    ),
                    **({"note": s.note} if s.note else {}),
                }
                for s in self.splits
            ],
            "recommended": {"method": self.recommended.method, "bps": self.bps},
            "quotes": [dict(q) for q in self.quotes],
            "notes": self.notes,
        }

    def document_bytes(self) -> bytes:
        return canonical_bytes(self.document())

    def document_hash(self) -> bytes:
        """keccak-256 of the plan's RFC 8785 bytes (what a proposal records; re-checkable)."""
        return keccak256(self.document_bytes())


def _solution_doc(s: Solution | None, target: float) -> dict[str, Any]:
    if s is None:
        return {"reachable": False}
    return {
        "reachable": True,
        "cost_per_year": f"{s.cost:.2f}",
        "removed_tco2e": f"{s.abatement / 1000:.3f}",
        "cost_per_tco2e": f"{s.cost_per_tonne:.2f}",
        "meets_target": s.abatement >= target - 1e-6,
    }


def build_plan(
    parties: Sequence[Party],
    goal: Goal,
    catalogue: Catalogue,
    standard: Standard,
    *,
    scope: str = "overlap",
    quotes: Sequence[Mapping[str, Any]] = (),
    shapley_samples: int = 2000,
) -> Plan:
    """Solve the joint plan, each party's stand-alone plan, and split the joint cost.

    ``scope="overlap"`` plans the partners' overlapping emissions only (what a settlement is
    about); ``"inventory"`` their whole verified footprints. ``quotes`` are parties' signed
    quotes (:mod:`carbonledger.planner.quotes`); each overrides the catalogue's figures of one
    option for the options its firm funds.
    """
    if scope not in SCOPES:
        raise PlannerError(f"scope: one of {', '.join(SCOPES)}, got {scope!r}")
    if scope == "overlap":
        parties = overlap_only(parties)
        if all(not p.sources for p in parties):
            raise PlannerError("scope overlap: these parties share no road-freight emissions")
    labels = [p.label for p in parties]
    if len(set(labels)) != len(labels) or not labels:
        raise PlannerError("parties: one or more, with distinct labels")
    by_firm = {p.firm.lower(): p.label for p in parties}
    overrides: dict[str, dict[str, Option]] = {}
    for firm, options in overrides_from(quotes, catalogue).items():
        if firm not in by_firm:
            raise PlannerError(f"quotes: {firm} is not a party of this plan")
        overrides[by_firm[firm]] = options
    cands, pools, info = candidates_for(parties, catalogue, standard, overrides)
    every = frozenset(labels)
    base = {frozenset([p]): joint_baseline(parties, frozenset([p])) for p in labels}
    grand_base = joint_baseline(parties, every)
    notes: list[str] = []

    if goal.kind == "budget":
        joint = most_carbon(coalition_candidates(cands, every), float(goal.value), pools)
        grand_target = joint.abatement
    else:
        grand_target = (
            grand_base * float(goal.value) / 100 if goal.kind == "pct" else float(goal.value) * 1000
        )
        joint = least_cost(coalition_candidates(cands, every), grand_target, pools)

    def target_of(members: frozenset[str]) -> float:
        if members == every:
            return grand_target
        if goal.kind == "pct":
            return joint_baseline(parties, members) * float(goal.value) / 100
        return grand_target * joint_baseline(parties, members) / grand_base

    unreachable: list[str] = []

    def cost(members: frozenset[str]) -> float:
        if members == every:
            return joint.cost
        try:
            return least_cost(coalition_candidates(cands, members), target_of(members), pools).cost
        except InfeasiblePlanError:
            unreachable.append("+".join(sorted(members)))
            return float("inf")

    game = Game(labels, cost)
    alone: dict[str, Solution | None] = {}
    for p in labels:
        try:
            alone[p] = least_cost(
                coalition_candidates(cands, frozenset([p])), target_of(frozenset([p])), pools
            )
        except InfeasiblePlanError:
            alone[p] = None
    counted = {p: max(joint.counted.get(p, 0.0), 0.0) for p in labels}
    if sum(counted.values()) <= 0:
        counted = {p: base[frozenset([p])] for p in labels}
    splits = [proportional(game, counted, "proportional to counted reduction")]
    if all(alone[p] is not None for p in labels):
        for method in (stand_alone, equal_savings, shapley, nucleolus):
            try:
                splits.append(
                    shapley(game, samples=shapley_samples) if method is shapley else method(game)
                )
            except SharingError as exc:
                notes.append(str(exc))
        if unreachable:
            notes.append(f"coalitions that cannot reach their share: {', '.join(unreachable)}")
    else:
        missing = [p for p in labels if alone[p] is None]
        notes.append(
            f"{', '.join(missing)} cannot reach its own share alone with its own options; "
            "stand-alone costs are undefined, so only the proportional split is offered"
        )
    chosen = recommend(splits)
    if not chosen.in_core and chosen.method == splits[0].method and len(splits) > 1:
        notes.append("no method offered lies in the core")
    shap = next((s for s in splits if s.method.startswith("Shapley")), None)
    if shap is not None and not shap.in_core:
        notes.append(
            f"the Shapley value lies outside the core (the coalition {'+'.join(shap.blocking)} "
            "would pay less alone); a core allocation is recommended"
        )
    if shap is not None and chosen is not shap and shap.in_core:
        paid = [p for p, v in shap.shares.items() if v <= 0]
        if paid:
            notes.append(
                f"the Shapley value and the nucleolus pay {', '.join(paid)} (its stand-alone "
                f"cost is low next to its partners'); a settlement takes a positive share from "
                f"each party, so the {chosen.method} split, also in the core, is recommended"
            )
    bps: dict[str, int] | None
    try:
        bps = to_bps(chosen.shares, labels) if joint.cost > 0 else None
    except SharingError as exc:
        bps = None
        notes.append(str(exc))
    if joint.cost <= 0:
        notes.append("the joint plan saves money overall: there is no cost to split")
    targets = {"*": grand_target, **{p: target_of(frozenset([p])) for p in labels}}
    return Plan(
        parties=tuple(parties),
        goal=goal,
        scope=scope,
        currency=catalogue.currency,
        catalogue_id=catalogue.catalogue_id,
        catalogue_hash=catalogue.content_hash,
        standard_version=standard.version_id,
        candidates=cands,
        info=info,
        pools=pools,
        joint=joint,
        targets=targets,
        alone=alone,
        splits=splits,
        recommended=chosen,
        bps=bps,
        notes=notes,
        quotes=tuple(quotes),
    )
