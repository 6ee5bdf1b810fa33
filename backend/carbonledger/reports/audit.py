"""The auditor's verification report: what was verified, against what, and with what outcome.

Built from the independent verifier's chain view, the documents it was given and its findings
(:mod:`carbonledger.verify`), so every figure in it comes from the chain or from a document
whose hash the chain holds. The summary verdict comes first; then the firm, the period, the
standard; per claim the totals by scope, the document hash and the on-chain transaction in
full, each check and its outcome, the settlements and citations relied on; then where and when
the chain was read (RPC endpoint, block, date) and which verifier read it. A history of more
than :data:`SECTIONS_IN_FULL` claims (a firm filing per shipment) gets its sums per period,
the claims that fail a check or rely on a settlement in full, and every claim on one line.

``render_html`` gives a self-contained page (no external asset); ``render_pdf`` prints that
page with WeasyPrint. :func:`report_hash` is the keccak-256 of the bytes written, which the
auditor records with its verdict (``Audit.reportHash``) so the document handed over can be
matched to the chain later.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from eth_utils.crypto import keccak

from carbonledger import __version__
from carbonledger.standard import Standard
from carbonledger.standard.calc import compute
from carbonledger.standard.errors import StandardError
from carbonledger.standard.models import ReductionClaim
from carbonledger.verify import ChainView, Document, Finding, Report, Result

ReportFormat = Literal["html", "pdf"]


@dataclass(frozen=True)
class Reliance:
    """A settlement a reduction relied on: what the document claims, what the chain cited."""

    settlement_id: str
    allocated_kgco2e: str
    claimed_kgco2e: str
    cited_on_chain_kgco2e: int | None


@dataclass(frozen=True)
class ClaimSection:
    claim_id: str
    kind: str
    period: str
    status: str
    document: str
    document_hash: str
    tx_hash: str
    block_number: int
    totals: dict[str, str]
    checks: list[Finding]  # the verifier's findings about this claim
    settlements: list[Reliance] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.result is not Result.FAILS for c in self.checks)


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    summary: str
    firm_name: str
    firm_address: str
    period: str
    standard: str
    claims: list[ClaimSection]
    general: list[Finding]  # the findings about the deployment as a whole
    rpc_url: str
    chain_id: int
    block: int
    generated_at: str
    verifier: str
    auditor: str | None = None
    sample: str | None = None  # how the claims were drawn, when they are a sample


def _totals(doc: Document | None, standard: Standard) -> dict[str, str]:
    if doc is None:
        return {}
    try:
        t = compute(doc.claim, standard)
    except StandardError:
        return {}
    q = t.report_quantum
    out = {
        "Scope 1": str(t.scope1.quantize(q)),
        "Scope 2 (location)": str(t.scope2_location.quantize(q)),
        "Scope 2 (market)": str(t.scope2_market.quantize(q)),
    }
    for cat, value in sorted(t.scope3.items()):
        out[f"Scope 3 cat. {cat}"] = str(value.quantize(q))
    out["Scope 3 total"] = str(t.scope3_total.quantize(q))
    if t.biogenic_co2:
        out["Biogenic CO2 (apart)"] = str(t.biogenic_co2.quantize(q))
    return out


_STATUS = {
    "ClaimSuperseded": "superseded",
    "ClaimRevoked": "revoked",
    "ClaimAudited": "audited",
    "ClaimChecked": "checked",
}


def _status(events: Sequence[object]) -> str:
    names = [getattr(e, "name", "") for e in events]
    for name in ("ClaimRevoked", "ClaimSuperseded"):
        if name in names:
            return _STATUS[name]
    return "active" + (", audited" if "ClaimAudited" in names else "")


def build_report(
    view: ChainView,
    docs: Mapping[bytes, Document],
    report: Report,
    standard: Standard,
    *,
    rpc_url: str,
    firm: str | None = None,
    auditor: str | None = None,
    now: dt.datetime | None = None,
    sample: str | None = None,
) -> AuditReport:
    """The report of one verification (``report``) of ``view`` against ``docs``: of the
    claims the view judges (``sample`` says how they were drawn when they are a sample)."""
    by_hash = dict(docs)
    findings: dict[bytes | None, list[Finding]] = {}
    for f in report.findings:  # grouped once: a firm filing per shipment has thousands
        findings.setdefault(f.claim_id, []).append(f)
    sections: list[ClaimSection] = []
    firm_name, firm_address = "", firm or ""
    periods: list[tuple[dt.date, dt.date]] = []
    for c in sorted(view.judged_claims(), key=lambda c: c.submitted.log.pos):
        claim_id = c.claim_id
        doc = by_hash.get(c.submitted.document_hash)
        firm_address = firm_address or c.submitted.firm
        if doc is not None:
            firm_name = firm_name or doc.claim.firm.name
            periods.append((doc.claim.period.start, doc.claim.period.end))
        reliances: list[Reliance] = []
        if doc is not None and isinstance(doc.claim, ReductionClaim):
            cited = (view.allocations or {}).get(claim_id, {})
            for s in doc.claim.settlements:
                sid = str(s.settlement_id).lower()
                reliances.append(
                    Reliance(sid, str(s.allocated_kgco2e), str(s.claimed_kgco2e), cited.get(sid))
                )
        sections.append(
            ClaimSection(
                claim_id="0x" + claim_id.hex(),
                kind=doc.claim.kind if doc else "—",
                period=(
                    f"{doc.claim.period.start.isoformat()} to {doc.claim.period.end.isoformat()}"
                    if doc
                    else "—"
                ),
                status=_status(c.events),
                document=doc.path.name if doc else "(no document given)",
                document_hash="0x" + c.submitted.document_hash.hex(),
                tx_hash="0x" + c.submitted.log.tx_hash.hex(),
                block_number=c.submitted.log.block_number,
                totals=_totals(doc, standard),
                checks=findings.get(claim_id, []),
                settlements=reliances,
            )
        )
    period = "—"
    if periods:
        period = f"{min(p[0] for p in periods).isoformat()} to {max(p[1] for p in periods)}"
    when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return AuditReport(
        ok=report.ok,
        summary=report.summary(),
        firm_name=firm_name or "—",
        firm_address=firm_address,
        period=period,
        standard=f"{standard.version_id} (content hash 0x{standard.content_hash.hex()})",
        claims=sections,
        general=findings.get(None, []),
        rpc_url=rpc_url,
        chain_id=view.chain_id,
        block=view.latest_block,
        generated_at=when.isoformat().replace("+00:00", "Z"),
        verifier=f"carbonledger verify {__version__}",
        auditor=auditor,
        sample=sample,
    )


_CSS = """
@page { size: A4; margin: 16mm 14mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", "Noto Sans", "Noto Sans CJK SC", sans-serif;
  font-size: 9.5pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 12pt; margin: 14pt 0 4pt; }
