"""The auditor's report, pure: built from a verifier view, rendered, hashed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from carbonledger.reports import audit
from carbonledger.reports.audit import (
    AuditReport,
    ClaimSection,
    Reliance,
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


def _many(n: int, failing: set[int], relying: set[int]) -> AuditReport:
    one = report().claims[0]
    claims = []
    for k in range(n):
        result = Result.FAILS if k in failing else Result.HOLDS
        claims.append(
            dataclasses.replace(
                one,
                claim_id="0x" + f"{k:064x}",
                block_number=100 + k,
                totals={
                    "Scope 1": "1.500",
                    "Scope 2 (location)": "2.000",
                    "Scope 3 total": "0.250",
                },
                checks=[
                    Finding(None, "signature", Result.HOLDS, "signed"),
                    Finding(None, "document hash", result, "as on chain"),
                ],
                settlements=([Reliance("0x" + "55" * 32, "10", "10", 10)] if k in relying else []),
            )
        )
    return dataclasses.replace(report(), claims=claims, ok=not failing)


def _sections(page: str) -> list[str]:
    return re.findall(r"<h2>Claim (0x[0-9a-f]{8})…", page)


def test_a_short_history_gives_every_claim_a_section() -> None:
    page = render_html(_many(audit.SECTIONS_IN_FULL, failing=set(), relying=set()))
    assert len(_sections(page)) == audit.SECTIONS_IN_FULL and "Every claim" not in page


def test_a_long_history_gives_a_section_only_to_the_claims_to_look_at_and_a_line_to_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    n = audit.SECTIONS_IN_FULL + 1
    page = render_html(_many(n, failing={3, 7}, relying={5}))
    assert _sections(page) == ["0x" + f"{k:064x}"[:8] for k in (3, 5, 7)]
    assert "3 claim(s) fail a check or rely on a settlement." in page
    lines = [line for block in re.findall(r"<pre class='lines'>(.*?)</pre>", page, re.S)
             for line in block.split("\n")]  # fmt: skip
    assert [line.split()[0] for line in lines] == ["0x" + f"{k:064x}" for k in range(n)]
    assert lines[3].endswith("FAILS: document hash") and lines[4].endswith("holds (2 checks)")
    assert "block       104" in lines[4] and "3.750" in lines[4]  # gross: 1.5 + 2 + 0.25
    by_period = re.search(r"<h2>Claims by period</h2>(.*?)</table>", page, re.S)
    assert by_period is not None
    cells = re.findall(r"<td class='num'>([^<]*)</td>", by_period.group(1))
    assert cells == [
        f"{n}",
        f"{n - 2}",
        "2",
        f"{1.5 * n:,.3f}",
        f"{2.0 * n:,.3f}",
        f"{0.25 * n:,.3f}",
    ]

    monkeypatch.setattr(audit, "EXCEPTIONS_IN_FULL", 2)
    capped = render_html(_many(n, failing={3, 7}, relying={5}))
    assert len(_sections(capped)) == 2 and "the first 2 in full" in capped
    pdf = PdfReader(io.BytesIO(render_pdf(capped)))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "0x" + f"{n - 1:064x}" in text  # the last claim's line
    assert float(pdf.pages[-1].mediabox.width) > float(pdf.pages[0].mediabox.height) * 0.9
