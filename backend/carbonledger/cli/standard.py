"""``carbonledger standard ...``: compute, check and inspect claims under the unified standard.

Commands::

    carbonledger standard calc FILE [--shipment REF]  # totals (per line, per scope) and
        # transport activity/intensity (per line, shipment, TOC, HOC); or one shipment's footprint
    carbonledger standard check FILE [--baseline FILE] [--allocations FILE]
        # prints the report; exit 0 pass, 1 fail, 2 not a claim document (message says why)
    carbonledger standard factors [--json]             # the factor table
    carbonledger standard version                      # standard version id and content hash
    carbonledger standard versions                     # every shipped (runnable) version
    carbonledger standard publish [--version V] [--key KEYSTORE]  # register on chain (admin)
    # check and calc run the version the claim names (or --under V)
    carbonledger standard schema                       # JSON Schema of claim documents

JSON is written as UTF-8 (names in any script round-trip unescaped).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from carbonledger.cli.admin import Admin
from carbonledger.cli.options import App
from carbonledger.standard import (
    Claim,
    ClaimFormatError,
    Standard,
    StandardError,
    check,
    claim_json_schema,
    compute,
    current_version,
    document_hash,
    load_default_standard,
    load_version,
    parse_claim,
    shipped_versions,
    standard_named,
)
from carbonledger.standard.numbers import DECIMAL_RE, fmt
from carbonledger.standard.transport import transport_activity

if TYPE_CHECKING:
    from carbonledger.chain.admin import StandardProposal

app = App(
    help="The unified calculation standard: compute and check claim documents.",
    no_args_is_help=True,
)

EXIT_PASS, EXIT_FAIL, EXIT_NOT_A_CLAIM = 0, 1, 2


def _emit(obj: Any) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def _fail_not_claim(path: Path, why: str, *, what: str = "not a claim document") -> typer.Exit:
    sys.stderr.write(f"{path}: {what}: {why}\n")
    return typer.Exit(EXIT_NOT_A_CLAIM)


def _read_claim(path: Path) -> Claim:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail_not_claim(path, f"cannot read the file ({exc.strerror})") from exc
    try:
        return parse_claim(data)
    except ClaimFormatError as exc:
        lines = "\n  ".join(str(p) for p in exc.problems[:50])
        more = f"\n  ... and {len(exc.problems) - 50} more" if len(exc.problems) > 50 else ""
        what = "not a claim document"
        # a document valid but for unknown fields is a claim document: name the fields
        if all(p.message.startswith("unknown field") for p in exc.problems):
            names = ", ".join(p.path for p in exc.problems)
            what = f"invalid claim document: unknown field(s) {names}"
        raise _fail_not_claim(path, f"\n  {lines}{more}", what=what) from exc


FileArg = Annotated[Path, typer.Argument(help="claim document (JSON)", show_default=False)]
UnderOpt = Annotated[
    str | None,
    typer.Option(
        "--under",
        help="methodology version to run (e.g. 1.0.0); by default the version the claim names "
        "when it is shipped, else the current one",
    ),
]
DECLARED_FIGURE_RULES = frozenset({"CALC001", "TRN004"})
"""Line findings about a filer's declared figure: the line itself is computed and counted."""


def _standard_for(claim: Claim, under: str | None) -> Standard:
    try:
        if under is not None:
            return load_version(under)
    except StandardError as exc:
        sys.stderr.write(f"--under: {exc}\n")
        raise typer.Exit(EXIT_NOT_A_CLAIM) from exc
    return standard_named(claim.standard_version) or load_default_standard()


