"""Entry point of the ``carbonledger`` command: one Typer app, sub-apps per resource."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="carbonledger",
    help="CarbonLedger: shared, verifiable supply-chain carbon footprints.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# --- sub-command groups (one module per resource, registered here) ---


def main() -> None:
    app()
