"""A plan's project as the terms of a settlement proposal (pure: no client, no chain).

The settlement's project description names the plan's hash (``plan 0x…``); the description is
hashed into the terms' ``projectHash`` on chain, so the proposal records the plan for good and
a party checks it by re-running the plan on the same claims (``carbonledger plan
--expect-hash``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from carbonledger.planner.errors import PlannerError

PLAN_TAG = "plan "
#: minor units per unit of currency (ISO 4217 exponent) for the settlement's total cost
MINOR_UNITS = {"CNY": 100, "EUR": 100, "USD": 100, "GBP": 100, "CHF": 100, "JPY": 1}


def proposal_terms(answer: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``propose_settlement`` for a ``POST /plans`` answer.

    The total cost is the plan's annualised cost for one year, in minor units; the expected
    reduction its joint tonnes per year (counted once); the shares its recommended split.
    """
    plan = answer["plan"]
    if answer.get("shares_bps") is None:
        raise PlannerError("the plan has no split that can be proposed (see its notes)")
    cur = plan["currency"]
    minor = MINOR_UNITS.get(cur)
    if minor is None:
        raise PlannerError(f"currency {cur}: its minor units are not known here")
    joint = plan["joint"]
    options = "; ".join(f"{o['units']} x {o['option']}" for o in joint["options"])
    description = (
        f"Joint abatement project from {PLAN_TAG}{answer['plan_hash']} "
        f"({plan['scope']} scope, goal {plan['goal']['kind']} {plan['goal']['value']}): "
        f"{options}. Annualised cost {joint['cost_per_year']} {cur} per year for "
        f"{joint['removed_tco2e']} tCO2e per year; split by {plan['recommended']['method']}."
    )
    return {
        "overlap_id": answer["overlap_id"],
        "description": description,
        "total_cost": int((Decimal(joint["cost_per_year"]) * minor).to_integral_value()),
        "currency": cur,
        "expected_reduction_kgco2e": int(Decimal(joint["removed_tco2e"]) * 1000),
        "shares_bps": list(answer["shares_bps"]),
    }


def plan_hash_of(description: str) -> str | None:
    """The plan hash a proposal's project description records, if any."""
    at = description.find(PLAN_TAG + "0x")
    if at < 0:
        return None
    start = at + len(PLAN_TAG)
    return description[start : start + 66]
