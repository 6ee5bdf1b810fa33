"""Annualised cost of an abatement option (equivalent annual cost).

``annual = capex x CRF(r, n) + opex`` with the capital recovery factor
``CRF = r (1 + r)^n / ((1 + r)^n - 1)`` (``1 / n`` when ``r = 0``); ``opex`` is the change in
yearly operating cost the option brings (negative when it saves fuel or power). Cost per tonne
is the annual cost over the tonnes it removes in a year -- the ordinate of a MACC.
"""

from __future__ import annotations

from decimal import Decimal

from carbonledger.planner.errors import PlannerError


def capital_recovery_factor(rate: Decimal, years: int) -> Decimal:
    """CRF(r, n): the share of a capital sum repaid each year over ``years`` at ``rate``."""
    if years <= 0:
        raise PlannerError(f"lifetime_years must be positive, got {years}")
    if rate < 0:
        raise PlannerError(f"discount_rate must not be negative, got {rate}")
    if rate == 0:
        return Decimal(1) / Decimal(years)
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def annualised_cost(capex: Decimal, opex: Decimal, years: int, rate: Decimal) -> Decimal:
    """Equivalent annual cost of one unit: capital recovered over its lifetime plus opex."""
    return capex * capital_recovery_factor(rate, years) + opex
