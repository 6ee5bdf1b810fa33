"""``GET /chain``: what a client needs to sign for this ledger."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.chain.typed_data import eip712_types

router = APIRouter(tags=["chain"])


class StandardInfo(BaseModel):
    version_id: str
    content_hash: str
    onchain_version: int


class ChainInfo(BaseModel):
    chain_id: int
    block_number: int
    contracts: dict[str, str]
    claim_ledger_domain: dict[str, Any]
    overlap_settlement_domain: dict[str, Any] = Field(
        description="The EIP-712 domain of consents, declines, payments, citations, attestations."
    )
    eip712_types: dict[str, list[dict[str, str]]] = Field(
        description="Every EIP-712 struct the contracts check, as eth_signTypedData_v4 takes "
        "its types (EIP712Domain included): a client signs with these, never a copy."
    )
    service_account: str
    standard: StandardInfo


@router.get("/chain", response_model=ChainInfo, responses={503: ERROR_RESPONSES[503]})
def chain_info(services: ServicesDep) -> ChainInfo:
    """Chain id, contract addresses, the EIP-712 domain claims are signed in, and the
    standard this service checks against (no authentication needed)."""
    view = services.queries.chain()
    return ChainInfo(
        chain_id=view.chain_id,
        block_number=view.block_number,
        contracts=view.contracts,
        claim_ledger_domain=view.claim_ledger_domain.as_dict(),
        overlap_settlement_domain=view.overlap_settlement_domain.as_dict(),
        eip712_types=eip712_types(),
        service_account=view.service_account,
        standard=StandardInfo(
            version_id=view.standard_version_id,
            content_hash=view.standard_content_hash,
            onchain_version=view.onchain_version,
        ),
    )
