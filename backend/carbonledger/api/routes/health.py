"""``GET /health``: is the service up, and which chain and contracts does it serve."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from carbonledger import __version__
from carbonledger.api.deps import ChainDep, DeploymentDep

router = APIRouter(tags=["health"])


class ChainInfo(BaseModel):
    rpc_url: str
    chain_id: int
    block_number: int
    deploy_block: int


class Health(BaseModel):
    status: str
    version: str
    chain: ChainInfo
    contracts: dict[str, str]


@router.get(
    "/health",
    response_model=Health,
    summary="Service health with chain id, block number and contract addresses",
    responses={503: {"description": "The chain node does not answer."}},
)
def health(chain: ChainDep, deployment: DeploymentDep) -> Health:
    try:
        chain_id = chain.chain_id()
        block_number = chain.block_number()
    except Exception as exc:
        raise HTTPException(
            503, f"the chain node at {chain.rpc_url} does not answer: {exc}"
        ) from exc
    return Health(
        status="ok",
        version=__version__,
        chain=ChainInfo(
            rpc_url=chain.rpc_url,
            chain_id=chain_id,
            block_number=block_number,
            deploy_block=deployment.deploy_block,
        ),
        contracts={name: c.address for name, c in deployment.contracts.items()},
    )
