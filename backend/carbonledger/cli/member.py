"""``carbonledger member ...``: admins propose, approve and execute membership changes.

Each admin signs its own transactions with its own key (``--key KEYSTORE``; on the embedded
development chain the deployer, its first admin, is the default). The chain and contracts are
those of the data directory's deployment (or ``--rpc-url``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak
from rich.table import Table

from carbonledger.cli.admin import Admin
from carbonledger.cli.common import clear_errors, console
from carbonledger.cli.options import App
from carbonledger.cli.session import JsonOpt, Member, Names, Shown, moment
from carbonledger.errors import CarbonLedgerError
from carbonledger.vocab.constants import ROLE_BITS

member_app = App(
    help="Members: list and show them; admins propose and approve changes (k-of-n quorum).",
    no_args_is_help=True,
)


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
    admin: Admin,
    roles: Annotated[
        str, typer.Option("--roles", help="Comma-separated: " + ", ".join(ROLE_BITS))
    ] = "firm",
    identifier: Annotated[
        str | None, typer.Option("--identifier", help="Business registration number (hashed).")
    ] = None,
    signing_key: Annotated[
        str | None, typer.Option("--signing-key", help="Its signing key (default: the account).")
    ] = None,
) -> None:
    """Propose admitting a member (executed at once when this approval reaches the quorum)."""
    from carbonledger.chain.admin import propose_admission  # web3: for the admins' commands

    with clear_errors():
        wanted = tuple(r.strip() for r in roles.split(",") if r.strip())
        unknown = [r for r in wanted if r not in ROLE_BITS]
        if unknown or not wanted:
            raise CarbonLedgerError(f"--roles: unknown role(s) {unknown or roles!r}")
        member = _address(account, "account")
        outcome = admin.send(
            lambda sender, registry: propose_admission(
                sender,
                registry,
                account=member,
                name=name,
                identifier_hash=keccak(text=identifier or f"account:{member}"),
                signing_key=_address(signing_key, "--signing-key") if signing_key else None,
                roles=wanted,
            )
        )
    _report(outcome.proposal_id, outcome.executed)


AccountArg = Annotated[str, typer.Argument(help="The member's account address.")]


def _about(action: str) -> None:
    @member_app.command(action.lower())
    def command(account: AccountArg, admin: Admin) -> None:
        from carbonledger.chain.admin import propose_about

        member = _address(account, "account")
        outcome = admin.send(
            lambda sender, registry: propose_about(sender, registry, action, member)
        )
        _report(outcome.proposal_id, outcome.executed)

    command.__doc__ = f"Propose the {action.lower()} of a member."


for _action in ("Suspension", "Reinstatement", "Removal"):
    _about(_action)


@member_app.command("approve")
def approve_command(
    proposal: Annotated[int, typer.Argument(help="The proposal id.")], admin: Admin
) -> None:
    """Approve a pending proposal (and execute it when the quorum is reached)."""
    from carbonledger.chain.admin import approve

    outcome = admin.send(lambda sender, registry: approve(sender, registry, proposal))
    _report(outcome.proposal_id, outcome.executed)


@member_app.command("list")
def list_members(member: Member, shown: Shown) -> None:
    """Every member: name, roles, status (and address with --addresses)."""
    with member.reading() as session:
        members = session.members()
    if shown.printed_json(members):
        return
    table = Table(title=f"{len(members)} member(s)", title_justify="left")
    for column in ("name", "roles", "status", "admitted (block)"):
        table.add_column(column)
    if shown.addresses:
        table.add_column("address", no_wrap=True)
    for m in members:
        row = [m["name"], ", ".join(m["roles"]), m["status"], str(m["admitted_block"])]
        table.add_row(*row, *([m["account"]] if shown.addresses else []))
    console.print(table)


@member_app.command("show")
def show_member(
    member: Annotated[str, typer.Argument(help="The member, by name or address.")],
    me: Member,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only its address.")] = False,
) -> None:
    """One member: name, address, roles, status, signing key, admission."""
    with me.reading() as session:
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


EveryOpt = Annotated[
    bool, typer.Option("--all", help="Also the latest executed and expired proposals.")
]


def _proposed(p: dict[str, Any], names: Names) -> str:
    """What a proposal would do, in words."""
    roles = ", ".join(p["roles"])
    match p["action"]:
        case "admit":
            return f"admit {p['name'] or names(p['account'])} ({roles})"
        case "set_roles":
            return f"roles of {names(p['account'])} → {roles}"
        case "set_quorum":
            return f"admin quorum → {p['quorum']}"
        case "publish":
            return f"publish standard {p['standard_version_id'] or p['content_hash']}"
        case "retire":
            return f"retire standard version {p['onchain_version']}"
    return f"{p['action']} {names(p['account'])}"


@member_app.command("proposals")
def proposals_command(member: Member, shown: Shown, every: EveryOpt = False) -> None:
    """The admin quorum and the pending proposals of the MemberRegistry and the
    StandardRegistry (`GET /governance`), with whether you approved each."""
    with member.reading() as session:
        overview = session.governance()
        names = shown.names(session)
    listed = [p for p in overview["proposals"] if every or p["status"] == "pending"]
    if shown.printed_json({**overview, "proposals": listed}):
        return
    quorum = overview["quorum"]
    console.print(f"admin quorum: {quorum} of {overview['admin_count']} admin(s) approve each")
    kind = "" if every else "pending "
    if not listed:
        console.print(f"no {kind}proposals")
        return
    table = Table(title=f"{len(listed)} {kind}proposal(s)", title_justify="left")
    for column in ("registry · id", "proposal", "proposed by", "approvals", "expires", "status"):
        table.add_column(column)
    for p in listed:
        mine = " (you approved)" if p["approved_by_caller"] else ""
        table.add_row(
            f"{p['registry']} · {p['proposal_id']}",
            _proposed(p, names),
            names(p["proposer"]),
            f"{p['approvals']} / {quorum}" if p["status"] == "pending" else str(p["approvals"]),
            moment(p["expires_at"]),
            p["status"] + mine,
        )
    console.print(table)
    if any(p["status"] == "pending" and not p["approved_by_caller"] for p in listed):
        console.print(
            "approve with `carbonledger member approve ID` (members) or "
            "`carbonledger standard approve ID` (standards), with your admin key"
        )
