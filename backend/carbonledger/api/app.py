"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from carbonledger import __version__
from carbonledger.api.routes import health
from carbonledger.chain.client import ChainReader
from carbonledger.chain.manifest import Deployment
from carbonledger.config import Settings


def create_app(settings: Settings, chain: ChainReader, deployment: Deployment) -> FastAPI:
    """Build the API for one chain and one deployment."""
    app = FastAPI(
        title="CarbonLedger",
        version=__version__,
        description=(
            "Shared, verifiable supply-chain carbon footprints: firms submit signed claims, "
            "the service checks them against the unified standard and anchors them on chain."
        ),
    )
    app.state.settings = settings
    app.state.chain = chain
    app.state.deployment = deployment
    app.include_router(health.router)
    return app
