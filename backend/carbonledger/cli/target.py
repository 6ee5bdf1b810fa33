"""``carbonledger target sign|track``: a firm's signed reduction target and its trajectory on
verified claims against the linear path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from carbonledger.cli.common import clear_errors, console
from carbonledger.cli.options import App
from carbonledger.cli.session import Member, keystore_address
from carbonledger.errors import CarbonLedgerError
from carbonledger.planner.targets import Target, TrajectoryRow, gap_to_target
from carbonledger.tracking import recorded_targets, sign_document, trajectory

target_app = App(help="Reduction targets: sign and record one, track it.", no_args_is_help=True)


def print_trajectory(target: Target, rows: list[TrajectoryRow]) -> None:
    console.print(
        f"target of {target.firm}: -{target.reduction_bps / 100:g}% by {target.target_year} "
        f"against {target.base_year} ({target.kind.replace('_', '-')}, scopes "
        f"{', '.join(map(str, target.scopes))}"
        + (f", Scope 3 cat. {', '.join(map(str, target.categories))}" if target.categories else "")
        + ("; audited claims only" if target.audited_only else "")
        + ")"
    )
    console.print(f"  {'year':<6}{'linear path t':>15}{'verified t':>13}{'gap t':>10}  source")
    for r in rows:
        actual = f"{r.actual_kg / 1000:,.3f}" if r.actual_kg is not None else "-"
        gap = f"{r.gap_kg / 1000:+,.3f}" if r.gap_kg is not None else ""
        console.print(f"  {r.year:<6}{r.path_kg / 1000:>15,.3f}{actual:>13}{gap:>10}  {r.source}")
    gap_kg = gap_to_target(rows)
    console.print(
        f"  still to cut by {target.target_year}: {gap_kg / 1000:,.3f} t "
        f"(plan it: carbonledger plan --tonnes {gap_kg / 1000:.3f} …)"
    )


@target_app.command("sign")
def sign(
    member: Member,
    base_claim: Annotated[str, typer.Option("--base-claim", help="Verified base footprint.")],
    base_year: Annotated[int, typer.Option("--base-year")],
    target_year: Annotated[int, typer.Option("--target-year")],
    pct: Annotated[float, typer.Option("--pct", help="Cut, % of the base year's emissions.")],
    out: Annotated[Path, typer.Option("--out", help="Write the signed target here.")],
    scopes: Annotated[str, typer.Option("--scopes", help="e.g. 1,2 or 1,2,3")] = "1,2",
    categories: Annotated[str, typer.Option("--categories", help="Scope 3 cat., e.g. 4,9")] = "",
    kind: Annotated[str, typer.Option("--kind", help="near_term or net_zero")] = "near_term",
    audited_only: Annotated[bool, typer.Option("--audited-only")] = False,
) -> None:
    """Sign a reduction target (EIP-712) with the firm's key, checked against its base claim,
    and record it on chain (TargetRegistry, relayed by the service)."""
    with clear_errors():
        try:
            target = Target(
                firm=keystore_address(member.key),
                base_claim_id=base_claim.lower(),
                base_year=base_year,
                target_year=target_year,
                reduction_bps=round(pct * 100),
                scopes=tuple(int(s) for s in scopes.split(",") if s),
                categories=tuple(int(c) for c in categories.split(",") if c),
                kind=kind,
                audited_only=audited_only,
            )
        except ValueError as exc:
            raise CarbonLedgerError(f"scopes/categories: comma-separated numbers ({exc})") from None
        with member.signing() as client:
            document = sign_document(client, target)
    out.write_text(json.dumps(document, indent=2), encoding="utf-8")
    console.print(
        f"target signed ({document['signature'][:18]}…) and recorded on chain as "
        f"{document['target_id']} (tx {document['tx_hash']}); written to {out}"
    )


@target_app.command("track")
def track_command(
    member: Member,
    target_file: Annotated[
        Path | None, typer.Option("--target", help="A signed target (target sign --out).")
    ] = None,
    firm: Annotated[
        str | None, typer.Option("--firm", help="Another firm's targets (default: yours).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A recorded target's trajectory on verified claims against the linear path.

    The target is read from the chain (the TargetRegistry, through the API): the one of
    ``--target``'s file, else the firm's latest."""
    with clear_errors():
        wanted: str | None = None
        if target_file is not None:
            try:
                wanted = str(json.loads(target_file.read_text(encoding="utf-8"))["target_id"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CarbonLedgerError(f"--target: cannot read {target_file}: {exc}") from None
        with member.signing() as client:
            owner = firm or client.address
            recorded = recorded_targets(client, owner)
            if wanted is not None:
                recorded = [(i, t) for i, t in recorded if i.lower() == wanted.lower()]
            if not recorded:
                raise CarbonLedgerError(
                    f"--target: no such target recorded on chain for {owner}"
                    if wanted
                    else f"--firm: {owner} has recorded no target"
                )
            target_id, target = recorded[-1]
            rows = trajectory(client, target)
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "target_id": target_id,
                    "target": target.to_json(),
                    "trajectory": [
                        {
                            "year": r.year,
                            "path_kg": str(r.path_kg),
                            "actual_kg": None if r.actual_kg is None else str(r.actual_kg),
                            "source": r.source,
                        }
                        for r in rows
                    ],
                }
            )
        )
        return
    console.print(f"recorded on chain as {target_id}")
    print_trajectory(target, rows)
