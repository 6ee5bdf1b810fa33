"""``carbonledger plan``: a joint abatement plan for an overlap, its MACC, the fair split, and
(with ``--propose``) the settlement proposal that records the plan's hash."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from carbonledger.cli.common import console, fail
from carbonledger.cli.options import OptionGroup
from carbonledger.cli.session import JsonOpt, Member
from carbonledger.errors import CarbonLedgerError
from carbonledger.planner.proposal import proposal_terms
from carbonledger.planner.quotes import sign_quote


def _short(address: str) -> str:
    return address[:8] + "…" + address[-4:] if address.startswith("0x") else address


def print_plan(answer: dict[str, Any]) -> None:
    plan = answer["plan"]
    cur = plan["currency"]
    goal = plan["goal"]
    console.print(
        f"plan {answer['plan_hash']}  ({plan['scope']} scope, goal {goal['kind']} "
        f"{goal['value']}; catalogue {plan['catalogue']['id']}, standard "
        f"{plan['standard_version']})"
    )
    joint = plan["joint"]
    console.print(
        f"  joint     baseline {joint['baseline_tco2e']} t, target {joint['target_tco2e']} t: "
        f"{joint['removed_tco2e']} t for {joint['cost_per_year']} {cur}/yr = "
        f"[bold]{joint['cost_per_tco2e']} {cur}/t[/]"
    )
    for p in plan["parties"]:
        alone = p["stand_alone"]
        figure = (
            f"{alone['removed_tco2e']} t for {alone['cost_per_year']} {cur}/yr = "
            f"{alone['cost_per_tco2e']} {cur}/t"
            if alone["reachable"]
            else "cannot reach its share alone"
        )
        console.print(
            f"  alone     {_short(p['label'])}: baseline {p['baseline_tco2e']} t, target "
            f"{p['target_tco2e']} t: {figure}"
        )
    console.print("  options of the joint plan (per year):")
    for o in joint["options"]:
        per_inventory = ", ".join(
            f"{_short(k)} -{v} t" for k, v in o["removed_by_inventory_tco2e"].items()
        )
        console.print(
            f"    {o['units']:>6} x {o['option']:<30} funded by {_short(o['funded_by'])}  "
            f"{o['cost_per_year']:>12} {cur}  {o['cost_per_tco2e']:>10} {cur}/t  "
            f"removes {o['removed_tco2e']} t ({per_inventory})"
            + (f"  [quote of {o['quoted_by']}]" if o.get("quoted_by") else "")
        )
    console.print("  cost shares by method (per year):")
    for s in plan["splits"]:
        shares = "  ".join(f"{_short(k)} {v}" for k, v in s["shares"].items())
        core = (
            "in the core"
            if s["in_core"]
            else (
                "NOT in the core: " + "+".join(map(_short, s["blocking_coalition"])) + " pays more"
            )
        )
        err = ""
        if "standard_error" in s:
            err = " ± " + ", ".join(s["standard_error"].values())
        console.print(f"    {s['method']:<34} {shares}{err}  ({core})")
    rec = plan["recommended"]
    console.print(f"  recommended: [bold]{rec['method']}[/]  bps {rec['bps']}")
    for note in plan["notes"]:
        console.print(f"  note: {note}")


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CarbonLedgerError(f"{path}: cannot read it as JSON: {exc}") from None


@dataclass(frozen=True)
class Goal(OptionGroup):
    """``--pct --tonnes --budget``: what the plan aims at, exactly one of them."""

    pct: Annotated[
        float | None, typer.Option("--pct", help="Cut this % of the joint baseline.")
    ] = None
    tonnes: Annotated[
        float | None, typer.Option("--tonnes", help="Cut this many tCO2e per year.")
    ] = None
    budget: Annotated[
        float | None, typer.Option("--budget", help="The most tCO2e for this cost per year.")
    ] = None

    def chosen(self) -> tuple[str, float]:
        """The goal's kind (``pct``, ``tonnes`` or ``budget``) and its value."""
        given = [(k, v) for k, v in dataclasses.asdict(self).items() if v]
        if len(given) != 1:
            raise fail("give exactly one goal: --pct, --tonnes or --budget (a positive number)")
        return given[0]


@dataclass(frozen=True)
class Quotes(OptionGroup):
    """``--quote --quotes-from``: suppliers' quotes for the firm's options, signed by it."""

    quote: Annotated[
        list[Path] | None,
        typer.Option(
            "--quote",
            help="A quote JSON for one of your options (signed here with your key), or an "
            "already signed {quote, signature}; repeatable.",
        ),
    ] = None
    quotes_from: Annotated[
        Path | None,
        typer.Option("--quotes-from", help="Use the quotes of a plan JSON (--out of a partner)."),
    ] = None

    def signed(self, account: Any) -> list[dict[str, Any]]:
        """The quotes of ``--quotes-from``'s plan, then each ``--quote`` (signed with
        ``account`` where it is not signed yet)."""
        out: list[dict[str, Any]] = []
        if self.quotes_from is not None:
            out += list(_read(self.quotes_from).get("quotes", []))
        for path in self.quote or []:
            doc = _read(path)
            out.append(doc if "signature" in doc else sign_quote(account, doc))
        return out


def command(
    member: Member,
    overlap: Annotated[str, typer.Option("--overlap", help="The overlap id (overlaps list).")],
    goal: Goal,
    quotes: Quotes,
    scope: Annotated[
        str, typer.Option("--scope", help="overlap (shared emissions) or inventory (all).")
    ] = "overlap",
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the joint MACC here.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the plan JSON here.")] = None,
    propose: Annotated[
        bool, typer.Option("--propose", help="Propose the plan as a settlement.")
    ] = False,
    expect: Annotated[
        str | None,
        typer.Option("--expect-hash", help="Fail unless the plan hashes to this (re-check)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Least cost (or most carbon) joint abatement plan for an overlap, from verified claims."""
    kind, value = goal.chosen()
    with member.signing() as client:
        signed = quotes.signed(client.account)
        answer = client.plan(overlap, kind, repr(value), scope, signed)
        if expect is not None and answer["plan_hash"].lower() != expect.lower():
            raise CarbonLedgerError(
                f"the plan hashes to {answer['plan_hash']}, not {expect}: the figures differ"
            )
        proposal = None
        if propose:
            terms = proposal_terms(answer)
            proposal = client.propose_settlement(terms.pop("overlap_id"), **terms)
    if svg is not None:
        svg.write_text(answer["macc_svg"], encoding="utf-8")
    if out is not None:
        out.write_text(json.dumps(answer["plan"], ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        console.print_json(json.dumps({**answer, "proposal": proposal}, ensure_ascii=False))
        return
    print_plan(answer)
    if proposal is not None:
        console.print(
            f"proposed settlement {proposal['settlement_id']} ({proposal['status']}), shares "
            f"{[p['share_bps'] for p in proposal['parties']]} bps, plan hash recorded in its "
            "project"
        )
