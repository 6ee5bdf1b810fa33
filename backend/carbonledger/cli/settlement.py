"""``carbonledger overlaps list`` and ``carbonledger settlement propose|sign|decline|show``.

Every signature is made here, with the member's keystore; the API only relays it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from carbonledger.cli.claim import ApiOpt, KeyOpt, _password
from carbonledger.cli.common import clear_errors, console
from carbonledger.client import LedgerClient, load_keystore
from carbonledger.errors import CarbonLedgerError

overlaps_app = typer.Typer(help="Emissions shared with partners.", no_args_is_help=True)
settlement_app = typer.Typer(
    help="Shared decarbonisation projects: propose, sign, decline, show.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API's JSON answer.")]


@contextmanager
def _client(key: Any, api: str) -> Iterator[LedgerClient]:
    account = load_keystore(key, _password())
    client = LedgerClient(api, account)
    try:
        client.login()
        yield client
    finally:
        client.close()


def _print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False))


def _show(view: dict[str, Any]) -> None:
    terms = view["terms"]
    console.print(f"settlement {view['settlement_id']}  [bold]{view['status']}[/]")
    console.print(f"  project   {view['project']['description']}")
    console.print(
        f"  cost      {terms['total_cost']} {terms['currency']} (minor units); expected "
        f"reduction {terms['expected_reduction_kgco2e']} kgCO2e; overlap "
        f"{terms['overlap_kgco2e']} kgCO2e"
    )
    console.print(f"  deadline  {terms['signing_deadline']} (unix) for signing")
    if view["reduction_recorded"]:
        console.print(f"  realised  {view['realised_kgco2e']} kgCO2e")
    for p in view["parties"]:
        console.print(
            f"  {p['firm']}  {p['share_bps'] / 100:.2f}%  "
            f"{'signed' if p['consented'] else 'not signed'}  allocation "
            f"{p['allocation_kgco2e']} kg  paid {p['paid']}/{p['cost_share']}"
            + (f"  cited by {p['citing_claim']}" if p["citing_claim"] else "")
        )


def _run(key: Any, api: str, as_json: bool, act: Callable[[LedgerClient], Any]) -> None:
    with clear_errors(), _client(key, api) as client:
        answer = act(client)
    if as_json:
        _print_json(answer)
    elif isinstance(answer, dict):
        _show(answer)


@overlaps_app.command("list")
def list_overlaps(
    key: KeyOpt, api: ApiOpt = "http://127.0.0.1:8000", as_json: JsonOpt = False
) -> None:
    """This firm's overlaps: partner, claims, shared shipments, kgCO2e, default split."""
    with clear_errors(), _client(key, api) as client:
        overlaps = client.overlaps()
    if as_json:
        _print_json(overlaps)
        return
    if not overlaps:
        console.print("no overlaps")
    for o in overlaps:
        console.print(
            f"{o['overlap_id']}  partner {o['partner']}  {o['shipments']} shipment(s)  "
            f"overlap {o['overlap_kgco2e']} kgCO2e"
        )
        console.print(f"  my claim {o['my_claim']}  partner's claim {o['partner_claim']}")
        for p in o["parties"]:
            console.print(
                f"  {p['firm']} counts {p['kgco2e']} kgCO2e in {', '.join(p['counted_in'])}; "
                f"default share {p['default_share_bps']} bps"
            )


def _shares(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise CarbonLedgerError(f"--shares {text!r}: comma-separated basis points") from None


@settlement_app.command("propose")
def propose(
    overlap: Annotated[str, typer.Argument(help="The overlap id (carbonledger overlaps list).")],
    key: KeyOpt,
    description: Annotated[str, typer.Option("--description", help="The project.")],
    cost: Annotated[int, typer.Option("--cost", help="Total cost, minor currency units.")],
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
        int | None, typer.Option("--deadline", help="Signing deadline (unix; default 7 days).")
    ] = None,
    api: ApiOpt = "http://127.0.0.1:8000",
    as_json: JsonOpt = False,
) -> None:
    """Propose a shared project for an overlap; the parties then sign or decline."""
    _run(
        key,
        api,
        as_json,
        lambda c: c.propose_settlement(
            overlap,
            description=description,
            total_cost=cost,
            currency=currency,
            expected_reduction_kgco2e=expected,
            shares_bps=_shares(shares),
            signing_deadline=deadline,
        ),
    )


@settlement_app.command("sign")
def sign(
    settlement: Annotated[str, typer.Argument(help="The settlement id.")],
    key: KeyOpt,
    api: ApiOpt = "http://127.0.0.1:8000",
    as_json: JsonOpt = False,
) -> None:
    """Check the terms hash to the id, then sign this firm's consent (EIP-712)."""
    _run(key, api, as_json, lambda c: c.sign_settlement(settlement))


@settlement_app.command("decline")
def decline(
    settlement: Annotated[str, typer.Argument(help="The settlement id.")],
    key: KeyOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why (its hash goes on chain).")] = "",
    api: ApiOpt = "http://127.0.0.1:8000",
    as_json: JsonOpt = False,
) -> None:
    """Sign this firm's refusal: the proposal ends."""
    _run(key, api, as_json, lambda c: c.decline_settlement(settlement, reason))


@settlement_app.command("show")
def show(
    settlement: Annotated[str, typer.Argument(help="The settlement id.")],
    key: KeyOpt,
    api: ApiOpt = "http://127.0.0.1:8000",
    as_json: JsonOpt = False,
) -> None:
    """A settlement: terms, project, and each party's share, signature, allocation, payments."""
    _run(key, api, as_json, lambda c: c.settlement(settlement))
