"""``carbonledger key new``, ``claim check``, ``claim submit``: a firm signs on its own machine."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from eth_account import Account

from carbonledger.cli.common import clear_errors, console, err_console
from carbonledger.client import LedgerClient, load_keystore
from carbonledger.errors import CarbonLedgerError

PASSWORD_ENV = "CARBONLEDGER_KEY_PASSWORD"

key_app = typer.Typer(help="Member keys, kept in encrypted keystore files.", no_args_is_help=True)
claim_app = typer.Typer(help="Sign and submit claims.", no_args_is_help=True)

KeyOpt = Annotated[
    Path,
    typer.Option(
        "--key",
        help=f"The member's keystore (eth-account JSON); its password from ${PASSWORD_ENV} or "
        "a prompt.",
    ),
]
ApiOpt = Annotated[
    str, typer.Option("--api", help="The CarbonLedger API.", envvar="CARBONLEDGER_API_URL")
]


def _password(confirm: bool = False) -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    return str(typer.prompt("keystore password", hide_input=True, confirmation_prompt=confirm))


@key_app.command("new")
def key_new(
    out: Annotated[Path, typer.Option("--out", help="Where to write the keystore.")],
) -> None:
    """Create a new member key in an encrypted keystore; prints its address."""
    with clear_errors():
        if out.exists():
            raise CarbonLedgerError(f"{out} already exists; not overwriting a key")
        account = Account.create()
        keystore = Account.encrypt(account.key, _password(confirm=True))
        out.write_text(json.dumps(keystore))
        out.chmod(0o600)
    console.print(account.address)


@claim_app.command("submit")
def submit(
    file: Annotated[Path, typer.Argument(help="The claim document (JSON).")],
    key: KeyOpt,
    api: ApiOpt = "http://127.0.0.1:8000",
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="A reduction's baseline document.")
    ] = None,
) -> None:
    """Sign a claim with the firm's key (locally) and submit it; prints the API's answer."""
    with clear_errors():
        try:
            document = file.read_bytes()
            baseline_bytes = baseline.read_bytes() if baseline else None
        except OSError as exc:
            raise CarbonLedgerError(f"cannot read {exc.filename}: {exc.strerror}") from None
        account = load_keystore(key, _password())
        client = LedgerClient(api, account)
        try:
            client.login()
            client.register_vault_key()
            answer = client.submit_claim(document, baseline=baseline_bytes)
        finally:
            client.close()
    console.print_json(json.dumps(answer, ensure_ascii=False))
    if not answer["check"]["passed"]:
        err_console.print("the claim was recorded, but it FAILED the standard check")
        raise typer.Exit(1)


@claim_app.command("check")
def check_claim(
    file: Annotated[Path, typer.Argument(help="The claim document (JSON).")],
    key: KeyOpt,
    api: ApiOpt = "http://127.0.0.1:8000",
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="A reduction's baseline document.")
    ] = None,
) -> None:
    """The service's dry-run check of a claim (POST /claims/check): its report and the claim
    that would be signed, with nothing signed or stored. Exit 0 pass, 1 fail."""
    with clear_errors():
        try:
            document = file.read_bytes()
            baseline_bytes = baseline.read_bytes() if baseline else None
        except OSError as exc:
            raise CarbonLedgerError(f"cannot read {exc.filename}: {exc.strerror}") from None
        client = LedgerClient(api, load_keystore(key, _password()))
        try:
            client.login()
            answer = client.check_claim(document, baseline=baseline_bytes)
        finally:
            client.close()
    console.print_json(json.dumps(answer, ensure_ascii=False))
    if not answer["passed"]:
        err_console.print("the claim FAILS the standard check: fix it before submitting")
        raise typer.Exit(1)
