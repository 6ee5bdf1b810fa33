"""``POST /claims/{claim_id}/revocation``: relay a firm's signed revocation of its claim."""

from __future__ import annotations

from eth_utils.crypto import keccak
from fastapi import APIRouter
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.routes.claims import parse_hex
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.chain.typed_data import Revocation
from carbonledger.services.revocations import RevocationService

router = APIRouter(
    prefix="/claims",
    tags=["claims"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 404, 409, 422, 503)},
)


class RevocationIn(BaseModel):
    reason: str = Field(max_length=2000, description="Why; its keccak-256 goes on chain.")
    nonce: int = Field(ge=0, description="The firm's next ClaimLedger nonce.")
    deadline: int = Field(ge=0)
    signature: str = Field(description="EIP-712 Revocation signature (ClaimLedger domain).")


class Revoked(BaseModel):
    claim_id: str
    tx_hash: str
    block_number: int


@router.post("/{claim_id}/revocation", response_model=Revoked, status_code=201)
def revoke_claim(
    claim_id: str, body: RevocationIn, services: ServicesDep, member: CurrentMember
) -> Revoked:
    """Revoke an active claim, as signed by its firm (final: it stays in the history)."""
    revocation = Revocation(
        claim_id=parse_hex(claim_id, "claim_id", 32),
        firm=member.account,
        reason_hash=keccak(text=body.reason),
        nonce=body.nonce,
        deadline=body.deadline,
    )
    where = RevocationService(services.ledger, services.store).revoke(
        member.account, revocation, parse_hex(body.signature, "signature", 65)
    )
    return Revoked(
        claim_id=claim_id.lower(), tx_hash=where.tx_hash, block_number=where.block_number
    )
