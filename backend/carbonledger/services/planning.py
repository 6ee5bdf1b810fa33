"""Planning a joint abatement project for an overlap, from the partners' verified claims only.

The overlap view (:meth:`SettlementService.overlap`) already restricts to footprint claims that
passed the checker, are anchored and are active on chain, and to overlaps the caller is a party
of; the plan reads exactly those two documents from the service's vault copy and runs the pure
planner (:mod:`carbonledger.planner`). The plan document's keccak-256 is what a settlement
proposal records; any party re-running the plan on the same claims gets the same hash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from carbonledger.planner.catalogue import Catalogue
from carbonledger.planner.chart import macc_svg
from carbonledger.planner.errors import PlannerError
from carbonledger.planner.inventory import parties_from_claims
from carbonledger.planner.plan import Goal, Plan, build_plan, coalition_candidates, macc
from carbonledger.services.claims import ClaimService
from carbonledger.services.errors import InvalidRequest
from carbonledger.services.settlements import SettlementService


@dataclass(frozen=True)
class PlanResult:
    overlap_id: str
    plan: Plan
    document: dict[str, Any]
    plan_hash: str
    macc_svg: str
    #: the recommended split in the overlap's party order (what ``shares_bps`` takes)
    shares_bps: list[int] | None


@dataclass(eq=False, repr=False)
class PlanningService:
    claims: ClaimService
    settlements: SettlementService
    catalogue: Catalogue

    def plan_for_overlap(
        self,
        caller: str,
        overlap_id: str,
        goal: str,
        value: str,
        scope: str = "overlap",
        quotes: Sequence[Mapping[str, Any]] = (),
    ) -> PlanResult:
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise InvalidRequest(
                "the goal is not valid", [{"field": "value", "message": "a decimal number"}]
            ) from None
        view = self.settlements.overlap(overlap_id, caller)
        claims = [
            (p.firm.lower(), p.claim_id, self.claims.read_document(p.claim_id))
            for p in view.parties
        ]
        try:
            parties = parties_from_claims(claims, self.claims.standard)
            plan = build_plan(
                parties,
                Goal(goal, amount),
                self.catalogue,
                self.claims.standard,
                scope=scope,
                quotes=quotes,
            )
        except PlannerError as exc:
            text = str(exc)
            field = next((f for f in ("goal", "scope", "quotes") if text.startswith(f)), "plan")
            raise InvalidRequest("no plan", [{"field": field, "message": str(exc)}]) from None
        document = plan.document()
        every = frozenset(plan.labels)
        curve = macc(coalition_candidates(plan.candidates, every), plan.info)
        svg = macc_svg(
            curve,
            plan.joint.units,
            title=f"Joint MACC, overlap {view.overlap_id[:10]}…",
            currency=plan.currency,
        )
        bps = None
        if plan.bps is not None:
            bps = [plan.bps[p.firm.lower()] for p in view.parties]
        return PlanResult(
            overlap_id=view.overlap_id,
            plan=plan,
            document=document,
            plan_hash="0x" + plan.document_hash().hex(),
            macc_svg=svg,
            shares_bps=bps,
        )
