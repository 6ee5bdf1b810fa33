"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from carbonledger import __version__
from carbonledger.api import errors
from carbonledger.api.routes import (
    audits,
    auth,
    chain,
    claims,
    health,
    members,
    overlaps,
    pact,
    plans,
    settlements,
    standards,
    targets,
)
from carbonledger.chain.client import ChainReader
from carbonledger.chain.manifest import Deployment
from carbonledger.config import Settings
from carbonledger.services.container import Services


def create_app(
    settings: Settings,
    chain_reader: ChainReader,
    deployment: Deployment,
    services: Services | None = None,
) -> FastAPI:
    """Build the API for one chain and one deployment (and its running services)."""
    app = FastAPI(
        title="CarbonLedger",
        version=__version__,
        description=(
            "Shared, verifiable supply-chain carbon footprints: firms submit signed claims, "
            "the service checks them against the unified standard and anchors them on chain.\n\n"
            "**Authentication**: `POST /auth/challenge` with your member key's address, sign "
            "the returned EIP-712 typed data with that key, `POST /auth/token`, then send "
            "`Authorization: Bearer <token>`. Roles on the API are the roles on chain."
        ),
    )
    app.state.settings = settings
    app.state.chain = chain_reader
    app.state.deployment = deployment
    app.state.services = services
    if services is not None:
        app.state.auth = services.auth
    errors.install(app)
    for module in (
        health,
        auth,
        chain,
        members,
        standards,
        claims,
        audits,
        overlaps,
        settlements,
        pact,
        plans,
        targets,
    ):
        app.include_router(module.router)
    return app
