"""``carbonledger overlaps list|partners|show`` and ``carbonledger settlement ...``: partners
share the cost of removing the emissions they both count, to the end — proposed, signed, reduction
attested by an auditor, paid, settled.

Every signature is made here, with the member's keystore; the API only relays it. Members are
shown by name (``--addresses`` adds their addresses), amounts in currency units, deadlines as
dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from carbonledger.cli.common import console, read_file
from carbonledger.cli.options import App
from carbonledger.cli.session import Listed, Member, Names, Shown, kg, minor_units, moment, money
from carbonledger.client import ApiSession, LedgerClient
from carbonledger.errors import CarbonLedgerError

overlaps_app = App(help="Emissions shared with partners.", no_args_is_help=True)
settlement_app = App(
    help="Shared decarbonisation projects: propose, sign, decline, attest, pay, list, show.",
    no_args_is_help=True,
)

SettlementArg = Annotated[str, typer.Argument(help="The settlement id.")]


def _show(view: dict[str, Any], names: Names) -> None:
    terms = view["terms"]
    currency = terms["currency"]
    console.print(f"settlement {view['settlement_id']}  [bold]{view['status']}[/]")
    console.print(f"  project   {view['project']['description']}")
    console.print(f"  proposer  {names(view['proposer'])}")
    console.print(
        f"  cost      {money(int(terms['total_cost']), currency)}; expected reduction "
        f"{kg(terms['expected_reduction_kgco2e'])} kgCO2e; overlap "
        f"{kg(terms['overlap_kgco2e'])} kgCO2e"
    )
    console.print(f"  sign by   {moment(int(terms['signing_deadline']))}")
    if view["reduction_recorded"]:
        console.print(f"  realised  {kg(view['realised_kgco2e'])} kgCO2e (attested)")
    for p in view["parties"]:
        console.print(
            f"  {names(p['firm'])}: {p['share_bps'] / 100:.2f}%, "
            f"{'signed' if p['consented'] else 'not signed'}, allocation "
            f"{kg(p['allocation_kgco2e'])} kgCO2e, paid {money(int(p['paid']), currency)} of "
            f"{money(int(p['cost_share']), currency)}"
            + (f", cited by claim {p['citing_claim']}" if p["citing_claim"] else ""),
            soft_wrap=True,
        )


def _run(member: Member, shown: Shown, act: Callable[[LedgerClient], Any]) -> None:
    """Act as the member (signing); show the settlement the API answers."""
    with member.signing() as client:
        answer = act(client)
        names = shown.names(client)
    if not shown.printed_json(answer) and isinstance(answer, dict):
        _show(answer, names)


def _read(member: Member, shown: Shown, read: Callable[[ApiSession], Any]) -> tuple[Any, Names]:
    with member.reading() as session:
        return read(session), shown.names(session)


def _view(
    member: Member,
    shown: Shown,
    read: Callable[[ApiSession], dict[str, Any]],
    show: Callable[[dict[str, Any], Names], None],
) -> None:
    """One thing the API holds: its JSON (``--json``), else ``show`` it."""
    found, names = _read(member, shown, read)
    if not shown.printed_json(found):
        show(found, names)


def _list(
    member: Member,
    shown: Listed,
    read: Callable[[ApiSession], list[dict[str, Any]]],
    id_key: str,
    each: Callable[[dict[str, Any], Names], None],
    none: str,
) -> None:
    """A listing: its ids (``-q``), its JSON (``--json``), else ``each`` item (or ``none``)."""
    items, names = _read(member, shown, read)
    if shown.listed(items, id_key):
        return
    if not items:
        console.print(none)
    for item in items:
        each(item, names)


def _print_overlap(o: dict[str, Any], names: Names) -> None:
    console.print(
        f"{o['overlap_id']}  partner {names(o['partner'])}  {o['shipments']} shipment(s)  "
        f"overlap {kg(o['overlap_kgco2e'])} kgCO2e",
        soft_wrap=True,
    )
    console.print(f"  my claim {o['my_claim']}  partner's claim {o['partner_claim']}")
    for p in o["parties"]:
        console.print(
            f"  {names(p['firm'])} counts {kg(p['kgco2e'])} kgCO2e in "
            f"{', '.join(p['counted_in'])}; default share {p['default_share_bps'] / 100:.2f}%",
            soft_wrap=True,
        )


OverlapArg = Annotated[str, typer.Argument(help="The overlap id (carbonledger overlaps list).")]


@overlaps_app.command("list")
def list_overlaps(
    member: Member,
    shown: Listed,
    partner: Annotated[
        str | None,
        typer.Option("--partner", help="Only those with this firm, by name or address."),
    ] = None,
) -> None:
    """This firm's overlaps: partner, claims, shared shipments, kgCO2e, default split."""

    def read(session: ApiSession) -> list[dict[str, Any]]:
        return session.overlaps(Names(session).resolve(partner) if partner else None)

    _list(member, shown, read, "overlap_id", _print_overlap, "no overlaps")


def _print_partner(p: dict[str, Any], names: Names) -> None:
    console.print(
        f"{names(p['partner'])}  {p['overlaps']:,} overlap(s)  {p['shipments']:,} shipment(s)  "
        f"counted by both {kg(p['overlap_kgco2e'])} kgCO2e (you {kg(p['my_kgco2e'])}, they "
        f"{kg(p['partner_kgco2e'])})",
        soft_wrap=True,
    )


