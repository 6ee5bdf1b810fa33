"""``carbonledger member ...``: admins propose, approve and execute membership changes.

Each admin signs its own transactions with its own key (``--key KEYSTORE``; on the embedded
development chain the deployer, its first admin, is the default). The chain and contracts are
those of the data directory's deployment (or ``--rpc-url``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak
from rich.table import Table

from carbonledger.chain.admin import ROLE_BITS, approve, propose_about, propose_admission
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.chain.client import connect
from carbonledger.chain.manifest import read_manifest
from carbonledger.chain.sender import TxSender
from carbonledger.cli.common import DataDirOpt, RpcUrlOpt, clear_errors, console, settings_from
from carbonledger.cli.session import PASSWORD_ENV, AddressesOpt, ApiOpt, JsonOpt, KeyOpt, reader
from carbonledger.client import load_keystore
from carbonledger.errors import CarbonLedgerError
from carbonledger.runtime import RunInfo

member_app = typer.Typer(
    help="Members: list and show them; admins propose and approve changes (k-of-n quorum).",
    no_args_is_help=True,
)

AdminKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help=f"The admin's keystore (password from ${PASSWORD_ENV} or a prompt); by default "
        "the deployer key of the settings (the embedded chain's first admin).",
    ),
]


def _admin(
    data_dir: Path | None,
    rpc_url: str | None,
    key: Path | None,
    contract: str = "MemberRegistry",
) -> tuple[TxSender, object]:
    """An admin's transaction sender and the deployment's ``contract`` (the MemberRegistry,
    or the StandardRegistry for ``carbonledger standard publish``)."""
    settings = settings_from(data_dir=data_dir, rpc_url=rpc_url)
    manifest = read_manifest(settings.manifest_path)
    if manifest is None:
        raise CarbonLedgerError(
            f"no deployment in {settings.data_dir}: run `carbonledger up` first"
        )
    run = RunInfo.read(settings.pid_path)
    url = rpc_url or (run.rpc_url if run and run.alive() else settings.effective_rpc_url)
    w3 = connect(url)
    if key is not None:
        password = os.environ.get(PASSWORD_ENV) or typer.prompt(
            "keystore password", hide_input=True
        )
        private_key = "0x" + bytes(load_keystore(key, password).key).hex()
    else:
        private_key = settings.keys().deployer
    artifacts = load_artifacts(settings.project_root)
    registry = w3.eth.contract(
        address=to_checksum_address(manifest.address(contract)),
        abi=artifacts[contract].abi,
    )
    sender = TxSender(w3, private_key)
    # the registry would revert (seen as "out of gas" by the gas estimate): say why instead
    members = w3.eth.contract(
        address=to_checksum_address(manifest.address("MemberRegistry")),
        abi=artifacts["MemberRegistry"].abi,
    )
    if not members.functions.hasRole(sender.address, ROLE_BITS["admin"]).call():
        raise CarbonLedgerError(
            f"{sender.address} is not an active admin of the MemberRegistry at "
            f"{members.address}: only admins propose and approve membership and standard "
            "changes"
        )
    return sender, registry


def _address(value: str, what: str) -> str:
    if not is_address(value):
        raise CarbonLedgerError(f"{what} {value!r} is not an address")
    return to_checksum_address(value)


def _report(proposal_id: int, executed: bool) -> None:
    state = "executed" if executed else "waiting for more admin approvals"
    console.print(f"proposal {proposal_id}: {state}")


@member_app.command("admit")
def admit(
    account: Annotated[str, typer.Argument(help="The new member's account address.")],
    name: Annotated[str, typer.Option("--name", help="Display name (any script).")],
    roles: Annotated[
        str, typer.Option("--roles", help="Comma-separated: " + ", ".join(ROLE_BITS))
    ] = "firm",
    identifier: Annotated[
        str | None, typer.Option("--identifier", help="Business registration number (hashed).")
    ] = None,
    signing_key: Annotated[
        str | None, typer.Option("--signing-key", help="Its signing key (default: the account).")
    ] = None,
    key: AdminKeyOpt = None,
    data_dir: DataDirOpt = None,
    rpc_url: RpcUrlOpt = None,
) -> None:
    """Propose admitting a member (executed at once when this approval reaches the quorum)."""
    with clear_errors():
        wanted = tuple(r.strip() for r in roles.split(",") if r.strip())
        unknown = [r for r in wanted if r not in ROLE_BITS]
        if unknown or not wanted:
            raise CarbonLedgerError(f"--roles: unknown role(s) {unknown or roles!r}")
        member = _address(account, "account")
        sender, registry = _admin(data_dir, rpc_url, key)
        outcome = propose_admission(
            sender,
            registry,  # type: ignore[arg-type]
            account=member,
            name=name,
            identifier_hash=keccak(text=identifier or f"account:{member}"),
            signing_key=_address(signing_key, "--signing-key") if signing_key else None,
            roles=wanted,
        )
    _report(outcome.proposal_id, outcome.executed)


def _about(action: str) -> None:
    @member_app.command(action.lower())
    def command(
        account: Annotated[str, typer.Argument(help="The member's account address.")],
        key: AdminKeyOpt = None,
        data_dir: DataDirOpt = None,
        rpc_url: RpcUrlOpt = None,
    ) -> None:
        with clear_errors():
            sender, registry = _admin(data_dir, rpc_url, key)
            outcome = propose_about(sender, registry, action, _address(account, "account"))  # type: ignore[arg-type]
        _report(outcome.proposal_id, outcome.executed)

    command.__doc__ = f"Propose the {action.lower()} of a member."


for _action in ("Suspension", "Reinstatement", "Removal"):
    _about(_action)


@member_app.command("approve")
def approve_command(
    proposal: Annotated[int, typer.Argument(help="The proposal id.")],
    key: AdminKeyOpt = None,
    data_dir: DataDirOpt = None,
    rpc_url: RpcUrlOpt = None,
) -> None:
    """Approve a pending proposal (and execute it when the quorum is reached)."""
    with clear_errors():
        sender, registry = _admin(data_dir, rpc_url, key)
        outcome = approve(sender, registry, proposal)  # type: ignore[arg-type]
    _report(outcome.proposal_id, outcome.executed)


@member_app.command("list")
def list_members(
    key: KeyOpt,
    api: ApiOpt = None,
    data_dir: DataDirOpt = None,
    addresses: AddressesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Every member: name, roles, status (and address with --addresses)."""
    with clear_errors(), reader(key, api, data_dir) as session:
        members = session.members()
    if as_json:
        console.print_json(json.dumps(members, ensure_ascii=False))
        return
    table = Table(title=f"{len(members)} member(s)", title_justify="left")
    for column in ("name", "roles", "status", "admitted (block)"):
        table.add_column(column)
    if addresses:
        table.add_column("address", no_wrap=True)
    for m in members:
        row = [m["name"], ", ".join(m["roles"]), m["status"], str(m["admitted_block"])]
        table.add_row(*row, *([m["account"]] if addresses else []))
    console.print(table)


@member_app.command("show")
def show_member(
    member: Annotated[str, typer.Argument(help="The member, by name or address.")],
    key: KeyOpt,
    api: ApiOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only its address.")] = False,
) -> None:
    """One member: name, address, roles, status, signing key, admission."""
    from carbonledger.cli.session import Names

    with clear_errors(), reader(key, api, data_dir) as session:
        found = session.member(Names(session).resolve(member))
    if quiet:
        console.print(found["account"])
        return
    if as_json:
        console.print_json(json.dumps(found, ensure_ascii=False))
        return
    for label in ("name", "account", "roles", "status", "signing_key", "identifier_hash"):
        value = found[label]
        console.print(
            f"{label.replace('_', ' '):<16}{', '.join(value) if isinstance(value, list) else value}"
        )
    console.print(f"{'admitted':<16}block {found['admitted_block']}, tx {found['admitted_tx']}")