@app.command()
def calc(
    file: FileArg,
    shipment: Annotated[
        str | None,
        typer.Option(
            help="print only this shipment's footprint (shipment_ref, 0x + 64 hex): its legs "
            "and hubs in order, tkm, TTW/WTT/WTW and intensity (ISO 14083)"
        ),
    ] = None,
    under: UnderOpt = None,
) -> None:
    """Print the computed totals as JSON: per line, per scope/category (kgCO2e), and the
    transport activity and intensity per line, shipment, TOC and HOC."""
    claim = _read_claim(file)
    std = _standard_for(claim, under)
    rejected = [
        f
        for f in check(claim, std).errors
        if f.path.startswith("lines[") and f.rule not in DECLARED_FIGURE_RULES
    ]
    if rejected:
        # calc never counts a line the checker rejects (a total would silently include it)
        shown = "\n  ".join(f"{f.rule} {f.path}: {f.message}" for f in rejected[:50])
        sys.stderr.write(f"{file}: cannot compute: the checker rejects these lines:\n  {shown}\n")
        raise typer.Exit(EXIT_FAIL)
    try:
        totals = compute(claim, std)
        transport = transport_activity(claim, std, totals)
        if shipment is not None:
            footprint = transport.shipment(shipment)
    except StandardError as exc:
        sys.stderr.write(f"{file}: cannot compute: {exc}\n")
        raise typer.Exit(EXIT_FAIL) from exc
    if shipment is not None:
        _emit(
            {
                "standard_version": std.version_id,
                "document_hash": "0x" + document_hash(claim).hex(),
                **footprint.to_json_obj(
                    std.report_quantum, intensity_quantum=std.intensity_quantum
                ),
            }
        )
        return
    out = totals.to_json_obj()
    out["transport"] = transport.to_json_obj()
    out["document_hash"] = "0x" + document_hash(claim).hex()
    _emit(out)


def _read_allocations(path: Path) -> dict[str, Decimal]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"), parse_float=lambda s: float(s))
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"{path}: cannot read allocations: {exc}\n")
        raise typer.Exit(EXIT_NOT_A_CLAIM) from exc
    out: dict[str, Decimal] = {}
    if not isinstance(obj, dict):
        sys.stderr.write(f"{path}: allocations must be an object settlement_id -> kgCO2e\n")
        raise typer.Exit(EXIT_NOT_A_CLAIM)
    for key, value in obj.items():
        ok = (type(value) is str and DECIMAL_RE.fullmatch(value)) or type(value) is int
        if not ok:
            sys.stderr.write(f"{path}: {key}: write the allocation as a decimal string\n")
            raise typer.Exit(EXIT_NOT_A_CLAIM)
        out[key] = Decimal(value)
    return out


@app.command("check")
def check_cmd(
    file: FileArg,
    baseline: Annotated[
        Path | None, typer.Option(help="baseline footprint (for a reduction claim)")
    ] = None,
    allocations: Annotated[
        Path | None,
        typer.Option(help="JSON object: settlement id -> allocated kgCO2e (from the ledger)"),
    ] = None,
    under: UnderOpt = None,
) -> None:
    """Check a claim under the version it names (or ``--under``) and print the report.
    Exit 0 pass, 1 fail, 2 not a claim document."""
    claim = _read_claim(file)
    base = _read_claim(baseline) if baseline is not None else None
    allocs = _read_allocations(allocations) if allocations is not None else None
    report = check(claim, _standard_for(claim, under), baseline=base, allocations=allocs)
    out = report.canonical_object()
    out["report_hash"] = "0x" + report.report_hash.hex()
    _emit(out)
    raise typer.Exit(EXIT_PASS if report.passed else EXIT_FAIL)