.verdict { padding: 6pt 8pt; border: 2px solid; font-weight: bold; font-size: 11pt; }
.ok { border-color: #1a7f37; color: #1a7f37; } .fail { border-color: #b42318; color: #b42318; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
.FAILS { color: #b42318; font-weight: bold; } .holds { color: #1a7f37; } .note { color: #8a6100; }
.sign { margin-top: 20pt; } .sign td { height: 28pt; }
@page listing { size: A4 landscape; }
.listing { page: listing; }
pre.lines { font-family: "DejaVu Sans Mono", monospace; font-size: 6pt; line-height: 1.3;
  margin: 0; white-space: pre; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _checks(rows: Sequence[Finding]) -> str:
    body = "".join(
        f"<tr><td>{_e(c.check)}</td><td class='{_e(c.result)}'>{_e(c.result)}</td>"
        f"<td>{_e(c.detail)}</td></tr>"
        for c in rows
    )
    return f"<table><tr><th>check</th><th>outcome</th><th>detail</th></tr>{body}</table>"


def _section(s: ClaimSection) -> str:
    facts = [
        ("claim id", f"<span class='hash'>{_e(s.claim_id)}</span>"),
        ("kind, period", f"{_e(s.kind)}, {_e(s.period)}"),
        ("status on chain", _e(s.status)),
        ("document", _e(s.document)),
        ("document hash", f"<span class='hash'>{_e(s.document_hash)}</span>"),
        ("transaction", f"<span class='hash'>{_e(s.tx_hash)}</span> (block {s.block_number})"),
    ]
    out = [f"<h2>Claim {_e(s.claim_id[:10])}… — {'holds' if s.ok else 'FAILS'}</h2><table>"]
    out += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts]
    out.append("</table>")
    if s.totals:
        out.append("<table><tr><th>totals (kgCO2e)</th><th>value</th></tr>")
        out += [
            f"<tr><td>{_e(k)}</td><td class='num'>{_e(v)}</td></tr>" for k, v in s.totals.items()
        ]
        out.append("</table>")
    if s.settlements:
        out.append(
            "<table><tr><th>settlement relied on</th><th>allocated</th><th>claimed</th>"
            "<th>cited on chain</th></tr>"
        )
        for r in s.settlements:
            cited = "—" if r.cited_on_chain_kgco2e is None else str(r.cited_on_chain_kgco2e)
            out.append(
                f"<tr><td class='hash'>{_e(r.settlement_id)}</td><td class='num'>"
                f"{_e(r.allocated_kgco2e)}</td><td class='num'>{_e(r.claimed_kgco2e)}</td>"
                f"<td class='num'>{_e(cited)}</td></tr>"
            )
        out.append("</table>")
    out.append(_checks(s.checks))
    return "".join(out)


#: the section totals a gross figure sums (Scope 2 location-based)
GROSS = ("Scope 1", "Scope 2 (location)", "Scope 3 total")


#: A report of more claims than this gives each claim one line and a full section only to those
#: an auditor must look at (a check that fails, a settlement relied on), the first
#: EXCEPTIONS_IN_FULL of them. WeasyPrint lays out a table row in ~7 ms and ~190 KB, and a
#: claim's section has ~30 rows: a section per claim of a firm filing per shipment (thousands
#: of claims) took minutes and gigabytes (1,000 claims: 103 s, 1.5 GB), lines of plain text
#: take a few hundredths of that.
SECTIONS_IN_FULL = 25
EXCEPTIONS_IN_FULL = 100
#: lines of the every-claim listing per block of preformatted text (one long block lays out in
#: quadratic time)
LINES_PER_BLOCK = 200


def _looked_at(s: ClaimSection) -> bool:
    return not s.ok or bool(s.settlements)


def _outcome(s: ClaimSection) -> str:
    failed = [c.check for c in s.checks if c.result is Result.FAILS]
    if failed:
        return "FAILS: " + ", ".join(dict.fromkeys(failed))
    notes = sum(c.result is Result.NOTE for c in s.checks)
    held = sum(c.result is Result.HOLDS for c in s.checks)
    return f"holds ({held} checks" + (f", {notes} note(s))" if notes else ")")


def _by_period(claims: Sequence[ClaimSection]) -> str:
    groups: dict[tuple[str, str], list[ClaimSection]] = {}
    for s in claims:
        groups.setdefault((s.period, s.kind), []).append(s)
    rows = []
    for (period, kind), group in sorted(groups.items()):
        held = sum(s.ok for s in group)
        sums = [sum((Decimal(s.totals.get(k, "0")) for s in group), Decimal(0)) for k in GROSS]
        rows.append(
            f"<tr><td>{_e(period)}</td><td>{_e(kind)}</td><td class='num'>{len(group):,}</td>"
            f"<td class='num'>{held:,}</td><td class='num'>{len(group) - held:,}</td>"
            + "".join(f"<td class='num'>{v:,}</td>" for v in sums)
            + "</tr>"
        )
    return (
        "<h2>Claims by period</h2><table><tr><th>period</th><th>kind</th><th>claims</th>"
        "<th>hold</th><th>fail</th><th>Scope 1 (kgCO2e)</th><th>Scope 2, location</th>"
        "<th>Scope 3</th></tr>" + "".join(rows) + "</table>"
    )


def _listing(claims: Sequence[ClaimSection]) -> str:
    lines = [
        f"{s.claim_id}  {s.kind:<9}  {s.period}  {s.status:<16}  block {s.block_number:>9}  "
        f"{figures(s.totals):>16,}  {_outcome(s)}"
        for s in claims
    ]
    blocks = (
        "<pre class='lines'>" + _e("\n".join(lines[k : k + LINES_PER_BLOCK])) + "</pre>"
        for k in range(0, len(lines), LINES_PER_BLOCK)
    )
    return (
        "<section class='listing'><h2>Every claim</h2><p>One line per claim, in the order "
        "submitted: claim id, kind, period, status on chain, block of its submission, gross "
        "kgCO2e (Scope 1, Scope 2 location-based, Scope 3), and the outcome of its checks. "
        "The document hash and transaction of each are on the chain at that block.</p>"
        + "".join(blocks)
        + "</section>"
    )


def _claims(claims: Sequence[ClaimSection]) -> list[str]:
    """A section per claim; past SECTIONS_IN_FULL, the periods' sums, the claims to look at
    in full and every claim on a line."""
    if len(claims) <= SECTIONS_IN_FULL:
        return [_section(s) for s in claims]
    looked_at = [s for s in claims if _looked_at(s)]
    parts = [_by_period(claims), "<h2>Claims to look at</h2>"]
    if not looked_at:
        parts.append("<p>None: every claim holds every check and relies on no settlement.</p>")
    else:
        parts.append(
            f"<p>{len(looked_at):,} claim(s) fail a check or rely on a settlement"
            + (
                f"; the first {EXCEPTIONS_IN_FULL} in full, the others on their line below"
                if len(looked_at) > EXCEPTIONS_IN_FULL
                else ""
            )
            + ".</p>"
        )
        parts += [_section(s) for s in looked_at[:EXCEPTIONS_IN_FULL]]
    parts.append(_listing(claims))
    return parts


def render_html(r: AuditReport) -> str:
    verdict = "Everything holds" if r.ok else "Verification FAILS"
    facts = [
        ("firm", f"{_e(r.firm_name)}<br><span class='hash'>{_e(r.firm_address)}</span>"),
        ("period", _e(r.period)),
        ("standard", _e(r.standard)),
        ("claims verified", str(len(r.claims))),
        *([("sample", _e(r.sample))] if r.sample else []),
        ("chain read", f"{_e(r.rpc_url)} (chain id {r.chain_id}) at block {r.block}"),
        ("verifier", _e(r.verifier)),
        ("date", _e(r.generated_at)),
    ]
    if r.auditor:
        facts.append(("auditor", f"<span class='hash'>{_e(r.auditor)}</span>"))
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>CarbonLedger verification report — {_e(r.firm_name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>CarbonLedger verification report</h1>",
        f"<p class='verdict {'ok' if r.ok else 'fail'}'>{verdict}: {_e(r.summary)}</p>",
        "<table>",
        *(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts),
        "</table>",
    ]
    if r.general:
        parts += ["<h2>Deployment</h2>", _checks(r.general)]
    parts += _claims(r.claims)
    parts.append(
        "<h2>Method</h2><p>Every check was run by the independent verifier over the chain "
        "read at the endpoint and block above and the documents named, trusting no "
        "CarbonLedger service: document hashes against the chain, the firm's signature and "
        "membership at that point, the check re-run with the registered standard, amendments, "
        "revocations and cited settlements in order.</p>"
        "<table class='sign'><tr><th>auditor (name, signature)</th><td></td></tr>"
        "<tr><th>place, date</th><td></td></tr></table>"
    )
    parts.append("</body></html>")
    return "".join(parts)


def render_pdf(page: str) -> bytes:
    """The page printed to PDF by WeasyPrint (no network: the page has no external asset)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=page).write_pdf()
    return pdf


def render(r: AuditReport, fmt: ReportFormat) -> bytes:
    page = render_html(r)
    return render_pdf(page) if fmt == "pdf" else page.encode("utf-8")


def report_hash(data: bytes) -> str:
    """keccak-256 of the written report, 0x-hex: what the auditor records with its verdict."""
    return "0x" + keccak(data).hex()


def figures(totals: Mapping[str, str]) -> Decimal:
    """Sum of a section's scope 1, 2 (location) and 3 totals (for summaries)."""
    return sum((Decimal(totals[k]) for k in GROSS if k in totals), Decimal(0))
