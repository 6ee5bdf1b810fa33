"""``/plans``: a joint abatement plan for one of the caller's overlaps (issue 14).

Built from the two verified footprint claims of the overlap only; the answer carries the plan
document, its keccak-256 (to record with a settlement proposal) and the MACC as SVG.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import model_from
from carbonledger.auth.fastapi import CurrentMember

router = APIRouter(
    prefix="/plans",
    tags=["plans"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 404, 422, 503)},
)


class PlanRequest(BaseModel):
    overlap_id: str = Field(description="One of the caller's overlaps (GET /overlaps).")
    goal: Literal["pct", "tonnes", "budget"] = Field(
        description="pct: % of the joint baseline; tonnes: tCO2e per year; budget: currency "
        "per year (the most tCO2e for it)."
    )
    value: str = Field(description="The goal's figure, a decimal string.", max_length=40)
    scope: Literal["overlap", "inventory"] = Field(
        "overlap", description="Plan the overlapping emissions only, or both whole footprints."
    )
    quotes: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=50,
        description="Signed quotes {quote, signature} of the parties: a quote's figures "
        "override the catalogue's for the option its firm funds (see docs/planner.md).",
    )


class PlanOut(BaseModel):
    overlap_id: str
    plan_hash: str = Field(description="keccak-256 of the plan document's RFC 8785 bytes.")
    shares_bps: list[int] | None = Field(
        description="The recommended split in the overlap's party order (for shares_bps of "
        "POST /settlements), or null when it cannot be proposed (see notes)."
    )
    plan: dict[str, Any]
    macc_svg: str


@router.post("", response_model=PlanOut, summary="Plan a joint abatement project")
def make_plan(body: PlanRequest, member: CurrentMember, services: ServicesDep) -> PlanOut:
    result = services.planning.plan_for_overlap(
        member.account, body.overlap_id, body.goal, body.value, body.scope, body.quotes
    )
    return model_from(PlanOut, result, plan=result.document)