@app.command()
def factors(
    as_json: Annotated[bool, typer.Option("--json", help="full records as JSON")] = False,
) -> None:
    """List the factor table of the default standard (id, value, unit, year, source)."""
    std = load_default_standard()
    if as_json:
        _emit(
            [
                {
                    "id": f.id,
                    "name": f.name,
                    "value": fmt(f.value),
                    "unit": f.unit,
                    "kind": f.kind,
                    "basis": f.basis,
                    "gwp_basis": f.gwp_basis,
                    "gases": {g: fmt(v) for g, v in f.gases.items()},
                    "year": f.year,
                    "region": f.region,
                    "source": dict(f.source),
                    "licence": f.licence,
                    "verification": f.verification,
                }
                for f in std.factors.values()
            ]
        )
        return
    rows = [f"{'id':<52} {'value':>14} {'unit':<14} {'year':<5} source"]
    for f in std.factors.values():
        rows.append(
            f"{f.id:<52} {fmt(f.value)[:14]:>14} {f.unit:<14} {f.year:<5} "
            f"{f.source.get('document', '')[:80]}"
        )
    sys.stdout.buffer.write(("\n".join(rows) + "\n").encode("utf-8"))


def _describe(std: Standard) -> dict[str, Any]:
    return {
        "version_id": std.version_id,
        "content_hash": "0x" + std.content_hash.hex(),
        "methodology_version": std.methodology_version,
        "rule_set": std.rule_set.id,
        "factor_count": len(std.factors),
        "gwp_sets": sorted(std.gwp_sets),
    }


@app.command()
def version() -> None:
    """Print the current standard's version id and content hash (bytes32, goes on chain)."""
    _emit(_describe(load_default_standard()))


@app.command()
def versions() -> None:
    """List every shipped version (each stays runnable: claims re-check under their own)."""
    _emit(
        {
            "current": current_version(),
            "versions": [_describe(load_version(v)) for v in shipped_versions()],
        }
    )


def _proposal(outcome: StandardProposal) -> dict[str, object]:
    return {
        "proposal_id": outcome.proposal_id,
        "executed": outcome.executed,
        "onchain_version": outcome.version,
    }


@app.command()
def publish(
    admin: Admin,
    methodology_version: Annotated[
        str | None,
        typer.Option("--version", help="methodology version to publish (default: the current)"),
    ] = None,
) -> None:
    """Compute a shipped version's content hash and propose registering it in the
    StandardRegistry.

    Sent from an admin's own key. The proposal executes once the admins' quorum approved it
    (at once with quorum 1; otherwise other admins run `standard approve ID`). Publishing
    leaves earlier versions in force until they are retired. A version already registered is
    reported, not proposed again."""
    # chain imports (web3) only for this command: the others are pure and start fast
    from carbonledger.chain.admin import propose_publication

    wanted = methodology_version or current_version()
    try:
        std = load_version(wanted)
    except StandardError as exc:
        sys.stderr.write(f"--version: {exc}\n")
        raise typer.Exit(EXIT_NOT_A_CLAIM) from exc
    outcome = admin.send(
        lambda s, r: propose_publication(s, r, std.content_hash), contract="StandardRegistry"
    )
    _emit({**_describe(std), **_proposal(outcome)})


def _on_registry(admin: Admin, act: Callable[..., StandardProposal], *args: Any) -> None:
    """``act(sender, registry, *args)`` as the admin on the StandardRegistry; its outcome."""
    outcome = admin.send(lambda s, r: act(s, r, *args), contract="StandardRegistry")
    _emit(_proposal(outcome))


@app.command()
def approve(
    proposal: Annotated[int, typer.Argument(help="The StandardRegistry proposal id.")],
    admin: Admin,
) -> None:
    """Approve a pending publication or retirement with another admin's key (it executes when
    the approvals reach the quorum)."""
    from carbonledger.chain.admin import approve_standard

    _on_registry(admin, approve_standard, proposal)


@app.command()
def retire(
    onchain_version: Annotated[int, typer.Argument(help="The on-chain version number.")],
    admin: Admin,
) -> None:
    """Propose retiring an on-chain version: once executed, new claims may no longer be filed
    under it (claims recorded under it stay valid)."""
    from carbonledger.chain.admin import propose_retirement

    _on_registry(admin, propose_retirement, onchain_version)


@app.command()
def schema() -> None:
    """Print the JSON Schema of claim documents."""
    _emit(claim_json_schema())
