"""Entry point of the ``carbonledger`` command: one Typer app, sub-apps per resource."""

from __future__ import annotations

import typer

from carbonledger.cli import ledger, service
from carbonledger.cli.claim import claim_app, key_app
from carbonledger.cli.demo import command as demo_command
from carbonledger.cli.member import member_app
from carbonledger.cli.pact import pact_app
from carbonledger.cli.plan import command as plan_command
from carbonledger.cli.settlement import overlaps_app, settlement_app
from carbonledger.cli.standard import app as standard_app
from carbonledger.cli.target import target_app
from carbonledger.cli.verify import command as verify_command

app = typer.Typer(
    name="carbonledger",
    help="CarbonLedger: shared, verifiable supply-chain carbon footprints.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# --- sub-command groups (one module per resource, registered here) ---
ledger.register(app)
service.register(app)
app.add_typer(standard_app, name="standard")
app.command("verify")(verify_command)
app.add_typer(key_app, name="key")
app.add_typer(claim_app, name="claim")
app.add_typer(member_app, name="member")
app.add_typer(overlaps_app, name="overlaps")
app.add_typer(settlement_app, name="settlement")
app.command("demo")(demo_command)
app.add_typer(pact_app, name="pact")
app.command("plan")(plan_command)
app.add_typer(target_app, name="target")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
