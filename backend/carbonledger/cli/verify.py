"""``carbonledger verify``: the independent verifier, for an auditor who trusts no service.

    carbonledger verify --rpc URL --claim ID --document FILE [--baseline FILE] [--proof FILE]
                        (--manifest deployment.json | --claim-ledger ADDRESS)
    carbonledger verify --rpc URL --firm ADDRESS --documents DIR
                        (--manifest deployment.json | --claim-ledger ADDRESS)

A claim anchored under a Merkle root (root mode) is verified from its proof file (what
``GET /claims/{id}/proof`` serves): ``--proof FILE``, or ``<name>.proof.json`` files in the
documents directory.

Reads only the JSON-RPC endpoint and the documents. Exit 0: everything holds; 1: a check
fails; 2: bad input (a file not found, not a claim document, the node unreachable).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from carbonledger.cli.common import DataDirOpt, console, err_console
from carbonledger.cli.options import OptionGroup
from carbonledger.cli.pact import PactCredentials
from carbonledger.gcpolicy import settle_heap
from carbonledger.standard import load_default_standard
from carbonledger.verify import (
    Addresses,
    Report,
    Result,
    RpcChainPort,
    RpcError,
    Verification,
    VerifyInputError,
    parse_address,
    parse_claim_id,
    resolve_addresses,
    run_claim,
    run_firm,
)
from carbonledger.verify.core import short

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
_STYLE = {Result.HOLDS: "green", Result.FAILS: "bold red", Result.NOTE: "yellow"}


def _bad_input(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True, markup=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _print(report: Report, failures_only: bool) -> None:
    table = Table(title="CarbonLedger independent verification", title_justify="left")
    table.add_column("claim", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("detail")
    for f in report.findings:
        if failures_only and f.result is not Result.FAILS:
            continue
        table.add_row(
            short(f.claim_id) if f.claim_id else "—",
            f.check,
            Text(str(f.result), style=_STYLE[f.result]),
            Text(f.detail),
        )
    if table.row_count:
        console.print(table)
    style = "bold green" if report.ok else "bold red"
    console.print(Text(report.summary(), style=style))


def _json(report: Report) -> None:
    obj = {
        "ok": report.ok,
        "claims": report.claims,
        "summary": report.summary(),
        "findings": [
            {
                "claim_id": "0x" + f.claim_id.hex() if f.claim_id else None,
                "check": f.check,
                "result": str(f.result),
                "detail": f.detail,
            }
            for f in report.findings
        ],
    }
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


@dataclass(frozen=True)
class Node(OptionGroup):
    """``--rpc --manifest --claim-ledger --from-block --data-dir``: the node read and where
    the contracts are on it."""

    rpc: Annotated[
        str | None,
        typer.Option(
            "--rpc",
            help="EVM JSON-RPC endpoint (ideally your own node); default: the chain of the "
            "ledger on --data-dir.",
        ),
    ] = None
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="deployment.json naming the contracts.")
    ] = None
    claim_ledger: Annotated[
        str | None,
        typer.Option("--claim-ledger", help="ClaimLedger address (registries are discovered)."),
    ] = None
    from_block: Annotated[
        int | None, typer.Option("--from-block", help="First block to read events from.")
    ] = None
    data_dir: DataDirOpt = None

    def located(self) -> Node:
        """The RPC endpoint and manifest of the ledger on the data directory, where not given."""
        from carbonledger.cli.common import settings_from
        from carbonledger.errors import CarbonLedgerError
        from carbonledger.runtime import where_it_runs

        try:
            settings = settings_from(data_dir=self.data_dir)
        except CarbonLedgerError as exc:
            raise _bad_input(str(exc)) from None
        rpc, manifest = self.rpc, self.manifest
        if rpc is None:
            run = where_it_runs(settings)
            if run is None:
                raise _bad_input(
                    f"give --rpc URL: no ledger has run on data directory {settings.data_dir}"
                )
            rpc = run.rpc_url
        if manifest is None and self.claim_ledger is None and settings.manifest_path.is_file():
            manifest = settings.manifest_path
        return dataclasses.replace(self, rpc=rpc, manifest=manifest)

    @property
    def url(self) -> str:
        assert self.rpc is not None, "located() first"
        return self.rpc

    def addresses(self, port: RpcChainPort) -> Addresses:
        """The contracts named by ``--manifest`` or found from ``--claim-ledger``."""
        return resolve_addresses(
            port, manifest=self.manifest, claim_ledger=self.claim_ledger, from_block=self.from_block
        )


@dataclass(frozen=True)
class OneClaim(OptionGroup):
    """``--claim --document --baseline --proof``: verify one claim against its document."""

    claim: Annotated[str | None, typer.Option("--claim", help="Claim id (0x + 64 hex).")] = None
    document: Annotated[
        Path | None, typer.Option("--document", help="The claim's document (JSON).")
    ] = None
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="For a reduction: its baseline document.")
    ] = None
    proof: Annotated[
        Path | None,
        typer.Option("--proof", help="For a root-anchored claim: its proof file (JSON)."),
    ] = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.claim, self.document, self.baseline, self.proof))

    def run(self, port: RpcChainPort, addresses: Addresses) -> Verification:
        if self.claim is None or self.document is None:
            raise VerifyInputError("claim mode needs both --claim ID and --document FILE")
        return run_claim(
            port,
            addresses,
            parse_claim_id(self.claim),
            self.document,
            baseline=self.baseline,
            proof=self.proof,
        )


@dataclass(frozen=True)
class OneFirm(OptionGroup):
    """``--firm --documents``: verify every claim of a firm against its documents."""

    firm: Annotated[
        str | None, typer.Option("--firm", help="Verify every claim of this firm (address).")
    ] = None
    documents: Annotated[
        Path | None,
        typer.Option("--documents", help="Directory of the firm's claim documents (*.json)."),
    ] = None

    @property
    def given(self) -> bool:
        return self.firm is not None or self.documents is not None

    def run(self, port: RpcChainPort, addresses: Addresses) -> Verification:
        if self.firm is None or self.documents is None:
            raise VerifyInputError("firm mode needs both --firm ADDRESS and --documents DIR")
        return run_firm(port, addresses, parse_address(self.firm, "--firm"), self.documents)


@dataclass(frozen=True)
class Output(OptionGroup):
    """``--failures-only --json --report``: how the findings are shown and kept."""

    failures_only: Annotated[
        bool, typer.Option("--failures-only", help="Print only the failing checks.")
    ] = False
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write the auditor's report: FILE.html or FILE.pdf (its keccak-256 is "
            "printed, to record with the audit verdict).",
        ),
    ] = None

    def check(self) -> None:
        if self.report_file is not None and self.report_file.suffix.lower() not in (
            ".html",
            ".pdf",
        ):
            raise _bad_input(
                f"--report {self.report_file}: the file name must end in .html or .pdf"
            )

    def show(self, run: Verification, rpc: str, firm: str | None) -> typer.Exit:
        """Write the report (``--report``), print the findings; the exit to end with."""
        if self.report_file is not None:
            _write_report(run, rpc, firm, self.report_file)
        if self.as_json:
            _json(run.report)
        else:
            _print(run.report, self.failures_only)
        return typer.Exit(EXIT_OK if run.report.ok else EXIT_FAIL)


def _write_report(run: Verification, rpc: str, firm: str | None, path: Path) -> None:
    from carbonledger.reports.audit import build_report, render, report_hash

    built = build_report(
        run.view, run.docs, run.report, load_default_standard(), rpc_url=rpc,
        firm=firm.lower() if firm else None,
    )  # fmt: skip
    data = render(built, "pdf" if path.suffix.lower() == ".pdf" else "html")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _bad_input(f"cannot write the report to {path}: {exc.strerror or exc}") from None
    err_console.print(f"report written to {path}; its keccak-256: {report_hash(data)}")


def command(
    node: Node,
    one_claim: OneClaim,
    one_firm: OneFirm,
    output: Output,
    credentials: PactCredentials,
    pact: Annotated[
        str | None,
        typer.Option(
            "--pact",
            help="A PACT footprint to check on chain: https://host/3/footprints/ID (with "
            "--client-id/--client-secret) or a JSON file.",
        ),
    ] = None,
) -> None:
    """Verify claims on chain against their documents, without trusting the CarbonLedger service."""
    if pact is not None:
        located = node if node.rpc is not None else node.located()
        _verify_pact(located, pact, credentials, output.as_json)
    if one_claim.given == one_firm.given:
        raise _bad_input(
            "give either --claim ID --document FILE [--baseline FILE] or --firm ADDRESS "
            "--documents DIR"
        )
    if node.rpc is None or (node.manifest is None and node.claim_ledger is None):
        node = node.located()
    if (node.manifest is None) == (node.claim_ledger is None):
        raise _bad_input("give exactly one of --manifest FILE and --claim-ledger ADDRESS")
    output.check()
    mode = one_claim if one_claim.given else one_firm
    load_default_standard()  # the standard's tables belong to the start-up heap
    settle_heap()
    port = RpcChainPort(node.url)
    progress = err_console.status(f"reading the chain at {node.url} and verifying", spinner="dots")
    try:
        progress.start()
        run = mode.run(port, node.addresses(port))
    except VerifyInputError as exc:
        raise _bad_input(str(exc)) from None
    except RpcError as exc:
        raise _bad_input(f"the node at {node.url} answered an error: {exc}") from None
    finally:
        progress.stop()
        port.close()
    raise output.show(run, node.url, one_firm.firm)


def _verify_pact(node: Node, source: str, credentials: PactCredentials, as_json: bool) -> None:
    from carbonledger.pact.fetch import PactFetchError, fetch_footprint
    from carbonledger.pact.verify import verify_footprint

    try:
        if source.startswith(("https://", "http://")):
            pf = fetch_footprint(source, credentials.given("--pact URL"))
        else:
            pf = json.loads(Path(source).read_bytes())
            pf = pf.get("data", pf) if isinstance(pf, dict) else pf
    except PactFetchError as exc:
        raise _bad_input(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise _bad_input(f"{source}: {exc}") from None
    if not isinstance(pf, dict):
        raise _bad_input(f"{source}: not a PACT footprint object")
    port = RpcChainPort(node.url)
    try:
        addresses = None
        if node.manifest is not None or node.claim_ledger is not None:
            addresses = resolve_addresses(
                port, manifest=node.manifest, claim_ledger=node.claim_ledger
            )
        report = verify_footprint(pf, port, addresses)
    except VerifyInputError as exc:
        raise _bad_input(str(exc)) from None
    except RpcError as exc:
        raise _bad_input(f"the node at {node.url} answered an error: {exc}") from None
    finally:
        port.close()
    if as_json:
        findings = [{"check": c, "ok": ok, "detail": d} for c, ok, d in report.findings]
        sys.stdout.write(
            json.dumps({"ok": report.ok, "pfId": report.pf_id, "findings": findings}, indent=2)
            + "\n"
        )
    else:
        table = Table(title=f"PACT footprint {report.pf_id} on chain", title_justify="left")
        table.add_column("check", no_wrap=True)
        table.add_column("result", no_wrap=True)
        table.add_column("detail")
        for check, ok, detail in report.findings:
            word, style = (
                ("note", "yellow")
                if ok is None
                else ("holds", "green")
                if ok
                else ("FAILS", "bold red")
            )
            table.add_row(check, Text(word, style=style), Text(detail))
        console.print(table)
        console.print(
            Text(
                "the footprint is verified on chain" if report.ok else "VERIFICATION FAILED",
                style="bold green" if report.ok else "bold red",
            )
        )
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAIL)
