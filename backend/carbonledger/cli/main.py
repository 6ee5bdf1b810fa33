"""Entry point of the ``carbonledger`` command: one Typer app, sub-apps per resource."""

from __future__ import annotations

import typer

from carbonledger.cli import ledger, service
from carbonledger.cli.audit import audit_app
from carbonledger.cli.claim import claim_app, key_app, login_command
from carbonledger.cli.common import err_console
from carbonledger.cli.demo import command as demo_command
from carbonledger.cli.member import member_app
from carbonledger.cli.options import App
from carbonledger.cli.pact import pact_app
from carbonledger.cli.plan import command as plan_command
from carbonledger.cli.settlement import overlaps_app, settlement_app
from carbonledger.cli.standard import app as standard_app
from carbonledger.cli.target import target_app
from carbonledger.cli.verify import command as verify_command

app = App(
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
app.add_typer(audit_app, name="audit")
app.add_typer(key_app, name="key")
app.command("login")(login_command)
app.add_typer(claim_app, name="claim")
app.add_typer(member_app, name="member")
app.add_typer(overlaps_app, name="overlaps")
app.add_typer(settlement_app, name="settlement")
app.command("demo")(demo_command)
app.add_typer(pact_app, name="pact")
app.command("plan")(plan_command)
app.add_typer(target_app, name="target")


def main() -> None:
    """Run the command; whatever escapes a command becomes one line, never a traceback."""
    import os

    from typer._click import ClickException

    from carbonledger.cli.common import explain

    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        raise SystemExit(130) from None
    except ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except Exception as exc:
        if os.environ.get("CARBONLEDGER_DEBUG"):
            raise
        message, exit_code = explain(exc)
        err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
        raise SystemExit(exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
