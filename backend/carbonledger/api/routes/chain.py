"""``GET /chain``: what a client needs to sign for this ledger."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES

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
    service_account: str
    standard: StandardInfo


@router.get("/chain", response_model=ChainInfo, responses={503: ERROR_RESPONSES[503]})
def chain_info(services: ServicesDep) -> ChainInfo:
    """Chain id, contract addresses, the EIP-712 domain claims are signed in, and the
    standard this service checks against (no authentication needed)."""
    ledger = services.ledger
    domain = ledger.domain()
    return ChainInfo(
        chain_id=ledger.chain_id,
        block_number=ledger.head(),
        contracts={n: c.address for n, c in services.deployment.contracts.items()},
        claim_ledger_domain=domain.as_dict(),
        service_account=ledger.service_address,
        standard=StandardInfo(
            version_id=services.standard.version_id,
            content_hash="0x" + services.standard.content_hash.hex(),
            onchain_version=ledger.standard_version_of(services.standard.content_hash),
        ),
    )
