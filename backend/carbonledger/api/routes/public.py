"""``/public``: what the chain holds about a claim, for anyone (no login).

A customer holding a firm's report or a parcel label checks a footprint without an account
and without trusting the firm: the figures come from the ledger's on-chain events and state
(the indexed ``ClaimSubmitted`` event, the claim's status, check and audit on ``ClaimLedger``),
never from the firm's document; the reader compares the document's hash itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import model_from
from carbonledger.api.routes.claims import parse_hex

router = APIRouter(prefix="/public", tags=["public"], responses={503: ERROR_RESPONSES[503]})


class PublicEvent(BaseModel):
    event: str
    block_number: int
    tx_hash: str


class PublicClaim(BaseModel):
    claim_id: str
    firm: str
    firm_name: str | None = Field(description="The name the MemberRegistry records.")
    kind: str = Field(description="footprint | reduction")
    period_start: int = Field(description="Unix seconds, inclusive.")
    period_end: int = Field(description="Unix seconds, exclusive.")
    standard_version: int = Field(description="StandardRegistry version number.")
    document_hash: str = Field(description="keccak-256 of the document's RFC 8785 bytes.")
    activity_root: str
    totals_kgco2e: dict[str, int] = Field(
        description="scope1, scope2_location, scope2_market, scope3, biogenic (kg)."
    )
    status: str = Field(description="active | superseded | revoked")
    check: str = Field(description="none | passed | failed")
    audit: str = Field(description="none | approved | rejected")
    chain_id: int
    claim_ledger: str
    tx_hash: str
    block_number: int
    events: list[PublicEvent]


@router.get("/claims/{claim_id}", response_model=PublicClaim, responses={404: ERROR_RESPONSES[404]})
def public_claim(claim_id: str, services: ServicesDep) -> PublicClaim:
    """A claim as the chain records it: firm, period, totals, standard version, check and
    audit outcomes and the transactions -- no login needed."""
    view = services.queries.public_claim(parse_hex(claim_id, "claim_id", 32))
    details, submitted = view.details, view.submitted
    return model_from(
        PublicClaim,
        view,
        details,  # the event's standard version, before the state's
        view.state,
        submitted,
        kind=details.kind.name.lower(),
        document_hash=str(submitted.args["documentHash"]),
        activity_root=str(submitted.args["activityRoot"]),
        totals_kgco2e={
            "scope1": details.scope1,
            "scope2_location": details.scope2_location,
            "scope2_market": details.scope2_market,
            "scope3": details.scope3,
            "biogenic": details.biogenic,
        },
        events=[
            PublicEvent(event=e.event, block_number=e.block_number, tx_hash=e.tx_hash)
            for e in view.events
        ],
    )


class FootprintIn(BaseModel):
    footprint: dict[str, Any] = Field(
        description="A PACT ProductFootprint as received from any PACT host (its `data`)."
    )


class FootprintFinding(BaseModel):
    check: str
    ok: bool | None = Field(description="true holds, false fails, null could not be checked")
    detail: str


class FootprintVerification(BaseModel):
    ok: bool
    pf_id: str
    findings: list[FootprintFinding]


@router.post(
    "/footprints/verify",
    response_model=FootprintVerification,
    responses={422: ERROR_RESPONSES[422]},
)
def verify_footprint(body: FootprintIn, services: ServicesDep) -> FootprintVerification:
    """Check a PACT footprint received from any PACT host against this ledger's chain, with
    no login: the anchor claim it names exists, was signed by the firm, holds the hash of
    exactly these figures, passed its check and is neither superseded nor revoked."""
    report = services.audits.verify_footprint(body.footprint)
    return FootprintVerification(
        ok=report.ok,
        pf_id=report.pf_id,
        findings=[FootprintFinding(check=c, ok=ok, detail=d) for c, ok, d in report.findings],
    )
