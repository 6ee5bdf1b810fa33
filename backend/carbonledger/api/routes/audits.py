"""``/audits``: an auditor verifies claims and records a verdict signed with its own key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import model_from
from carbonledger.api.routes.claims import parse_hex
from carbonledger.auth.fastapi import require_role
from carbonledger.auth.model import Principal
from carbonledger.services.audits import MAX_SAMPLE, MAX_VERDICTS, audit_of

router = APIRouter(
    prefix="/audits",
    tags=["audits"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 404, 422, 503)},
)

Auditor = Annotated[Principal, Depends(require_role("auditor"))]


class VerifyRequest(BaseModel):
    claim_id: str | None = Field(None, description="One claim to verify.")
    firm: str | None = Field(None, description="Or a firm, to verify its whole history.")
    deadline: int | None = Field(None, description="Deadline to put in the verdicts to sign.")
    sample: int | None = Field(
        None,
        ge=1,
        le=MAX_SAMPLE,
        description="With firm: verify only this many of its claims, the ones with the "
        "smallest keccak-256(seed UTF-8 ‖ claim id) (a sample anyone can draw again from the "
        "seed and the firm's claims); the whole history when it has no more claims.",
    )
    seed: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="The sample's seed (default: a new random one, in the answer).",
    )

    @model_validator(mode="after")
    def _one(self) -> VerifyRequest:
        if (self.claim_id is None) == (self.firm is None):
            raise ValueError("give exactly one of claim_id and firm")
        return self


class ClaimVerification(BaseModel):
    claim_id: str
    ok: bool
    report_hash: str
    findings: list[dict[str, str]]
    verdict_to_sign: dict[str, Any] = Field(
        description="EIP-712 typed data of the verdict (approved when ok), for the auditor's key."
    )
    audit: str = Field(
        description="The verdict the chain already holds on the claim (none | approved | "
        "rejected): a claim takes one verdict."
    )


class SampleOut(BaseModel):
    size: int = Field(description="Claims verified.")
    population: int = Field(description="The firm's claims they were drawn from.")
    seed: str = Field(description="Give it again to draw the same claims.")


class VerifyAnswer(BaseModel):
    ok: bool
    summary: str
    claims: list[ClaimVerification]
    sample: SampleOut | None = Field(None, description="When only a sample was verified.")


class VerdictRequest(BaseModel):
    claim_id: str
    verdict: str = Field(pattern="^(approved|rejected)$")
    report_hash: str
    nonce: int = Field(ge=0)
    deadline: int = Field(ge=0)
    signature: str


class Recorded(BaseModel):
    claim_id: str
    tx_hash: str
    block_number: int


class VerdictsRequest(BaseModel):
    verdicts: list[VerdictRequest] = Field(
        min_length=1,
        max_length=MAX_VERDICTS,
        description="Verdicts of this auditor, signed with its next nonces in order (the first "
        "with GET /members/{account}/nonce, then one more each).",
    )


class VerdictsRecorded(BaseModel):
    recorded: list[Recorded] = Field(description="The verdicts on chain, in the request's order.")
    reverted: list[str] = Field(
        description="Claims whose verdict the chain reverted after the checks (a claim revoked "
        "meanwhile); the others stand."
    )


@router.post("/verify", response_model=VerifyAnswer)
def verify(body: VerifyRequest, services: ServicesDep, auditor: Auditor) -> VerifyAnswer:
    """Verify a claim, or a firm's whole history, against the chain: document hash, the
    firm's signature and membership at that point, the check re-run with the registered
    standard (same report hash), amendments and revocations in order. Answers the findings
    and, per claim, the verdict for the auditor to sign."""
    result = services.audits.verify(
        auditor.account, body.claim_id, body.firm, body.deadline, body.sample, body.seed
    )
    return model_from(
        VerifyAnswer,
        result,
        claims=[model_from(ClaimVerification, c) for c in result.claims],
        sample=None if result.sample is None else model_from(SampleOut, result.sample),
    )


@router.post(
    "/batch",
    response_model=VerdictsRecorded,
    status_code=201,
    responses={409: ERROR_RESPONSES[409]},
)
def record_many(body: VerdictsRequest, services: ServicesDep, auditor: Auditor) -> VerdictsRecorded:
    """Record several verdicts of this auditor, each signed (EIP-712 ``Audit``) with its own
    key and its next nonces in order: each its own transaction, sent together. All are checked
    first; one that would be refused refuses the request, naming it, and none is sent."""
    verdicts = [
        (
            audit_of(
                auditor.account,
                parse_hex(v.claim_id, f"verdicts[{i}].claim_id", 32),
                v.verdict,
                parse_hex(v.report_hash, f"verdicts[{i}].report_hash", 32),
                v.nonce,
                v.deadline,
            ),
            parse_hex(v.signature, f"verdicts[{i}].signature", 65),
        )
        for i, v in enumerate(body.verdicts)
    ]
    out = services.audits.record_many(auditor.account, verdicts)
    return VerdictsRecorded(
        recorded=[
            Recorded(claim_id=cid, tx_hash=at.tx_hash, block_number=at.block_number)
            for cid, at in zip(out.claim_ids, out.landed, strict=True)
            if at is not None
        ],
        reverted=[cid for cid, at in zip(out.claim_ids, out.landed, strict=True) if at is None],
    )


@router.post("", response_model=Recorded, status_code=201, responses={409: ERROR_RESPONSES[409]})
def record(body: VerdictRequest, services: ServicesDep, auditor: Auditor) -> Recorded:
    """Record an auditor's verdict, signed (EIP-712 ``Audit``) with the auditor's own key."""
    where = services.audits.record_verdict(
        auditor.account,
        parse_hex(body.claim_id, "claim_id", 32),
        body.verdict,
        parse_hex(body.report_hash, "report_hash", 32),
        body.nonce,
        body.deadline,
        parse_hex(body.signature, "signature", 65),
    )
    return Recorded(claim_id=body.claim_id, tx_hash=where.tx_hash, block_number=where.block_number)
