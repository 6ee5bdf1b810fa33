"""``carbonledger pact``: the PACT client side (pull footprints, use one as a factor)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from carbonledger.cli.common import clear_errors, console
from carbonledger.errors import CarbonLedgerError

pact_app = typer.Typer(help="PACT data exchange (client side).", no_args_is_help=True)


@pact_app.command("pull")
def pull_command(
    host: Annotated[str, typer.Option("--from", help="The supplier's PACT base URL (https).")],
    out: Annotated[Path, typer.Option("--out", help="Directory to keep the footprints in.")],
    client_id: Annotated[str, typer.Option("--client-id", envvar="CARBONLEDGER_PACT_CLIENT_ID")],
    client_secret: Annotated[
        str, typer.Option("--client-secret", envvar="CARBONLEDGER_PACT_CLIENT_SECRET")
    ],
    ca: Annotated[
        Path | None, typer.Option("--ca", help="CA certificate (PEM) of the host.")
    ] = None,
    rpc: Annotated[
        str | None,
        typer.Option("--rpc", help="JSON-RPC node: verify anchored footprints on chain."),
    ] = None,
    product_id: Annotated[
        list[str] | None, typer.Option("--product-id", help="Only these product ids (URNs).")
    ] = None,
) -> None:
    """Fetch a supplier's footprints (PACT v3, client credentials), validate them, verify the
    anchored ones on chain, and keep each with its provenance; exit 1 if any was refused."""
    from carbonledger.pact.fetch import PactFetchError
    from carbonledger.pact.pull import pull

    with clear_errors():
        try:
            results = pull(
                host,
                client_id,
                client_secret,
                out,
                ca=str(ca) if ca else None,
                rpc=rpc,
                query={"productId": product_id} if product_id else None,
            )
        except PactFetchError as exc:
            raise CarbonLedgerError(str(exc)) from None
    table = Table(title=f"PACT footprints from {host}", title_justify="left")
    for column in ("pfId", "kept", "on chain", "detail"):
        table.add_column(column)
    for r in results:
        chain = {True: "verified", False: "FAILS", None: "—"}[r.verified]
        table.add_row(r.pf_id, "yes" if r.kept else "REFUSED", chain, r.detail)
    console.print(table)
    kept = sum(r.kept for r in results)
    console.print(f"kept {kept} of {len(results)} footprint(s) in {out}")
    if kept < len(results):
        raise typer.Exit(1)


@pact_app.command("factor")
def factor_command(
    file: Annotated[Path, typer.Argument(help="A footprint kept by `pact pull`.")],
    factor_id: Annotated[str, typer.Option("--id", help="The factor id to use in claims.")],
) -> None:
    """Print the claim-declared factor (JSON) a pulled footprint gives, its source named."""
    from carbonledger.pact.pull import declared_factor

    with clear_errors():
        try:
            kept = json.loads(file.read_bytes())
            factor = declared_factor(kept, factor_id)
        except OSError as exc:
            raise CarbonLedgerError(f"cannot read {file}: {exc.strerror}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise CarbonLedgerError(f"{file}: {exc}") from None
    console.print_json(json.dumps(factor, ensure_ascii=False))
