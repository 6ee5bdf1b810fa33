"""Entry point of the ``carbonledger`` command: one Typer app, sub-apps per resource."""

from __future__ import annotations

import typer

from carbonledger.cli import ledger

app = typer.Typer(
    name="carbonledger",
    help="CarbonLedger: shared, verifiable supply-chain carbon footprints.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# --- sub-command groups (one module per resource, registered here) ---
ledger.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
