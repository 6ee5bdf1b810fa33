"""``/auth``: members sign a challenge with their member key and get a bearer token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/auth", tags=["auth"])


class ChallengeRequest(BaseModel):
    member: str = Field(description="Address of the member's current signing key.")


class Challenge(BaseModel):
    member: str
    nonce: str
    expiresAt: int
    typedData: dict[str, Any] = Field(
        description="EIP-712 typed data to sign (eth_signTypedData_v4)."
    )


class TokenRequest(BaseModel):
    member: str
    nonce: str
    expiresAt: int
    signature: str = Field(description="65-byte EIP-712 signature of the challenge, 0x-hex.")


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    account: str
    roles: list[str]
    expires_at: int


@router.post("/challenge", response_model=Challenge, responses={422: ERROR_RESPONSES[422]})
def challenge(body: ChallengeRequest, services: ServicesDep) -> Any:
    """A single-use login challenge for the key ``member`` (expires in a few minutes)."""
    return services.auth.issue_challenge(body.member).to_json()


@router.post(
    "/token",
    response_model=Token,
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 422)},
)
def token(body: TokenRequest, services: ServicesDep) -> Token:
    """Exchange a signed challenge for a bearer token (401 bad/expired/replayed, 403 not an
    active member)."""
    issued = services.auth.login(body.member, body.nonce, body.expiresAt, body.signature)
    return Token(
        access_token=issued.token,
        account=issued.principal.account,
        roles=sorted(r.value for r in issued.principal.roles),
        expires_at=issued.expires_at,
    )
