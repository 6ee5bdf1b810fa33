"""``/members``: the consortium as the MemberRegistry records it, and members' vault keys."""

from __future__ import annotations

from eth_utils.address import is_address, to_checksum_address
from fastapi import APIRouter
from pydantic import BaseModel, Field

from carbonledger.api.deps import PageDep, ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.services.errors import InvalidRequest
from carbonledger.vault.keys import public_key_from_hex

router = APIRouter(prefix="/members", tags=["members"], responses={401: ERROR_RESPONSES[401]})


class MemberOut(BaseModel):
    account: str
    name: str
    identifier_hash: str
    signing_key: str
    roles: list[str]
    status: str
    admitted_block: int
    admitted_tx: str


class MemberPage(BaseModel):
    items: list[MemberOut]
    total: int
    page: int
    page_size: int


class VaultKey(BaseModel):
    public_key: str = Field(description="X25519 public key, 64 hex digits.")


@router.get("", response_model=MemberPage)
def list_members(services: ServicesDep, page: PageDep, _: CurrentMember) -> MemberPage:
    """Every admitted member with its current status, roles and signing key."""
    total, views = services.members.page(page.offset, page.page_size)
    return MemberPage(
        items=[MemberOut(**{**v.__dict__, "roles": list(v.roles)}) for v in views],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.put(
    "/me/vault-key",
    status_code=204,
    responses={422: ERROR_RESPONSES[422]},
)
def register_vault_key(body: VaultKey, services: ServicesDep, member: CurrentMember) -> None:
    """Register (or replace) the caller's X25519 public key; documents are wrapped for it."""
    services.vault.register_reader_key(member.account, public_key_from_hex(body.public_key))


@router.get("/{account}/vault-key", response_model=VaultKey, responses={404: ERROR_RESPONSES[404]})
def vault_key(account: str, services: ServicesDep, _: CurrentMember) -> VaultKey:
    """A member's registered vault key (an owner wraps a document's key for it to grant)."""
    return VaultKey(public_key=services.vault.reader_public_key(_checksum(account)).hex())


class NextNonce(BaseModel):
    account: str
    nonce: int = Field(description="The nonce to sign the account's next claim with.")


@router.get("/{account}/nonce", response_model=NextNonce)
def next_nonce(account: str, services: ServicesDep, _: CurrentMember) -> NextNonce:
    """The account's next ClaimLedger nonce: on chain, plus its claims accepted here and
    not yet anchored."""
    account = _checksum(account)
    return NextNonce(account=account, nonce=services.claims.next_nonce(account))


@router.get("/{account}", response_model=MemberOut, responses={404: ERROR_RESPONSES[404]})
def get_member(account: str, services: ServicesDep, _: CurrentMember) -> MemberOut:
    _checksum(account)  # 422 when it is not an address
    view = services.members.member(account)
    return MemberOut(**{**view.__dict__, "roles": list(view.roles)})


def _checksum(account: str) -> str:
    if not is_address(account):
        raise InvalidRequest(
            f"account: {account!r} is not an address",
            [{"field": "account", "message": "not an address (0x + 40 hex digits)"}],
        )
    return to_checksum_address(account)
