"""The plan on the demo's verified footprints: joint cheaper per tonne than alone, a split that
can be proposed, a reproducible hash, and goals that cannot be reached refused by name."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import pytest

from carbonledger.demo.data import build_scenario, members
from carbonledger.planner.catalogue import load_catalogue, parse_catalogue
from carbonledger.planner.chart import macc_svg
from carbonledger.planner.errors import CatalogueError, InfeasiblePlanError, PlannerError
from carbonledger.planner.inventory import Party, parties_from_claims
from carbonledger.planner.plan import Goal, Plan, build_plan, coalition_candidates, macc
from carbonledger.planner.proposal import plan_hash_of, proposal_terms
from carbonledger.planner.quotes import sign_quote
from carbonledger.standard import Standard, load_default_standard


@cache
def _standard() -> Standard:
    return load_default_standard()


@cache
def _parties() -> tuple[Party, ...]:
    sc = build_scenario(7, 600, _standard())
    docs = [(r, f"0x{i:064x}", sc.footprints[r]) for i, r in enumerate(("carrier", "shipper"))]
    return tuple(parties_from_claims(docs, _standard()))


def _plan(goal: Goal, scope: str = "overlap") -> Plan:
    return build_plan(list(_parties()), goal, load_catalogue(), _standard(), scope=scope)


def test_the_carrier_is_the_emitter_of_the_overlap_the_shipper_counts() -> None:
    carrier, shipper = _parties()
    own, theirs = carrier.shares["shipper"]
    assert own > 0 and theirs > 0
    assert shipper.shares == {}


def test_the_joint_plan_costs_less_per_tonne_than_either_party_alone() -> None:
    plan = _plan(Goal("pct", Decimal(20)))
    assert plan.joint.abatement >= plan.targets["*"] - 1e-6
    for label in plan.labels:
        alone = plan.alone[label]
        assert alone is not None
        assert plan.joint.cost_per_tonne < alone.cost_per_tonne


def test_every_split_sums_to_the_joint_cost_and_the_recommended_one_is_proposable() -> None:
    plan = _plan(Goal("pct", Decimal(20)))
    for split in plan.splits:
        assert sum(split.shares.values()) == pytest.approx(plan.joint.cost)
    assert plan.recommended.in_core
    assert plan.bps is not None and sum(plan.bps.values()) == 10_000


def test_the_plan_document_hashes_the_same_on_a_re_run() -> None:
    first = _plan(Goal("pct", Decimal(20))).document_hash()
    assert _plan(Goal("pct", Decimal(20))).document_hash() == first
    assert _plan(Goal("pct", Decimal(21))).document_hash() != first


def test_a_proposal_records_the_plan_hash_in_its_project() -> None:
    plan = _plan(Goal("pct", Decimal(20)))
    answer = {
        "overlap_id": "0x" + "00" * 32,
        "plan_hash": "0x" + plan.document_hash().hex(),
        "shares_bps": list(plan.bps.values()) if plan.bps else None,
        "plan": plan.document(),
    }
    terms = proposal_terms(answer)
    assert plan_hash_of(terms["description"]) == answer["plan_hash"]
    assert terms["total_cost"] == round(plan.joint.cost * 100)
    assert sum(terms["shares_bps"]) == 10_000


def test_a_budget_buys_the_most_tonnes_it_can() -> None:
    small = _plan(Goal("budget", Decimal(5_000)))
    large = _plan(Goal("budget", Decimal(50_000)))
    assert small.joint.cost <= 5_000 + 1e-6
    assert large.joint.abatement > small.joint.abatement


def test_an_unreachable_target_says_how_much_can_be_reached() -> None:
    with pytest.raises(InfeasiblePlanError, match=r"unreachable with these options: at most"):
        _plan(Goal("tonnes", Decimal(100_000)))


def test_a_bad_goal_or_scope_is_refused_by_name() -> None:
    with pytest.raises(PlannerError, match=r"goal\.pct"):
        Goal("pct", Decimal(150))
    with pytest.raises(PlannerError, match="scope"):
        _plan(Goal("pct", Decimal(10)), scope="everything")


def test_the_whole_inventory_scope_plans_every_source() -> None:
    plan = _plan(Goal("pct", Decimal(5)), scope="inventory")
    sources = {plan.info[c]["source"] for c in plan.joint.units}
    assert "grid_electricity" in sources


def test_the_macc_is_ordered_by_cost_per_tonne_and_drawn_as_svg() -> None:
    plan = _plan(Goal("pct", Decimal(20)))
    curve = macc(coalition_candidates(plan.candidates, frozenset(plan.labels)), plan.info)
    costs = [float(r["cost_per_tco2e"]) for r in curve]
    assert costs == sorted(costs)
    svg = macc_svg(curve, plan.joint.units, title="t", currency="CNY")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_a_catalogue_entry_without_a_lifetime_is_refused_with_its_path() -> None:
    with pytest.raises(CatalogueError, match=r"options\[0\]\.lifetime_years"):
        parse_catalogue(
            {
                "catalogue_id": "x",
                "currency": "CNY",
                "defaults": {"discount_rate": "0.08", "energy_prices": {}},
                "options": [{"id": "a", "source": "refrigerant", "capex_cny": "1"}],
            }
        )


def _zef_quote(firm: str, surcharge_free_capex: str = "0") -> dict[str, object]:
    return {
        "kind": "abatement_quote",
        "firm": firm,
        "option": "route_optimisation",
        "supplier": "某路线规划软件公司 (a routing software vendor)",
        "reference": "Q-2025-017",
        "fixed_opex_cny_per_year": "100",
        "capex_cny": surcharge_free_capex,
    }


def test_a_signed_quote_overrides_the_catalogue_for_its_firm_and_says_so() -> None:
    carrier = members(7)["carrier"].account
    signed = sign_quote(carrier, _zef_quote(carrier.address))
    plain = _plan(Goal("pct", Decimal(20)))
    quoted = build_plan(
        list(_parties()), Goal("pct", Decimal(20)), load_catalogue(), _standard(), quotes=[signed]
    )
    cid = next(c for c in quoted.info if c.startswith("carrier:route_optimisation"))
    assert quoted.info[cid]["quoted_by"] == carrier.address.lower()
    assert float(quoted.info[cid]["annualised_cost_per_unit"]) < float(
        plain.info[cid]["annualised_cost_per_unit"]
    )
    assert quoted.document()["quotes"] == [signed]
    assert quoted.document_hash() != plain.document_hash()


def test_a_quote_not_signed_by_its_firm_is_refused() -> None:
    people = members(7)
    signed = sign_quote(people["shipper"].account, _zef_quote(people["shipper"].address))
    signed["quote"] = {**signed["quote"], "firm": people["carrier"].address}  # type: ignore[dict-item]
    with pytest.raises(CatalogueError, match=r"quotes\[0\]: quote.signature: signed by"):
        build_plan(
            list(_parties()), Goal("pct", Decimal(20)), load_catalogue(), _standard(),
            quotes=[signed],
        )  # fmt: skip


def test_a_quote_of_a_firm_outside_the_plan_is_refused() -> None:
    outsider = members(7)["warehouse"].account
    signed = sign_quote(outsider, _zef_quote(outsider.address))
    with pytest.raises(PlannerError, match="is not a party of this plan"):
        build_plan(
            list(_parties()), Goal("pct", Decimal(20)), load_catalogue(), _standard(),
            quotes=[signed],
        )  # fmt: skip
