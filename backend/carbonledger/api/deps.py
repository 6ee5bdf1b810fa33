"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from carbonledger.chain.client import ChainReader
from carbonledger.chain.manifest import Deployment
from carbonledger.config import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_chain(request: Request) -> ChainReader:
    chain: ChainReader = request.app.state.chain
    return chain


def get_deployment(request: Request) -> Deployment:
    deployment: Deployment = request.app.state.deployment
    return deployment


SettingsDep = Annotated[Settings, Depends(get_settings)]
ChainDep = Annotated[ChainReader, Depends(get_chain)]
DeploymentDep = Annotated[Deployment, Depends(get_deployment)]
