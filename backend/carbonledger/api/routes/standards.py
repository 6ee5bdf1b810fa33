"""``/standards``: the published versions of the unified calculation standard."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from carbonledger.api.deps import PageDep, ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.store.db import chain_events
from carbonledger.vocab import VERSION_STATUS_NAMES, name_of

router = APIRouter(prefix="/standards", tags=["standards"], responses={401: ERROR_RESPONSES[401]})


class StandardVersionOut(BaseModel):
    version: int
    content_hash: str
    effective_from: int
    status: str
    published_block: int
    checked_here: bool  # this service checks claims against this version


class StandardPage(BaseModel):
    items: list[StandardVersionOut]
    total: int
    page: int
    page_size: int


@router.get("", response_model=StandardPage)
def list_standards(services: ServicesDep, page: PageDep, _: CurrentMember) -> StandardPage:
    """Every version published in the StandardRegistry, with its current status."""
    with services.engine.connect() as conn:
        rows = conn.execute(
            select(chain_events.c.args, chain_events.c.block_number)
            .where(chain_events.c.event == "StandardPublished")
            .order_by(chain_events.c.block_number)
        ).all()
    ours = "0x" + services.standard.content_hash.hex()
    items = []
    for args, block in rows[page.offset : page.offset + page.page_size]:
        version = int(args["version"])
        status, effective_from = services.ledger.standard_status(version)
        items.append(
            StandardVersionOut(
                version=version,
                content_hash=str(args["contentHash"]),
                effective_from=effective_from,
                status=name_of(VERSION_STATUS_NAMES, status),
                published_block=int(block),
                checked_here=str(args["contentHash"]) == ours,
            )
        )
    return StandardPage(items=items, total=len(rows), page=page.page, page_size=page.page_size)
