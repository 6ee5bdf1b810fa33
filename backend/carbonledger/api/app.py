"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from carbonledger import __version__
from carbonledger.api import errors, problems
from carbonledger.api.limits import RequestLimits, limits_from, public_operations
from carbonledger.api.routes import (
    audits,
    auth,
    chain,
    claims,
    health,
    members,
    overlaps,
    pact,
    settlements,
    standards,
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
    problems.install(app)

    def token_check() -> Callable[[str], bool] | None:
        auth = getattr(app.state, "auth", None)
        return None if auth is None else auth.token_verifies

    public: list[Callable[[str, str], bool]] = []

    def is_public() -> Callable[[str, str], bool]:
        if not public:  # the API description is complete once every router is included
            public.append(public_operations(app.openapi()))
        return public[0]

    app.add_middleware(
        RequestLimits, limits=limits_from(settings), token_ok=token_check, is_public=is_public
    )
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
    ):
        app.include_router(module.router)
    return app
