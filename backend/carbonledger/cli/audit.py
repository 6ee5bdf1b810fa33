"""``carbonledger audit report|record``: an auditor's report from the service's vault, and its
verdict recorded on chain with the hash of the report it rests on.

The independent path (no service) is ``carbonledger verify … --report FILE``; either report's
keccak-256 is what ``audit record --report FILE`` puts on chain as the verdict's report hash.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from eth_utils.crypto import keccak

from carbonledger.cli.common import console, fail, read_file
from carbonledger.cli.options import App
from carbonledger.cli.session import JsonOpt, Member, Names

audit_app = App(
    help="Auditors: verification reports and verdicts recorded on chain.", no_args_is_help=True
)


@audit_app.command("report")
def report(
    member: Member,
    out: Annotated[Path, typer.Option("--out", help="FILE.html or FILE.pdf.")],
    claim: Annotated[str | None, typer.Option("--claim", help="One claim id.")] = None,
    firm: Annotated[
        str | None, typer.Option("--firm", help="Or a firm's whole history (address or name).")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(
            "--sample",
            min=1,
            help="With --firm: only this many of its claims, those with the smallest "
            "keccak-256(seed ‖ claim id) (the report names the seed).",
        ),
    ] = None,
    seed: Annotated[
        str | None, typer.Option("--seed", help="The sample's seed (default: a new one).")
    ] = None,
) -> None:
    """The service's verification of a claim or a firm (the documents in its vault, the chain
    it reads), or of a sample of a firm's claims, as a report to sign and hand over; prints
    the report's keccak-256."""
    fmt = out.suffix.lower().removeprefix(".")
    if fmt not in ("html", "pdf"):
        raise fail(f"--out {out}: the file name must end in .html or .pdf", 2)
    if (claim is None) == (firm is None):
        raise fail("give exactly one of --claim ID and --firm FIRM", 2)
    with member.reading() as session:
        who = Names(session).resolve(firm) if firm else None
        data, digest = session.audit_report(fmt, claim_id=claim, firm=who, sample=sample, seed=seed)
        out.write_bytes(data)
    console.print(f"wrote {out}; its keccak-256: {digest}")


@audit_app.command("record")
def record(
    claims: Annotated[
        list[str],
        typer.Argument(
            help="The claim id; several (a firm's history the report covers) are signed with "
            "consecutive nonces and recorded 200 a request; - reads them from standard input "
            "(`claim list -q`: a per-shipment history's ids outgrow a command line)."
        ),
    ],
    member: Member,
    verdict: Annotated[str, typer.Option("--verdict", help="approved | rejected")],
    report_file: Annotated[
        Path,
        typer.Option("--report", help="The report the verdict rests on (its hash goes on chain)."),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Sign this auditor's verdict on one or more claims, with the report's keccak-256, and
    record it."""
    if claims == ["-"]:
        claims = sys.stdin.read().split()
        if not claims:
            raise fail("no claim id on standard input", 2)
    with member.signing() as client:
        digest = keccak(read_file(report_file))
        if len(claims) == 1:
            answer = client.record_audit(claims[0], verdict, digest)
            recorded, reverted = [answer], []
        else:
            many = client.record_audits(claims, verdict, digest)
            recorded, reverted = many["recorded"], many["reverted"]
    if as_json:
        console.print_json(data=answer if len(claims) == 1 else many)
        return
    for done in recorded:
        console.print(
            f"claim {done['claim_id']}: {verdict}, report 0x{digest.hex()}, recorded in tx "
            f"{done['tx_hash']} (block {done['block_number']})"
        )
    if reverted:
        raise fail(f"the chain reverted the verdict on {', '.join(reverted)}; the others stand")
