"""``carbonledger pact``: the PACT client side (pull footprints, use one as a factor)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from carbonledger.cli.common import clear_errors, console, fail, read_file
from carbonledger.cli.options import App, OptionGroup
from carbonledger.cli.session import Member
from carbonledger.errors import CarbonLedgerError
from carbonledger.pact.fetch import ClientCredentials, PactFetchError

pact_app = App(help="PACT data exchange (client side).", no_args_is_help=True)


@dataclass(frozen=True)
class PactCredentials(OptionGroup):
    """``--client-id --client-secret --ca``: how this CLI signs in to a partner's PACT host."""

    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            envvar="CARBONLEDGER_PACT_CLIENT_ID",
            help="The client id the PACT host issued to this firm.",
        ),
    ] = None
    client_secret: Annotated[
        str | None,
        typer.Option(
            "--client-secret",
            envvar="CARBONLEDGER_PACT_CLIENT_SECRET",
            help="Its client secret.",
        ),
    ] = None
    ca: Annotated[
        Path | None, typer.Option("--ca", help="CA certificate (PEM) the PACT host is signed by.")
    ] = None

    def given(self, what: str) -> ClientCredentials:
        """The credentials; exit 2 naming ``what`` needs them where the id or secret is missing."""
        if not self.client_id or not self.client_secret:
            raise fail(f"{what} needs --client-id and --client-secret", 2)
        return ClientCredentials(
            self.client_id, self.client_secret, str(self.ca) if self.ca else None
        )


