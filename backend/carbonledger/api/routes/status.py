"""``GET /status`` and ``GET /metrics``: the service as its operators watch it.

Both give the same reading (:class:`~carbonledger.services.status.StatusService`): JSON for
``carbonledger status`` and the web app's admin page, the Prometheus text format for a
monitoring system. Who may read them: the holder of ``status_token`` (a scraper, the
operator's command line), a signed-in admin, and, in dev mode with no token set, anyone.
Neither names a firm: they count claims, they do not list them.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from carbonledger import __version__
from carbonledger.api.deps import ServicesDep, SettingsDep
from carbonledger.api.metrics import PROMETHEUS_TEXT, prometheus_text
from carbonledger.auth.errors import MissingToken
from carbonledger.auth.fastapi import current_member, get_auth_service, signed_in_now
from carbonledger.auth.model import Role
from carbonledger.auth.service import AuthService
from carbonledger.services.status import ServiceStatus

router = APIRouter(tags=["status"])

_bearer = HTTPBearer(
    auto_error=False,
    description="The service's status_token, or a signed-in admin's bearer token.",
)


async def status_reader(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through if it carries the status token or an admin's token, or if
    nothing guards the status (dev mode, no token set); 401/403 otherwise."""
    token = settings.status_token
    if credentials is None:
        if token is None and not settings.production:
            return
        raise MissingToken()
    given = credentials.credentials.encode("utf-8")
    if token is not None and hmac.compare_digest(given, token.get_secret_value().encode()):
        return
    auth = await get_auth_service(request)
    claims = signed_in_now(auth, credentials)
    member = await run_in_threadpool(current_member, auth, claims)  # a look at the chain
    AuthService.authorize(member, Role.ADMIN)


StatusReader = Depends(status_reader)


class StatusChainOut(BaseModel):
    chain_id: int
    head: int
    head_timestamp: int
    head_age_seconds: int
    relayer: str = Field(description="The service account, which relays the claims.")
    relayer_balance_wei: str = Field(description="Decimal, in wei.")
    relayer_pending_transactions: int = Field(
        description="Its transactions sent and not yet mined."
    )
    gas_price_wei: str


class StatusPipelineOut(BaseModel):
    claims: dict[str, int] = Field(description="Claims in each state.")
    oldest_accepted_age_seconds: float | None = Field(
        description="How long the oldest accepted claim has waited for the chain."
    )
    indexed_block: int = Field(description="The newest block the indexer has read.")
    index_lag_blocks: int | None
    firms_waiting: int = Field(description="Firms with claims waiting for the chain.")
    largest_firm_backlog: int = Field(
        description="The most claims one firm has waiting for the chain (no firm named)."
    )
    firms_at_backlog_limit: int = Field(
        description="Firms at firm_backlog_limit: their new claims are refused with 429."
    )
    firm_backlog_limit: int


class StatusConnectionsOut(BaseModel):
    in_use: int = Field(description="Client connections open on the PostgreSQL server.")
    limit: int = Field(
        description="Connections the server takes from users that are not superusers "
        "(max_connections less superuser_reserved_connections): past them it refuses new ones."
    )


class RoleInstanceOut(BaseModel):
    role: str
    state: Literal["active", "standby"]
    alive: bool = Field(description="It reported within alert_heartbeat_timeout.")
    host: str
    pid: int
    started_at: int
    seen_at: int
    last_error: str | None


class ApiProcessOut(BaseModel):
    alive: bool = Field(description="It reported within alert_heartbeat_timeout.")
    host: str
    pid: int
    started_at: int
    seen_at: int


class AlertOut(BaseModel):
    name: str
    severity: Literal["critical", "warning"]
    message: str


class StatusOut(BaseModel):
    healthy: bool = Field(description="No critical alert.")
    version: str
    at: int = Field(description="When this was read (unix seconds).")
    alerts: list[AlertOut]
    chain: StatusChainOut | None = Field(description="None when the node does not answer.")
    chain_error: str | None
    pipeline: StatusPipelineOut | None = Field(
        description="None when the database does not answer."
    )
    database_error: str | None
    database_connections: StatusConnectionsOut | None = Field(
        description="The PostgreSQL server's connections (of every database on it: they share "
        "its limit); None on SQLite or when the database does not answer."
    )
    instances: list[RoleInstanceOut] = Field(
        description="The processes in the background roles (anchoring worker, indexer)."
    )
    api_processes: list[ApiProcessOut] = Field(
        description="The processes serving the API, each writing its row every 5 s while it "
        "serves (a stopped one deletes it; one that died shows as not alive for a day)."
    )


def status_out(status: ServiceStatus) -> StatusOut:
    chain, pipeline, indexing = status.chain, status.pipeline, status.indexing
    return StatusOut(
        healthy=status.healthy,
        version=__version__,
        at=status.at,
        alerts=[
            AlertOut(name=a.name, severity=a.severity, message=a.message) for a in status.alerts
        ],
        chain=None
        if chain is None
        else StatusChainOut(
            chain_id=chain.chain_id,
            head=chain.head,
            head_timestamp=chain.head_timestamp,
            head_age_seconds=max(0, status.at - chain.head_timestamp),
            relayer=chain.relayer,
            relayer_balance_wei=str(chain.relayer_balance),
            relayer_pending_transactions=chain.relayer_pending_nonce - chain.relayer_nonce,
            gas_price_wei=str(chain.gas_price),
        ),
        chain_error=status.chain_error,
        pipeline=None
        if pipeline is None or indexing is None
        else StatusPipelineOut(
            claims=dict(pipeline.counts),
            oldest_accepted_age_seconds=pipeline.oldest_accepted_age,
            indexed_block=indexing.indexed_block,
            index_lag_blocks=indexing.lag_blocks,
            firms_waiting=pipeline.firms_waiting,
            largest_firm_backlog=pipeline.largest_firm_backlog,
            firms_at_backlog_limit=pipeline.firms_at_backlog_limit,
            firm_backlog_limit=pipeline.firm_backlog_limit,
        ),
        database_error=status.database_error,
        database_connections=None
        if status.connections is None
        else StatusConnectionsOut(in_use=status.connections.in_use, limit=status.connections.limit),
        instances=[
            RoleInstanceOut(
                role=i.role,
                state="active" if i.state == "active" else "standby",
                alive=i.alive,
                host=i.host,
                pid=i.pid,
                started_at=i.started_at,
                seen_at=i.seen_at,
                last_error=i.last_error,
            )
            for i in status.instances
        ],
        api_processes=[
            ApiProcessOut(
                alive=i.alive, host=i.host, pid=i.pid, started_at=i.started_at, seen_at=i.seen_at
            )
            for i in status.api_processes
        ],
    )


@router.get(
    "/status",
    response_model=StatusOut,
    summary="The service's parts and its claims' flow, with alerts (operators)",
    dependencies=[StatusReader],
    responses={401: {"description": "No token, or not the status token nor a member's."}},
)
def status(services: ServicesDep) -> StatusOut:
    return status_out(services.status.status())


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="The same reading in the Prometheus text format (a monitoring system)",
    dependencies=[StatusReader],
    responses={
        200: {"content": {PROMETHEUS_TEXT: {"schema": {"type": "string"}}}},
        401: {"description": "No token, or not the status token nor a member's."},
    },
)
def metrics(services: ServicesDep) -> PlainTextResponse:
    return PlainTextResponse(
        prometheus_text(services.status.status(), __version__), media_type=PROMETHEUS_TEXT
    )
