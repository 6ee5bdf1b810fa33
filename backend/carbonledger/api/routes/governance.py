"""``/governance``: the admins' proposals (membership, quorum, standard versions).

Each approval is a transaction from an admin's OWN account (the CLI's ``member`` and
``standard publish/approve`` send them with web3). For a client that holds the key but not a
node connection (the web app decrypts the keystore in the page), the service prepares the
transaction (``POST /governance/transactions/unsigned``: encoded, priced, dry-run against the
chain), the client signs it, and ``POST /governance/transactions`` broadcasts the signed
bytes. The service never signs these: it only relays what the admin signed.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import published
from carbonledger.auth.fastapi import CurrentMember, require_role
from carbonledger.auth.model import Principal
from carbonledger.services.governance import (
    AdminAction,
    ProposalView,
    Relayed,
    ShippedStandard,
)
from carbonledger.services.ports import DraftTransaction

router = APIRouter(
    prefix="/governance",
    tags=["governance"],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 409, 422)},
)

AdminMember = Annotated[Principal, Depends(require_role("admin"))]


@published(
    registry="members (MemberRegistry) | standards (StandardRegistry)",
    action="admit | remove | suspend | reinstate | set_roles | set_quorum | publish | retire",
    status="pending | executed | expired",
)
class ProposalOut(ProposalView):
    pass


@published(onchain_version="0 while not published")
class ShippedStandardOut(ShippedStandard):
    pass


class GovernanceOut(BaseModel):
    quorum: int = Field(description="Approvals a proposal needs (both registries).")
    admin_count: int
    roles: list[str] = Field(description="The role names a member may hold.")
    proposals: list[ProposalOut] = Field(description="Pending first, then the latest others.")
    standards: list[ShippedStandardOut] = Field(
        description="The standard versions this service ships."
    )


class AdminActionIn(BaseModel):
    action: Literal[
        "admit",
        "suspend",
        "reinstate",
        "remove",
        "set_roles",
        "set_quorum",
        "approve",
        "execute",
        "publish_standard",
        "retire_standard",
    ]
    account: str | None = Field(
        default=None, description="admit, suspend, reinstate, remove, set_roles"
    )
    name: str | None = Field(default=None, max_length=200, description="admit")
    roles: list[str] = Field(default_factory=list, description="admit, set_roles")
    identifier: str | None = Field(default=None, max_length=200, description="admit (hashed)")
    signing_key: str | None = Field(default=None, description="admit (default: the account)")
    quorum: int | None = Field(default=None, ge=1, le=1000, description="set_quorum")
    registry: Literal["members", "standards"] = Field(
        default="members", description="approve, execute"
    )
    proposal_id: int | None = Field(default=None, ge=1, description="approve, execute")
    methodology_version: str | None = Field(default=None, description="publish_standard")
    onchain_version: int | None = Field(default=None, ge=1, le=65535, description="retire_standard")


@published(
    sender="The signed-in admin's account: it signs and pays.",
    gas_price="wei (a legacy transaction)",
)
class UnsignedTransactionOut(DraftTransaction):
    pass


class SignedTransactionIn(BaseModel):
    raw: str = Field(pattern=r"^0x[0-9a-fA-F]+$", max_length=100_000)


@published(ready_to_execute="A MemberRegistry proposal at its quorum waits for an `execute`.")
class RelayedOut(Relayed):
    pass


@router.get("", response_model=GovernanceOut)
def governance(services: ServicesDep, member: CurrentMember) -> GovernanceOut:
    """The admin quorum, the proposals of both registries (with whether the caller approved
    each), and the standard versions shipped with this service."""
    view = services.governance.overview(member.account)
    return GovernanceOut.model_validate(dataclasses.asdict(view))


@router.post("/transactions/unsigned", response_model=UnsignedTransactionOut)
def unsigned_transaction(
    body: AdminActionIn, services: ServicesDep, admin: AdminMember
) -> UnsignedTransactionOut:
    """The transaction the signed-in admin signs for one proposal, approval or execution: a
    call the chain would refuse is refused here (409, with the contract's error)."""
    action = AdminAction(**{**body.model_dump(), "roles": tuple(body.roles)})
    prepared = services.governance.prepare(admin.account, action)
    return UnsignedTransactionOut(**vars(prepared))


@router.post("/transactions", response_model=RelayedOut)
def relay_transaction(
    body: SignedTransactionIn, services: ServicesDep, admin: AdminMember
) -> RelayedOut:
    """Broadcast a transaction the signed-in admin signed (to the MemberRegistry or the
    StandardRegistry only) and report the proposal it created, approved or executed."""
    return RelayedOut(**vars(services.governance.relay(admin.account, body.raw)))
