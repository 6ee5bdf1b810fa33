"""``/overlaps``: the emissions a firm shares with its partners (matched by salted shipment
refs; a firm sees only its own overlaps, and never the refs themselves)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import model_from
from carbonledger.api.routes.claims import firm_address
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.services.settlements import OverlapView

router = APIRouter(
    prefix="/overlaps",
    tags=["overlaps"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 503)},
)


class OverlapPartyOut(BaseModel):
    firm: str
    claim_id: str
    kgco2e: str = Field(description="What this party counts for the shared shipments (0.001 kg).")
    counted_in: list[str] = Field(description="Where it counts them, e.g. scope1, scope3.cat4.")
    default_share_bps: int


class OverlapOut(BaseModel):
    overlap_id: str
    partner: str
    my_claim: str
    partner_claim: str
    shipments: int = Field(description="Number of shared shipments.")
    overlap_kgco2e: int = Field(description="Emissions both count (the smaller figure), kg.")
    shipment_root: str = Field(description="Merkle root of the shared salted shipment refs.")
    parties: list[OverlapPartyOut]


def overlap_out(view: OverlapView, caller: str) -> OverlapOut:
    mine, partner = view.party(caller), view.partner_of(caller)
    return model_from(
        OverlapOut,
        view,
        partner=partner.firm,
        my_claim=mine.claim_id,
        partner_claim=partner.claim_id,
        parties=[
            model_from(
                OverlapPartyOut,
                p,
                kgco2e=_kg(p.kgco2e),
                counted_in=list(p.counted_in),
                default_share_bps=share,
            )
            for p, share in zip(view.parties, view.default_shares_bps, strict=True)
        ],
    )


class PartnerOverlapsOut(BaseModel):
    partner: str
    overlaps: int = Field(description="Pairs of footprints in force that share shipments.")
    shipments: int = Field(description="Shared shipments, over those pairs.")
    overlap_kgco2e: int = Field(description="Emissions both count (each pair's smaller), kg.")
    my_kgco2e: str = Field(description="What the caller counts for them (0.001 kg).")
    partner_kgco2e: str = Field(description="What the partner counts for them (0.001 kg).")


def _kg(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.001")))


@router.get("", response_model=list[OverlapOut], responses={422: ERROR_RESPONSES[422]})
def list_overlaps(
    services: ServicesDep,
    member: CurrentMember,
    partner: Annotated[
        str | None, Query(description="Only the overlaps with this firm (an address).")
    ] = None,
) -> list[OverlapOut]:
    """The caller's overlaps: each pair of its active footprint claim and a partner's that
    share shipments, with the shipments' count, each side's kgCO2e and the default split
    (``partner``: with that firm only; ``/overlaps/partners`` sums them per partner)."""
    with_firm = None if partner is None else firm_address(partner, "partner")
    views = services.settlements.overlaps_of(member.account, with_firm)
    return [overlap_out(v, member.account) for v in views]


@router.get("/partners", response_model=list[PartnerOverlapsOut])
def list_partners(services: ServicesDep, member: CurrentMember) -> list[PartnerOverlapsOut]:
    """The caller's overlaps summed per partner, the largest overlap first: how many pairs of
    footprints, shipments and kgCO2e it shares with each (a carrier filing per shipment has
    one overlap per shipment's footprint; this is the page a partner view starts from)."""
    return [
        model_from(
            PartnerOverlapsOut,
            p,
            my_kgco2e=_kg(p.my_kgco2e),
            partner_kgco2e=_kg(p.partner_kgco2e),
        )
        for p in services.settlements.partners_of(member.account)
    ]


@router.get("/{overlap_id}", response_model=OverlapOut, responses={404: ERROR_RESPONSES[404]})
def get_overlap(overlap_id: str, services: ServicesDep, member: CurrentMember) -> OverlapOut:
    """One of the caller's overlaps (404 for anyone not a party to it)."""
    return overlap_out(services.settlements.overlap(overlap_id, member.account), member.account)
