"""``/settlements``: propose a shared decarbonisation project for an overlap, sign or decline
it (EIP-712, each party's own key), record the audited reduction and the payments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, StringConstraints, model_validator

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import model_from, published
from carbonledger.api.routes.claims import parse_hex
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.services.settlements import PartyPosition, Proposal, SettlementView
from carbonledger.vocab import Consent, Decline, Payment, ReductionAttestation

router = APIRouter(
    prefix="/settlements",
    tags=["settlements"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 404, 409, 422, 503)},
)


class ProposeRequest(BaseModel):
    overlap_id: str = Field(description="One of the caller's overlaps (GET /overlaps).")
    description: str = Field(min_length=1, max_length=4000, description="The project.")
    total_cost: int = Field(gt=0, description="Total cost in minor units of the currency.")
    currency: str = Field(description="ISO 4217 code, e.g. EUR, CNY.")
    expected_reduction_kgco2e: int = Field(ge=0)
    shares_bps: list[int] | None = Field(
        None,
        description="Each party's share in basis points, in the overlap's party order, "
        "summing to 10,000; default: in proportion to each party's overlapping emissions.",
    )
    signing_deadline: int | None = Field(None, description="Unix time; default in 7 days.")


Message = TypeVar("Message", Consent, Decline, ReductionAttestation, Payment)


class Signed(BaseModel):
    nonce: int = Field(ge=0, description="The signer's next OverlapSettlement nonce.")
    deadline: int = Field(ge=0, description="Unix time after which the signature is void.")
    signature: str = Field(description="EIP-712 signature (OverlapSettlement domain), 0x-hex.")


class DeclineRequest(Signed):
    reason: str = Field("", max_length=4000, description="Why; its keccak-256 goes on chain.")


class ReductionRequest(Signed):
    realised_kgco2e: int = Field(gt=0)
    evidence: str | None = Field(None, description="The evidence (text, e.g. JSON).")
    evidence_hash: str | None = Field(None, description="keccak-256 of the evidence.")

    @model_validator(mode="after")
    def _one(self) -> ReductionRequest:
        if self.evidence is None and self.evidence_hash is None:
            raise ValueError("give the evidence or its hash")
        return self


class PaymentRequest(Signed):
    amount: int = Field(gt=0, description="Minor units of the settlement's currency.")
    reference: str = Field(description="Payment reference; its keccak-256 goes on chain.")


@published()
class PartyOut(PartyPosition):
    pass


class SettlementOut(BaseModel):
    settlement_id: str
    overlap_id: str
    proposer: str
    status: str = Field(description="proposed | agreed | declined | settled | expired")
    project: dict[str, Any]
    terms: dict[str, Any] = Field(description="The Terms; their EIP-712 hash is the id.")
    domain: dict[str, Any] = Field(description="The OverlapSettlement EIP-712 domain.")
    consents: int
    reduction_recorded: bool
    realised_kgco2e: int
    evidence: dict[str, Any] | None
    parties: list[PartyOut]
    tx_hash: str
    block_number: int


class AllocationsOut(BaseModel):
    firm: str
    allocations: dict[str, int] = Field(description="settlement id -> kgCO2e allocated")


class NonceOut(BaseModel):
    account: str
    nonce: int


class Step:
    """A step on the settlement named in the path, by the signed-in member: what every route
    below ``/settlements/{settlement_id}`` works with."""

    def __init__(self, settlement_id: str, services: ServicesDep, member: CurrentMember) -> None:
        self.settlement_id = settlement_id
        self.settlements = services.settlements
        self.member = member
        self.caller = to_checksum_address(member.account)

    def signed(
        self, kind: Callable[..., Message], body: Signed, **fields: Any
    ) -> tuple[Message, bytes]:
        """The settlement message ``kind`` the caller signed (the path's settlement, ``fields``,
        the body's nonce and deadline) and the body's signature."""
        message = kind(
            settlement_id=parse_hex(self.settlement_id, "settlement_id", 32),
            **fields,
            nonce=body.nonce,
            deadline=body.deadline,
        )
        return message, parse_hex(body.signature, "signature", 65)

    def answer(self, view: SettlementView) -> SettlementOut:
        return settlement_out(view)


StepDep = Annotated[Step, Depends()]


def _signed_step(
    path: str,
) -> Callable[[Callable[..., SettlementOut]], Callable[..., SettlementOut]]:
    """A route that records a signed step on the settlement and answers with it."""
    return router.post(f"/{{settlement_id}}/{path}", response_model=SettlementOut, status_code=201)


def settlement_out(view: SettlementView) -> SettlementOut:
    return model_from(
        SettlementOut,
        view,
        view.row,
        domain=view.domain.as_dict(),
        parties=[PartyOut(**vars(p)) for p in view.parties],
    )


@router.post("", response_model=SettlementOut, status_code=201)
def propose(body: ProposeRequest, services: ServicesDep, member: CurrentMember) -> SettlementOut:
    """A party proposes a project for one of its overlaps; the service relays the terms
    (``propose``). Nobody is bound until every party has signed its consent."""
    proposal = Proposal(**body.model_dump(exclude={"overlap_id"}))
    view = services.settlements.propose(member.account, body.overlap_id, proposal)
    return settlement_out(view)


@router.get("", response_model=list[SettlementOut])
def list_settlements(services: ServicesDep, member: CurrentMember) -> list[SettlementOut]:
    """The settlements the caller is a party to."""
    return [settlement_out(v) for v in services.settlements.of_party(member.account)]


@router.get("/allocations", response_model=AllocationsOut)
def allocations(
    services: ServicesDep,
    member: CurrentMember,
    settlement_id: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$")]],
        Query(description="Settlement ids, 0x + 64 hex digits (repeat)."),
    ],
) -> AllocationsOut:
    """The ledger's allocations to the caller in these settlements (the figures a reduction
    claim citing them is computed and signed with); settlements without one are left out."""
    found = services.settlements.allocations_for(member.account, settlement_id)
    return AllocationsOut(firm=member.account, allocations=found)


@router.get("/nonce", response_model=NonceOut)
def nonce(services: ServicesDep, member: CurrentMember) -> NonceOut:
    """The caller's next OverlapSettlement nonce (consents, declines, payments, citations)."""
    return NonceOut(account=member.account, nonce=services.settlements.nonce(member.account))


