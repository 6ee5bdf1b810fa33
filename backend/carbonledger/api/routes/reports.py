"""``GET /claims/export`` (a firm's inventory as CSV, XLSX or JSON) and ``POST
/claims/export/link`` (a link to one export, for a browser), ``GET /claims/periods``
(a firm's footprint by reporting period) and ``POST /audits/report`` (the auditor's
verification report as HTML or PDF)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.routes.audits import Auditor, VerifyRequest
from carbonledger.api.routes.claims import ClaimsWhere, firm_address, of_firm
from carbonledger.auth.fastapi import (
    TICKET,
    AuthServiceDep,
    CurrentMember,
    DownloadMember,
    download_target,
)
from carbonledger.reports.service import Document, ReportService

router = APIRouter(responses={k: ERROR_RESPONSES[k] for k in (401, 422, 503)})

REPORT_HASH_HEADER = "X-Report-Hash"
CLAIM_COUNT_HEADER = "X-Claim-Count"


async def report_service(services: ServicesDep) -> ReportService:
    return services.reports


Reports = Annotated[ReportService, Depends(report_service)]


def _download(document: Document) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{document.filename}"'}
    if document.sha:
        headers[REPORT_HASH_HEADER] = document.sha
    return Response(document.content, media_type=document.media_type, headers=headers)


EXPORT_PATH = "/claims/export"


@router.get(
    EXPORT_PATH,
    tags=["claims"],
    response_class=Response,
    responses={
        200: {
            "description": "The inventory: one row per claim and per line (lines only of the "
            "documents the caller may read), scopes and Scope 3 categories as columns.",
            "headers": {
                CLAIM_COUNT_HEADER: {
                    "description": "How many claims the export holds (those accepted when "
                    "it started).",
                    "schema": {"type": "integer"},
                }
            },
            "content": {
                "text/csv": {},
                "application/json": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
        }
    },
)
def export_claims(
    reports: Reports,
    member: DownloadMember,
    where: ClaimsWhere,
    firm: Annotated[str | None, Query(description="Firm address (default: the caller).")] = None,
    format: Annotated[Literal["csv", "xlsx", "json"], Query()] = "csv",
) -> Response:
    """A firm's inventory as CSV, XLSX or JSON, of any length: sent as it is read (CSV and
    JSON) or once built in a temporary file (XLSX), with its count of claims in
    ``X-Claim-Count``. With the bearer token, or from a link of ``POST
    /claims/export/link`` (its ``ticket``)."""
    where = of_firm(where, member.account if firm is None else firm)  # default: the caller's
    export = reports.export(member.account, where, format)
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        CLAIM_COUNT_HEADER: str(export.claims),
    }
    return StreamingResponse(export.chunks, media_type=export.media_type, headers=headers)


class DownloadLink(BaseModel):
    url: str = Field(
        description="The download's path on this service, its query and a ticket: follow it "
        "with no Authorization header (a browser saves the file straight to disk)."
    )
    expires_at: int = Field(description="Unix seconds; ask for a new link after.")


@router.post("/claims/export/link", tags=["claims"], response_model=DownloadLink)
def export_link(
    request: Request,
    auth: AuthServiceDep,
    member: CurrentMember,
    where: ClaimsWhere,
    firm: Annotated[str | None, Query(description="Firm address (default: the caller).")] = None,
    format: Annotated[Literal["csv", "xlsx", "json"], Query()] = "csv",
) -> DownloadLink:
    """A link to ``GET /claims/export`` with this request's query (checked as that route
    checks it), that opens that one export, for a minute, without the bearer token."""
    of_firm(where, firm)  # 422 naming the field now, not when the link is followed
    query = sorted(request.query_params.multi_items())
    target = download_target(EXPORT_PATH, query)
    issued = auth.download_ticket(member, target)
    url = f"{EXPORT_PATH}?{urlencode([*query, (TICKET, issued.token)])}"
    return DownloadLink(url=url, expires_at=issued.expires_at)


class Scope3Sum(BaseModel):
    name: str
    kgco2e: str = Field(description="kgCO2e, a decimal string.")


class PeriodSums(BaseModel):
    period_start: int = Field(description="Unix seconds; the period is [start, end).")
    period_end: int
    claims: int = Field(description="The footprints in force summed here.")
    scope1: str = Field(description="kgCO2e, a decimal string (so are the other sums).")
    scope2_location: str
    scope2_market: str
    scope3: dict[str, Scope3Sum] = Field(description="By Scope 3 category (1-15).")
    scope3_total: str


class FootprintPeriods(BaseModel):
    firm: str
    periods: list[PeriodSums] = Field(description="Oldest period first.")
    left_out: int = Field(
        description="Passed footprints not summed: superseded by an amendment, or revoked."
    )


@router.get("/claims/periods", tags=["claims"], response_model=FootprintPeriods)
def footprint_periods(
    services: ServicesDep,
    member: CurrentMember,
    firm: Annotated[str | None, Query(description="Firm address (default: the caller).")] = None,
) -> FootprintPeriods:
    """A firm's footprint by reporting period: the check reports' totals of its footprints in
    force (checked and passed, not refused, superseded or revoked), summed per period."""
    view = services.queries.footprint_periods(
        member.account if firm is None else firm_address(firm)
    )
    return FootprintPeriods(
        firm=view.firm,
        periods=[PeriodSums.model_validate(p.as_json()) for p in view.periods],
        left_out=view.left_out,
    )


@router.post(
    "/audits/report",
    tags=["audits"],
    response_class=Response,
    responses={
        200: {
            "description": f"The report; its keccak-256 in the {REPORT_HASH_HEADER} header.",
            "content": {"text/html": {}, "application/pdf": {}},
        },
        **{k: ERROR_RESPONSES[k] for k in (403, 404)},
    },
)
def audit_report(
    body: VerifyRequest,
    reports: Reports,
    auditor: Auditor,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    """The independent verification of a claim or a firm's history (as ``/audits/verify``),
    as a report the auditor can sign and hand over."""
    return _download(
        reports.audit_report(
            auditor.account, body.claim_id, body.firm, format, body.sample, body.seed
        )
    )


__all__ = ["REPORT_HASH_HEADER", "router"]