@pact_app.command("pull")
def pull_command(
    host: Annotated[str, typer.Option("--from", help="The supplier's PACT base URL (https).")],
    out: Annotated[Path, typer.Option("--out", help="Directory to keep the footprints in.")],
    credentials: PactCredentials,
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
    from carbonledger.pact.pull import pull

    signed = credentials.given("pact pull")
    with clear_errors():
        try:
            query = {"productId": product_id} if product_id else None
            results = pull(host, signed, out, rpc=rpc, query=query)
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
        kept = read_file(file)
        try:
            factor = declared_factor(json.loads(kept), factor_id)
        except (ValueError, KeyError, TypeError) as exc:
            raise CarbonLedgerError(f"{file}: {exc}") from None
    console.print_json(json.dumps(factor, ensure_ascii=False))


def _claim(path: Path) -> tuple[Any, Any]:
    """A claim document and the shipped standard version it names (else the current one)."""
    from carbonledger.standard import load_default_standard, parse_claim, standard_named

    document = parse_claim(read_file(path))
    return document, standard_named(str(document.standard_version)) or load_default_standard()


def _print_logistics(path: Path, build: Callable[[Any, Any], object]) -> None:
    from carbonledger.pact.ileap import ShipmentFootprintError
    from carbonledger.standard import StandardError

    with clear_errors():
        try:
            document, standard = _claim(path)
            out = build(document, standard)
        except (StandardError, ShipmentFootprintError) as exc:
            raise CarbonLedgerError(f"{path}: {exc}") from None
    console.print_json(json.dumps(out, ensure_ascii=False))


ClaimArg = Annotated[Path, typer.Argument(help="The carrier's/LSP's claim document (JSON).")]


@dataclass(frozen=True)
class Company(OptionGroup):
    """``--company-name --company-id``: the firm a logistics footprint names."""

    company_name: Annotated[str, typer.Option("--company-name")]
    company_id: Annotated[list[str], typer.Option("--company-id", help="URN (repeatable).")]

    def named(self) -> dict[str, Any]:
        """The footprint builders' keyword arguments."""
        return {"company_name": self.company_name, "company_ids": self.company_id}


Carriers = Annotated[
    list[str],
    typer.Option(
        "--energy-carrier",
        help="iLEAP energy carrier NAME[:SHARE] (repeatable; shares add up to 1).",
    ),
]


@dataclass(frozen=True)
class Operator(Company):
    """A TOC's or HOC's operator: the company and ``--energy-carrier`` (its energy mix)."""

    energy_carrier: Carriers

    def named(self) -> dict[str, Any]:
        return {**super().named(), "energy_carriers": _carriers(self.energy_carrier)}


def _carriers(specs: list[str]) -> list[dict[str, str]]:
    out = []
    for spec in specs:
        name, _, share = spec.partition(":")
        out.append({"energyCarrier": name, "relativeShare": share or "1"})
    return out


@pact_app.command("shipment")
def shipment_command(
    claim: ClaimArg,
    shipment_ref: Annotated[str, typer.Option("--shipment-ref", help="Its lines' shipment_ref.")],
    shipment_id: Annotated[str, typer.Option("--shipment-id", help="The shipment id shared.")],
    company: Company,
) -> None:
    """Print the iLEAP shipment footprint (a PACT v3 footprint) of one shipment of a claim."""
    from carbonledger.pact.ileap import shipment_product_footprint

    _print_logistics(
        claim,
        lambda doc, std: shipment_product_footprint(
            doc, std, shipment_ref, shipment_id=shipment_id, **company.named()
        ),
    )


@pact_app.command("toc")
def toc_command(
    claim: ClaimArg,
    toc_id: Annotated[str, typer.Option("--toc-id", help="The TOC (the lines' toc_id/mode).")],
    operator: Operator,
) -> None:
    """Print the iLEAP TOC footprint (per tkm, WTW and TTW) of one TOC of a claim."""
    from carbonledger.pact.ileap import toc_product_footprint

    named = operator.named()
    _print_logistics(claim, lambda doc, std: toc_product_footprint(doc, std, toc_id, **named))


@pact_app.command("hoc")
def hoc_command(
    claim: ClaimArg,
    hoc_id: Annotated[str, typer.Option("--hoc-id", help="The HOC (the hub lines' hoc_id).")],
    hub_type: Annotated[str, typer.Option("--hub-type", help="iLEAP HubType.")],
    operator: Operator,
) -> None:
    """Print the iLEAP HOC footprint (per tonne handled) of one HOC of a claim."""
    from carbonledger.pact.ileap import hoc_product_footprint

    named = {"hub_type": hub_type, **operator.named()}
    _print_logistics(claim, lambda doc, std: hoc_product_footprint(doc, std, hoc_id, **named))


@pact_app.command("activities")
def activities_command(
    claim: ClaimArg,
    key: Annotated[
        Path | None, typer.Option("--key", help="Publish with the firm's keystore.")
    ] = None,
    client: Annotated[
        list[str] | None, typer.Option("--client", help="Only this client id may read them.")
    ] = None,
    api: Annotated[
        str, typer.Option("--api", envvar="CARBONLEDGER_API_URL", help="The CarbonLedger API.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Print the iLEAP transport activity data of a claim's transport lines (those with
    origin, destination and times); with --key, publish them on the PACT host's /2/ileap/tad."""
    from carbonledger.pact.ileap import activity_data

    with clear_errors():
        document, _ = _claim(claim)
        tads, skipped = activity_data(document)
        if skipped:
            console.print(f"skipped (no origin/destination/times): {', '.join(skipped)}")
        if key is None:
            console.print_json(json.dumps(tads, ensure_ascii=False))
            return
        body = {"activities": tads, "clients": client or []}
        out = _call(Member(key, api), "POST", "/pact/activities", body)
    console.print_json(json.dumps(out, ensure_ascii=False))


@pact_app.command("publish")
def publish_command(
    file: Annotated[Path, typer.Argument(help="The PACT v3 ProductFootprint (JSON).")],
    member: Member,
    derived_from: Annotated[
        list[str] | None, typer.Option("--derived-from", help="Claim id it is derived from.")
    ] = None,
) -> None:
    """Sign the footprint's anchor claim with the firm's key (locally) and publish it."""
    from carbonledger.pact.client import publish_footprint

    with member.signing() as client:
        try:
            pf = json.loads(read_file(file))
        except ValueError as exc:
            raise CarbonLedgerError(f"{file} is not JSON: {exc}") from None
        client.register_vault_key()
        served = publish_footprint(client, pf, derived_from=derived_from or ())
    console.print_json(json.dumps(served, ensure_ascii=False))


# --- a firm's PACT administration (its keystore logs in to the member API) ---
def _call(member: Member, method: str, path: str, body: object = None) -> Any:
    with member.signing() as client:
        if body is None:
            return client.request(method, path)
        return client.request(method, path, json=body)


@pact_app.command("requests")
def requests_command(
    member: Member,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only the open tasks (requests to answer).")
    ] = False,
) -> None:
    """Partners' events to this firm; a RequestCreatedEvent is an open task (answer it with
    `pact answer N --footprint ID` to fulfil or `--reject CODE` to reject)."""
    rows = _call(member, "GET", "/pact/requests")
    if open_only:
        rows = [r for r in rows if r["state"] == "open"]
    table = Table(title="PACT requests and events", title_justify="left")
    for column in ("#", "state", "type", "from (client)", "criteria"):
        table.add_column(column)
    for r in rows:
        kind = str(r["event_type"]).rsplit(".", 2)[-2]
        table.add_row(
            str(r["seq"]), r["state"], kind, r["client_id"], json.dumps(r["event"]["data"])[:80]
        )
    console.print(table)


@pact_app.command("answer")
def answer_command(
    seq: Annotated[int, typer.Argument(help="The request's number (`pact requests`).")],
    member: Member,
    footprint: Annotated[
        list[str] | None, typer.Option("--footprint", help="Fulfil with this pfId (repeatable).")
    ] = None,
    reject: Annotated[
        str | None, typer.Option("--reject", help="Reject with this PACT code (e.g. NotFound).")
    ] = None,
    message: Annotated[str, typer.Option("--message", help="The rejection's message.")] = "",
) -> None:
    """Fulfil or reject a partner's request; the event goes to the partner's /3/events."""
    body: dict[str, object] = {"footprints": footprint or []}
    if reject is not None:
        body["error"] = {"code": reject, "message": message}
    console.print_json(json.dumps(_call(member, "POST", f"/pact/requests/{seq}/answer", body)))


@pact_app.command("client-issue")
def client_issue_command(
    partner: Annotated[str, typer.Option("--partner", help="Who the credentials are for.")],
    member: Member,
    all_footprints: Annotated[bool, typer.Option("--all", help="Every footprint.")] = False,
    footprint: Annotated[
        list[str] | None, typer.Option("--footprint", help="A pfId it may read (repeatable).")
    ] = None,
) -> None:
    """Issue PACT client credentials to a partner (the secret is printed once)."""
    body = {"partner": partner, "all_footprints": all_footprints, "footprints": footprint or []}
    console.print_json(json.dumps(_call(member, "POST", "/pact/clients", body)))


@pact_app.command("clients")
def clients_command(member: Member) -> None:
    """This firm's partners' PACT credentials (never their secrets)."""
    console.print_json(json.dumps(_call(member, "GET", "/pact/clients")))


@pact_app.command("client-revoke")
def client_revoke_command(client_id: Annotated[str, typer.Argument()], member: Member) -> None:
    """Revoke a partner's PACT credentials: its tokens stop working at once."""
    _call(member, "DELETE", f"/pact/clients/{client_id}")
    console.print(f"revoked {client_id}")
