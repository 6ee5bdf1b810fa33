"""The service side of exports and audit reports: what ``/claims/export`` and
``/audits/report`` call. Collaborators come in the constructor (the claim store, the claim
service that opens stored documents with the service's vault key, the vault for who may read
what, the audit service for the chain it verifies against)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from carbonledger.reports import audit as audit_report
from carbonledger.reports.export import (
    CHUNKS,
    MEDIA_TYPES,
    ClaimRecord,
    Format,
    inventory_rows,
)
from carbonledger.services.audits import AuditService
from carbonledger.services.claims import ClaimService
from carbonledger.services.errors import InvalidRequest
from carbonledger.standard import Claim
from carbonledger.store.claims import ClaimFilter, ClaimRow, ClaimStore
from carbonledger.vault.service import EvidenceVault

#: Claims read per step of an export: their rows, their documents (one read for which the
#: caller may read, one for the service's envelopes of those) and their table rows at a time,
#: so an export's memory does not grow with its length (a firm filing per shipment has
#: hundreds of thousands of claims a year)
EXPORT_PAGE = 500


def _date(seconds: int, end: bool = False) -> dt.date:
    day = dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    return day - dt.timedelta(days=1) if end else day  # the period's end is exclusive


@dataclass(frozen=True)
class Document:
    media_type: str
    filename: str
    content: bytes
    sha: str = ""


@dataclass(frozen=True)
class Export:
    """An export as it is sent: its pieces are read, computed and written while the caller
    reads them (an error in between ends the file cut short, which the HTTP transfer shows:
    its chunked encoding is not closed)."""

    media_type: str
    filename: str
    claims: int  # how many claims it holds
    chunks: Iterator[bytes]


@dataclass(eq=False, repr=False)
class ReportService:
    store: ClaimStore
    claims: ClaimService
    vault: EvidenceVault
    audits: AuditService
    page_size: int = EXPORT_PAGE

    def export(self, reader: str, where: ClaimFilter, fmt: Format) -> Export:
        """The inventory (claims matching ``where``, as many as there are): line rows for
        the documents ``reader`` may read, claim rows (the check report's totals) for the
        others. The claims are those accepted when it starts."""
        total, pages = self.store.count_and_pages(where, self.page_size)
        standard = self.claims.standard
        rows = (inventory_rows(self._records(reader, page), standard) for page in pages)
        name = f"inventory-{(where.firm or 'all').lower()}.{fmt}"
        return Export(MEDIA_TYPES[fmt], name, total, CHUNKS[fmt](rows))

    def _records(self, reader: str, page: list[ClaimRow]) -> list[ClaimRecord]:
        readable = self.vault.readable(reader, [r.claim_id for r in page])
        documents = self.claims.read_documents([r.claim_id for r in page if r.claim_id in readable])
        return [
            ClaimRecord(
                claim_id=r.claim_id,
                firm=r.firm,
                kind=r.kind,
                state=r.state,
                period_start=_date(r.period_start),
                period_end=_date(r.period_end, end=True),
                standard_version=r.standard_version,
                document_hash=r.document_hash,
                tx_hash=r.tx_hash,
                block_number=r.block_number,
                check_passed=r.check_passed,
                check_report=json.loads(r.report),
                document=self._parsed(documents.get(r.claim_id)),
            )
            for r in page
        ]

    def _parsed(self, raw: bytes | None) -> Claim | None:
        if raw is None:
            return None
        try:
            return self.claims.parse(raw)
        except InvalidRequest:  # stored by an older parser: its report's totals stand
            return None

    def audit_report(
        self,
        auditor: str,
        claim_id: str | None,
        firm: str | None,
        fmt: audit_report.ReportFormat,
        sample: int | None = None,
        seed: str | None = None,
    ) -> Document:
        """The independent verification of a claim or a firm's history (or a sample of it),
        as the auditor's report (the same checks as ``/audits/verify``), with its keccak-256."""
        run = self.audits.run(
            claim_id=claim_id.lower() if claim_id else None, firm=firm, sample=sample, seed=seed
        )
        view, docs, report, rows = run.view, run.docs, run.report, run.rows
        built = audit_report.build_report(
            view, docs, report, self.claims.standard, rpc_url=self.audits.rpc_url,
            firm=rows[0].firm.lower(), auditor=auditor,
            sample=None if run.sample is None else run.sample.describe(),
        )  # fmt: skip
        content = audit_report.render(built, fmt)
        media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
        subject = claim_id or firm or "report"
        return Document(
            media,
            f"verification-{subject.lower()}.{fmt}",
            content,
            audit_report.report_hash(content),
        )