@overlaps_app.command("partners")
def list_partners(member: Member, shown: Listed) -> None:
    """This firm's overlaps summed per partner, the largest first."""
    _list(member, shown, lambda s: s.overlap_partners(), "partner", _print_partner, "no overlaps")


@overlaps_app.command("show")
def show_overlap(overlap: OverlapArg, member: Member, shown: Shown) -> None:
    """One overlap: the partner, both claims, the shared kgCO2e and each party's count."""
    _view(member, shown, lambda s: s.overlap(overlap), _print_overlap)


def _shares(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise CarbonLedgerError(f"--shares {text!r}: comma-separated basis points") from None


def _deadline(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CarbonLedgerError(f"--deadline {text!r} is not a date (YYYY-MM-DD)") from None
    end = dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=dt.UTC)
    return int(end.timestamp())


@settlement_app.command("propose")
def propose(
    overlap: OverlapArg,
    member: Member,
    shown: Shown,
    description: Annotated[str, typer.Option("--description", help="The project.")],
    cost: Annotated[str, typer.Option("--cost", help="Total cost in currency units, e.g. 12000.")],
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217, e.g. EUR.")],
    expected: Annotated[int, typer.Option("--expected", help="Expected reduction, kgCO2e.")],
    shares: Annotated[
        str | None,
        typer.Option(
            "--shares",
            help="Basis points per party in the overlap's order, e.g. "
            "6000,4000 (default: proportional to each party's emissions).",
        ),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", help="Last day to sign, YYYY-MM-DD (default: in 7 days)."),
    ] = None,
) -> None:
    """Propose a shared project for an overlap; the parties then sign or decline."""
    _run(
        member, shown,
        lambda c: c.propose_settlement(
            overlap,
            description=description,
            total_cost=minor_units(cost, currency),
            currency=currency,
            expected_reduction_kgco2e=expected,
            shares_bps=_shares(shares),
            signing_deadline=_deadline(deadline),
        ),
    )  # fmt: skip


@settlement_app.command("sign")
def sign(settlement: SettlementArg, member: Member, shown: Shown) -> None:
    """Check the terms hash to the id, then sign this firm's consent (EIP-712)."""
    _run(member, shown, lambda c: c.sign_settlement(settlement))


@settlement_app.command("decline")
def decline(
    settlement: SettlementArg,
    member: Member,
    shown: Shown,
    reason: Annotated[str, typer.Option("--reason", help="Why (its hash goes on chain).")] = "",
) -> None:
    """Sign this firm's refusal: the proposal ends."""
    _run(member, shown, lambda c: c.decline_settlement(settlement, reason))


@settlement_app.command("attest")
def attest(
    settlement: SettlementArg,
    member: Member,
    shown: Shown,
    realised: Annotated[int, typer.Option("--realised", help="Realised reduction, kgCO2e.")],
    evidence: Annotated[
        Path, typer.Option("--evidence", help="The evidence (a text file; stored encrypted).")
    ],
) -> None:
    """As an auditor: attest the realised reduction of an agreed settlement."""

    def act(client: LedgerClient) -> Any:
        text = read_file(evidence)
        try:
            text.decode("utf-8")
        except UnicodeDecodeError:
            raise CarbonLedgerError(f"{evidence} is not UTF-8 text") from None
        return client.attest_reduction(settlement, realised, text)

    _run(member, shown, act)


@settlement_app.command("pay")
def pay(
    settlement: SettlementArg,
    member: Member,
    shown: Shown,
    reference: Annotated[
        str, typer.Option("--reference", help="The payment's reference (e.g. bank transfer id).")
    ],
    amount: Annotated[
        str | None,
        typer.Option("--amount", help="In currency units (default: what this firm still owes)."),
    ] = None,
) -> None:
    """Record this firm's payment towards its cost share (signed); when every party has paid
    its share the settlement is settled."""

    def act(client: LedgerClient) -> Any:
        view = client.settlement(settlement)
        currency = view["terms"]["currency"]
        [me] = [p for p in view["parties"] if p["firm"].lower() == client.address.lower()] or [None]
        if me is None:
            raise CarbonLedgerError(f"{client.address} is not a party to settlement {settlement}")
        owed = int(me["cost_share"]) - int(me["paid"])
        minor = minor_units(amount, currency) if amount is not None else owed
        if minor <= 0:
            raise CarbonLedgerError(f"nothing to pay: this firm's share is paid ({currency})")
        return client.pay_settlement(settlement, minor, reference)

    _run(member, shown, act)


@settlement_app.command("show")
def show(settlement: SettlementArg, member: Member, shown: Shown) -> None:
    """A settlement: terms, project, and each party's share, signature, allocation, payments."""
    _view(member, shown, lambda s: s.settlement(settlement), _show)


@settlement_app.command("list")
def list_settlements(member: Member, shown: Listed) -> None:
    """This member's settlements: status, project, cost, partners."""
    _list(member, shown, lambda s: s.settlements(), "settlement_id", _line, "no settlements")


def _line(view: dict[str, Any], names: Names) -> None:
    """A settlement in one line: id, status, project, cost, partners."""
    terms = view["terms"]
    partners = ", ".join(names(p["firm"]) for p in view["parties"])
    console.print(
        f"{view['settlement_id']}  [bold]{view['status']}[/]  {view['project']['description']}  "
        f"{money(int(terms['total_cost']), terms['currency'])}  {partners}",
        soft_wrap=True,
    )
