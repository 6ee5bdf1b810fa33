"""The FastAPI application factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from carbonledger import __version__
from carbonledger.api import errors, problems
from carbonledger.api.limits import RequestLimits, limits_from, public_operations
from carbonledger.api.routes import (
    audits,
    auth,
    chain,
    claims,
    governance,
    health,
    members,
    overlaps,
    pact,
    plans,
    public,
    reports,
    settlements,
    standards,
    status,
    targets,
)
from carbonledger.chain.client import ChainReader
from carbonledger.chain.manifest import Deployment
from carbonledger.config import Settings
from carbonledger.services.container import Services
from carbonledger.services.members import RegistryCache
from carbonledger.store.instances import api_heartbeat


class RegistryArrival:
    """Marks each HTTP request's arrival for the registry cache
    (:meth:`~carbonledger.services.members.RegistryCache.arrived`): the token's membership
    check, the claim's checks and the vault's auditors of one request then share one look at
    the chain that began after the request arrived, instead of waiting for a look each."""

    def __init__(self, app: ASGIApp, registry: RegistryCache) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.registry.arrived():
            await self.app(scope, receive, send)


def create_app(
    settings: Settings,
    chain_reader: ChainReader,
    deployment: Deployment,
    services: Services | None = None,
) -> FastAPI:
    """Build the API for one chain and one deployment (and its running services)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """While the API serves: this process's row among the service's processes."""
        if services is None:
            yield
            return
        with api_heartbeat(services.instances):
            yield

    # /docs and /redoc from the Swagger UI and ReDoc assets the fastapi-offline package ships
    # (served under /static-offline-docs): no CDN, so they work with no internet.
    app: FastAPI = FastAPIOffline(
        lifespan=lifespan,
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

    public_ops: list[Callable[[str, str], bool]] = []

    def is_public() -> Callable[[str, str], bool]:
        if not public_ops:  # the API description is complete once every router is included
            public_ops.append(public_operations(app.openapi()))
        return public_ops[0]

    app.add_middleware(
        RequestLimits, limits=limits_from(settings), token_ok=token_check, is_public=is_public
    )
    app.add_middleware(problems.Unexpected)  # outermost of ours: limits' failures too
    if services is not None:
        app.add_middleware(RegistryArrival, registry=services.members.registry)
    if settings.api_gzip_min_bytes is not None:
        app.add_middleware(
            GZipMiddleware,
            minimum_size=settings.api_gzip_min_bytes,
            compresslevel=GZIP_LEVEL,
            exclude_content_types=GZIP_SKIPPED,
        )
    # reports first: its /claims/export must not be taken for a claim id by /claims/{claim_id}
    for module in (
        health, status, auth, chain, members, governance, standards, reports, claims, audits,
        overlaps, settlements, pact, plans, targets, public,
    ):  # fmt: skip
        app.include_router(module.router)
    mount_web_app(app, settings.project_root / "web" / "dist")
    return app


#: gzip's level for answers: 5 keeps most of level 9's saving on JSON at a fraction of its CPU
GZIP_LEVEL = 5
#: answers gzip would not shrink: already compressed (PDF streams, XLSX is a zip) or streamed
GZIP_SKIPPED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class HashedAssets(StaticFiles):
    """The web app's built files: each name carries a hash of its content (Vite's build), so
    a browser may keep one for good and never ask for it again."""

    def file_response(
        self, full_path: PathLike[str] | str, stat_result: os.stat_result, scope: Scope,
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount_web_app(app: FastAPI, dist: Path) -> None:
    """Serve the built web app (``web/``, built by ``./run``) at ``/app``: its hashed assets
    as static files, and ``index.html`` for every other path under ``/app`` (the app routes
    in the browser). Without a build, ``/app`` answers 404 saying how to build it."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/app/assets", HashedAssets(directory=dist / "assets"), name="web-assets")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app/")

    @app.get("/app", include_in_schema=False)
    @app.get("/app/{path:path}", include_in_schema=False)
    def web_app(path: str = "") -> FileResponse:
        if not index.is_file():
            raise HTTPException(404, f"the web app is not built ({dist}): run ./run setup")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
