"""``GET /claims/export`` (a firm's inventory as CSV, XLSX or JSON) and
``POST /audits/report`` (the auditor's verification report as HTML or PDF)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from carbonledger.api.deps import ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES
from carbonledger.api.routes.audits import Auditor, VerifyRequest
from carbonledger.api.routes.claims import ClaimsWhere, of_firm
from carbonledger.auth.fastapi import CurrentMember
from carbonledger.reports.service import Document, ReportService

router = APIRouter(responses={k: ERROR_RESPONSES[k] for k in (401, 422, 503)})

REPORT_HASH_HEADER = "X-Report-Hash"


async def report_service(services: ServicesDep) -> ReportService:
    return services.reports


Reports = Annotated[ReportService, Depends(report_service)]


def _download(document: Document) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{document.filename}"'}
    if document.sha:
        headers[REPORT_HASH_HEADER] = document.sha
    return Response(document.content, media_type=document.media_type, headers=headers)


@router.get(
    "/claims/export",
    tags=["claims"],
    response_class=Response,
    responses={
        200: {
            "description": "The inventory: one row per claim and per line (lines only of the "
            "documents the caller may read), scopes and Scope 3 categories as columns.",
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
    member: CurrentMember,
    where: ClaimsWhere,
    firm: Annotated[str | None, Query(description="Firm address (default: the caller).")] = None,
    format: Annotated[Literal["csv", "xlsx", "json"], Query()] = "csv",
) -> Response:
    """A firm's inventory as CSV, XLSX or JSON."""
    where = of_firm(where, member.account if firm is None else firm)  # default: the caller's
    return _download(reports.export(member.account, where, format))


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
    return _download(reports.audit_report(auditor.account, body.claim_id, body.firm, format))


__all__ = ["REPORT_HASH_HEADER", "router"]
