"""``/standards``: the published versions of the unified calculation standard."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from carbonledger.api.deps import PageDep, ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.models import published
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.services.queries import StandardVersionView

router = APIRouter(prefix="/standards", tags=["standards"], responses={401: ERROR_RESPONSES[401]})


@published()
class StandardVersionOut(StandardVersionView):
    pass


class StandardPage(BaseModel):
    items: list[StandardVersionOut]
    total: int
    page: int
    page_size: int


@router.get("", response_model=StandardPage)
def list_standards(services: ServicesDep, page: PageDep, _: CurrentMember) -> StandardPage:
    """Every version published in the StandardRegistry, with its current status."""
    total, views = services.queries.standards(page.offset, page.page_size)
    items = [StandardVersionOut(**vars(v)) for v in views]
    return StandardPage(items=items, total=total, page=page.page, page_size=page.page_size)
