"""``carbonledger standard ...``: compute, check and inspect claims under the unified standard.

Commands::

    carbonledger standard calc FILE [--shipment REF]  # totals (per line, per scope) and
        # transport activity/intensity (per line, shipment, TOC, HOC); or one shipment's footprint
    carbonledger standard check FILE [--baseline FILE] [--allocations FILE]
        # prints the report; exit 0 pass, 1 fail, 2 not a claim document (message says why)
    carbonledger standard factors [--json]             # the factor table
    carbonledger standard version                      # standard version id and content hash
    carbonledger standard schema                       # JSON Schema of claim documents

JSON is written as UTF-8 (names in any script round-trip unescaped).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from carbonledger.standard import (
    Claim,
    ClaimFormatError,
    StandardError,
    check,
    claim_json_schema,
    compute,
    document_hash,
    load_default_standard,
    parse_claim,
)
from carbonledger.standard.numbers import DECIMAL_RE, fmt
from carbonledger.standard.transport import transport_activity

app = typer.Typer(
    help="The unified calculation standard: compute and check claim documents.",
    no_args_is_help=True,
)

EXIT_PASS, EXIT_FAIL, EXIT_NOT_A_CLAIM = 0, 1, 2


def _emit(obj: Any) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def _fail_not_claim(path: Path, why: str) -> typer.Exit:
    sys.stderr.write(f"{path}: not a claim document: {why}\n")
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
        raise _fail_not_claim(path, f"\n  {lines}{more}") from exc


FileArg = Annotated[Path, typer.Argument(help="claim document (JSON)", show_default=False)]


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
) -> None:
    """Print the computed totals as JSON: per line, per scope/category (kgCO2e), and the
    transport activity and intensity per line, shipment, TOC and HOC."""
    claim = _read_claim(file)
    std = load_default_standard()
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
                **footprint.to_json_obj(std.report_quantum),
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
) -> None:
    """Check a claim and print the report. Exit 0 pass, 1 fail, 2 not a claim document."""
    claim = _read_claim(file)
    base = _read_claim(baseline) if baseline is not None else None
    allocs = _read_allocations(allocations) if allocations is not None else None
    report = check(claim, load_default_standard(), baseline=base, allocations=allocs)
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


@app.command()
def version() -> None:
    """Print the default standard's version id and content hash (bytes32, goes on chain)."""
    std = load_default_standard()
    _emit(
        {
            "version_id": std.version_id,
            "content_hash": "0x" + std.content_hash.hex(),
            "methodology_version": std.methodology_version,
            "factor_count": len(std.factors),
            "gwp_sets": sorted(std.gwp_sets),
        }
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of claim documents."""
    _emit(claim_json_schema())
