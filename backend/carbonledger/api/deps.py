"""Typed dependencies shared by the routers.

Those that only read the application's state are ``async def``: FastAPI runs a plain ``def``
dependency in a worker thread, and each hand-off to a thread and back costs the event loop
more than the dependency itself (docs/performance.md, "Single mode, session 5")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from pydantic import BaseModel

from carbonledger.chain.client import ChainReader
from carbonledger.chain.manifest import Deployment
from carbonledger.config import Settings
from carbonledger.services.container import Services


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_chain(request: Request) -> ChainReader:
    chain: ChainReader = request.app.state.chain
    return chain


async def get_deployment(request: Request) -> Deployment:
    deployment: Deployment = request.app.state.deployment
    return deployment


def running(request: Request, name: str, missing: str) -> Any:
    """The application's ``name`` (``app.state``); 503 with ``missing`` while there is none."""
    value = getattr(request.app.state, name, None)
    if value is None:
        raise HTTPException(503, missing)
    return value


async def get_services(request: Request) -> Services:
    services: Services = running(request, "services", "the ledger services are not running")
    return services


SettingsDep = Annotated[Settings, Depends(get_settings)]
ChainDep = Annotated[ChainReader, Depends(get_chain)]
DeploymentDep = Annotated[Deployment, Depends(get_deployment)]
ServicesDep = Annotated[Services, Depends(get_services)]


class PageParams(BaseModel):
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


#: Pages beyond this are refused (422): their offset would not fit the database's integers.
MAX_PAGE = 10_000_000


async def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


PageDep = Annotated[PageParams, Depends(page_params)]
