"""The auditor's report, pure: built from a verifier view, rendered, hashed."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from carbonledger.reports.audit import (
    AuditReport,
    ClaimSection,
    render_html,
    render_pdf,
    report_hash,
)
from carbonledger.verify import Finding, Result


def report(ok: bool = True) -> AuditReport:
    section = ClaimSection(
        claim_id="0x" + "11" * 32,
        kind="footprint",
        period="2024-01-01 to 2024-12-31",
        status="active",
        document="f.json",
        document_hash="0x" + "22" * 32,
        tx_hash="0x" + "33" * 32,
        block_number=12,
        totals={"Scope 1": "18135.265"},
        checks=[
            Finding(None, "signature", Result.HOLDS if ok else Result.FAILS, "signed by <the firm>")
        ],
    )
    return AuditReport(
        ok=ok,
        summary="1 claim(s), 1 check(s)",
        firm_name="Hangzhou <Cargo> 快运",
        firm_address="0x" + "44" * 20,
        period="2024-01-01 to 2024-12-31",
        standard="cls-1.0.0",
        claims=[section],
        general=[],
        rpc_url="http://127.0.0.1:9",
        chain_id=31337,
        block=99,
        generated_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC).isoformat(),
        verifier="carbonledger verify 0.1.0",
    )


def test_the_verdict_comes_first_and_every_value_is_escaped() -> None:
    page = render_html(report(ok=False))
    assert page.index("Verification FAILS") < page.index("firm")
    assert "Hangzhou &lt;Cargo&gt; 快运" in page and "<Cargo>" not in page
    assert "signed by &lt;the firm&gt;" in page
    assert "0x" + "33" * 32 in page  # the transaction in full
    assert "http" not in page.replace("http://127.0.0.1:9", "")  # no external asset


def test_the_pdf_is_printed_from_the_page_and_reads_back() -> None:
    pdf = render_pdf(render_html(report()))
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Everything holds" in text and "18135.265" in text and "block 99" in text
    assert report_hash(pdf).startswith("0x") and len(report_hash(pdf)) == 66
