"""The service side of exports and audit reports: what ``/claims/export`` and
``/audits/report`` call. Collaborators come in the constructor (the claim store, the claim
service that opens stored documents with the service's vault key, the vault for who may read
what, the audit service for the chain it verifies against)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from carbonledger.reports import audit as audit_report
from carbonledger.reports.export import ClaimRecord, Format, inventory_rows, render
from carbonledger.services.audits import AuditService
from carbonledger.services.claims import ClaimService
from carbonledger.services.errors import InvalidRequest, NotFound
from carbonledger.standard import Claim
from carbonledger.store.claims import ClaimFilter, ClaimRow, ClaimStore
from carbonledger.vault.errors import DocumentNotFound, VaultAccessDenied
from carbonledger.vault.service import EvidenceVault

#: Most claims one export holds: each readable document is opened (decrypted and parsed) for
#: its line rows, and an XLSX workbook is built in memory. An export that would hold more is
#: refused, naming how many it selects, rather than cut short: a firm filing per shipment
#: exports a period at a time.
EXPORT_LIMIT = 10_000


def _date(seconds: int, end: bool = False) -> dt.date:
    day = dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    return day - dt.timedelta(days=1) if end else day  # the period's end is exclusive


@dataclass(frozen=True)
class Document:
    media_type: str
    filename: str
    content: bytes
    sha: str = ""


@dataclass(eq=False, repr=False)
class ReportService:
    store: ClaimStore
    claims: ClaimService
    vault: EvidenceVault
    audits: AuditService

    def _readable(self, reader: str, row: ClaimRow) -> Claim | None:
        """The claim's document when ``reader`` may read it (owner, auditors, grantees)."""
        try:
            self.vault.get(reader, row.claim_id)
        except (DocumentNotFound, VaultAccessDenied):
            return None
        try:
            return self.claims.parse(self.claims.read_document(row.claim_id))
        except NotFound:
            return None

    def export(self, reader: str, where: ClaimFilter, fmt: Format) -> Document:
        """The inventory (claims matching ``where``): line rows for the documents ``reader``
        may read, claim rows (the check report's totals) for the others."""
        total, rows = self.store.search(where, 0, EXPORT_LIMIT)
        if total > EXPORT_LIMIT:
            raise InvalidRequest(
                f"the export would hold {total:,} claims, more than the {EXPORT_LIMIT:,} one "
                "export holds: narrow it to fewer periods (period_from, period_to) or one kind",
                [{"field": "period_from", "message": f"{total:,} claims selected"}],
            )
        records = [
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
                document=self._readable(reader, r),
            )
            for r in rows
        ]
        from carbonledger.reports.export import MEDIA_TYPES

        content = render(inventory_rows(records, self.claims.standard), fmt)
        name = f"inventory-{(where.firm or 'all').lower()}.{fmt}"
        return Document(MEDIA_TYPES[fmt], name, content)

    def audit_report(
        self, auditor: str, claim_id: str | None, firm: str | None, fmt: audit_report.ReportFormat
    ) -> Document:
        """The independent verification of a claim or a firm's history, as the auditor's
        report (the same checks as ``/audits/verify``), with its keccak-256."""
        run = self.audits.run(claim_id=claim_id.lower() if claim_id else None, firm=firm)
        view, docs, report, rows = run.view, run.docs, run.report, run.rows
        built = audit_report.build_report(
            view, docs, report, self.claims.standard, rpc_url=self.audits.rpc_url,
            firm=rows[0].firm.lower(), auditor=auditor,
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