@router.get("/{settlement_id}", response_model=SettlementOut)
def get_settlement(step: StepDep) -> SettlementOut:
    """A settlement: its terms and project, and each party's share, consent, allocation,
    cost share, payments and citing claim (parties and auditors only)."""
    return step.answer(step.settlements.read(step.settlement_id.lower(), step.member.account))


@_signed_step("consents")
def sign(body: Signed, step: StepDep) -> SettlementOut:
    """Record the caller's signed ``Consent``; with the last party's the settlement is agreed."""
    consent, signature = step.signed(Consent, body, party=step.caller)
    return step.answer(step.settlements.consent(consent, signature))


@_signed_step("declines")
def decline(body: DeclineRequest, step: StepDep) -> SettlementOut:
    """Record the caller's signed ``Decline``: the proposal ends."""
    message, signature = step.signed(
        Decline, body, party=step.caller, reason_hash=keccak(text=body.reason)
    )
    return step.answer(step.settlements.decline(message, signature))


@_signed_step("reduction")
def record_reduction(body: ReductionRequest, step: StepDep) -> SettlementOut:
    """An auditor records the realised reduction (signed ``ReductionAttestation``) with its
    evidence; the chain allocates it to the parties by share."""
    evidence = body.evidence.encode("utf-8") if body.evidence is not None else None
    evidence_hash = (
        parse_hex(body.evidence_hash, "evidence_hash", 32)
        if body.evidence_hash is not None
        else keccak(evidence or b"")
    )
    attestation, signature = step.signed(
        ReductionAttestation,
        body,
        auditor=step.caller,
        realised_kg_co2e=body.realised_kgco2e,
        evidence_hash=evidence_hash,
    )
    return step.answer(step.settlements.record_reduction(attestation, signature, evidence))


@_signed_step("payments")
def pay(body: PaymentRequest, step: StepDep) -> SettlementOut:
    """Record the caller's signed ``Payment`` towards its cost share; when every party has
    paid its share the settlement is settled."""
    payment, signature = step.signed(
        Payment,
        body,
        payer=step.caller,
        amount=body.amount,
        reference_hash=keccak(text=body.reference),
    )
    return step.answer(step.settlements.pay(payment, signature))
