"""``/targets``: firms' signed reduction targets, recorded on chain (issue 14).

The firm signs an EIP-712 ``Target`` in the TargetRegistry domain (``GET /targets/nonce``
gives the domain and its next nonce); any member's session relays it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import published
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.services.ports import RecordedTarget

router = APIRouter(
    prefix="/targets",
    tags=["targets"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 409, 422, 503)},
)


class TargetRequest(BaseModel):
    target: dict[str, Any] = Field(
        description="The Target's JSON form (firm, base_claim_id, base_year, target_year, "
        "reduction_bps, kind, coverage, audited_only, document_hash, nonce, deadline)."
    )
    signature: str = Field(
        pattern=r"^0x[0-9a-fA-F]{130}$", description="EIP-712 signature (TargetRegistry domain)."
    )


class RecordedOut(BaseModel):
    target_id: str = Field(description="The Target's EIP-712 struct hash.")
    tx_hash: str
    block_number: int


@published(kind="near_term | net_zero")
class TargetOut(RecordedTarget):
    pass


class TargetNonceOut(BaseModel):
    firm: str
    nonce: int
    domain: dict[str, Any]


@router.post("", response_model=RecordedOut, status_code=201, summary="Record a signed target")
def record_target(body: TargetRequest, member: CurrentMember, services: ServicesDep) -> RecordedOut:
    target_id, anchored = services.targets.record(body.target, bytes.fromhex(body.signature[2:]))
    return RecordedOut(
        target_id=target_id, tx_hash=anchored.tx_hash, block_number=anchored.block_number
    )


@router.get("", response_model=list[TargetOut], summary="A firm's recorded targets")
def list_targets(
    member: CurrentMember,
    services: ServicesDep,
    firm: Annotated[str, Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="The firm.")],
) -> list[TargetOut]:
    return [TargetOut(**vars(t)) for t in services.targets.targets_of(firm)]


@router.get(
    "/nonce", response_model=TargetNonceOut, summary="A firm's next target nonce and domain"
)
def target_nonce(
    member: CurrentMember,
    services: ServicesDep,
    firm: Annotated[str, Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="The firm.")],
) -> TargetNonceOut:
    next_one = services.targets.signing(firm)
    return TargetNonceOut(
        firm=next_one.firm, nonce=next_one.nonce, domain=next_one.domain.as_dict()
    )
