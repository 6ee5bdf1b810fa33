"""``carbonledger demo``: a whole supply-chain scenario on a fresh embedded chain, end to end.

A shipper, a carrier, a warehouse operator and an auditor join; the standard is published;
each firm files a year-one footprint from generated (seeded) activity data; the overlaps are
found (the carrier's and the shipper's shipments, the warehouse's site electricity allocated to
the shipper); the carrier plans a joint abatement project on the overlap (HiGHS, fair split,
the shipper re-runs it to the same hash) and both agree it as a settlement; the auditor attests
the reduction; year-two reduction claims cite the allocations; payments settle
it; the auditor verifies every firm's history with the independent verifier. See docs/demo.md.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from carbonledger.chain.node import free_port
from carbonledger.cli.common import clear_errors, console, err_console, fail, settings_from, step
from carbonledger.cli.service import until_set
from carbonledger.config import Settings
from carbonledger.errors import CarbonLedgerError

EXIT_OK, EXIT_FAIL = 0, 1


def _port_busy(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def _settings(
    data_dir: Path | None, chain_port: int | None, api_port: int | None
) -> tuple[Settings, list[str]]:
    notes: list[str] = []
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="carbonledger-demo-")) / "data"
    elif (data_dir / "deployment.json").exists():
        raise CarbonLedgerError(
            f"data directory {data_dir} already holds a ledger: the demo starts from nothing, "
            "give a new or empty --data-dir"
        )
    base = settings_from(data_dir=data_dir, chain_port=chain_port, api_port=api_port)
    ports: dict[str, Any] = {}
    if chain_port is None and _port_busy(base.chain_host, base.chain_port):
        ports["chain_port"] = free_port()
        notes.append(f"port {base.chain_port} is in use: the chain runs on {ports['chain_port']}")
    if api_port is None and _port_busy(base.api_host, base.api_port):
        ports["api_port"] = free_port()
        notes.append(f"port {base.api_port} is in use: the API runs on {ports['api_port']}")
    if ports:
        base = settings_from(
            data_dir=data_dir,
            chain_port=ports.get("chain_port", chain_port),
            api_port=ports.get("api_port", api_port),
        )
    base.check_ports(pact_host=False)
    return base, notes


def _tonnes(kg: int) -> str:
    return f"{kg / 1000:,.1f} t"


def _overlap_facts(o: dict[str, Any], scenario: Any) -> dict[str, Any]:
    return {
        "shipments": o["shipments"],
        "overlap_kgco2e": o["overlap_kgco2e"],
        "parties": {_role(scenario, p["firm"]): p["kgco2e"] for p in o["parties"]},
    }


def _facts(out: Any, scenario: Any, elapsed: float) -> dict[str, Any]:
    """The summary as data (also written to ``demo-summary.json`` in the data directory)."""
    s, o = out.settlement, out.overlap
    return {
        "elapsed_s": round(elapsed, 1),
        "members": [
            {"role": r, "name": n, "address": a, "roles": roles.split(",")}
            for r, n, a, roles in out.members
        ],
        "standard": out.standard,
        "claims": [
            {
                "firm": c.firm, "kind": c.kind, "period": c.period, "lines": c.lines,
                "claim_id": c.claim_id, "state": c.state, "passed": c.passed,
                "figures": c.figures, "document": str(c.path),
                "onchain_kgco2e": c.answer.get("check", {}).get("report", {}).get(
                    "onchain_kgco2e", {}
                ),
            }
            for c in out.claims
        ],
        "overlaps": {r: len(v) for r, v in out.overlaps.items()},
        "overlap": _overlap_facts(o, scenario),
        "site_overlap": _overlap_facts(out.site_overlap, scenario),
        "plan": {
            "plan_hash": out.plan["plan_hash"],
            "shares_bps": out.plan["shares_bps"],
            "joint": {k: v for k, v in out.plan["plan"]["joint"].items() if k != "options"},
            "options": [
                {"option": x["option"], "units": x["units"],
                 "funded_by": _role(scenario, x["funded_by"]),
                 "cost_per_year": x["cost_per_year"], "removed_tco2e": x["removed_tco2e"]}
                for x in out.plan["plan"]["joint"]["options"]
            ],
            "stand_alone": {
                _role(scenario, p["firm"]): p["stand_alone"] for p in out.plan["plan"]["parties"]
            },
            "splits": {
                x["method"]: {_role(scenario, k): v for k, v in x["shares"].items()}
                | {"in_core": x["in_core"]}
                for x in out.plan["plan"]["splits"]
            },
            "recommended": out.plan["plan"]["recommended"]["method"],
        },
        "target": {
            **out.target,
            "trajectory": [
                {"year": r.year, "path_kg": str(r.path_kg),
                 "verified_kg": None if r.actual_kg is None else str(r.actual_kg),
                 "source": r.source}
                for r in out.trajectory
            ],
        },
        "settlement": {
            "settlement_id": s["settlement_id"],
            "status": s["status"],
            "currency": s["terms"]["currency"],
            "total_cost": s["terms"]["total_cost"],
            "expected_reduction_kgco2e": out.expected_reduction,
            "realised_kgco2e": out.realised_reduction,
            "parties": {
                _role(scenario, p["firm"]): {
                    "share_bps": p["share_bps"], "cost_share": p["cost_share"],
                    "paid": p["paid"], "allocation_kgco2e": p["allocation_kgco2e"],
                    "citing_claim": p["citing_claim"],
                }
                for p in s["parties"]
            },
        },
        "verification": {
            r: {"ok": rep.ok, "claims": rep.claims, "summary": rep.summary(),
                "failures": [
                    {"claim_id": "0x" + f.claim_id.hex() if f.claim_id else None,
                     "check": f.check, "detail": f.detail}
                    for f in rep.failures
                ]}
            for r, rep in out.verification.items()
        },
        "verified": out.verified,
    }  # fmt: skip


def _summary(out: Any, scenario: Any, settings: Settings, ledger: Any, elapsed: float) -> None:
    from carbonledger.demo.data import FIRM_ORDER

    table = Table(title="CarbonLedger demo — summary", title_justify="left", show_lines=True)
    table.add_column("what", no_wrap=True)
    table.add_column("result")
    firms = sum(1 for m in out.members if "firm" in m[3])
    auditors = sum(1 for m in out.members if "auditor" in m[3])
    table.add_row(
        "members",
        f"{len(out.members)} members ({firms} firms, {auditors} auditor)\n"
        + "\n".join(f"{role}: {name} {addr} [{roles}]" for role, name, addr, roles in out.members),
    )
    table.add_row("standard", f"{out.standard} published on chain")
    footprints = [c for c in out.claims if c.kind == "footprint"]
    reductions = [c for c in out.claims if c.kind == "reduction"]
    passed = sum(1 for c in out.claims if c.passed)
    table.add_row(
        "claims",
        f"{len(out.claims)} claims ({len(footprints)} footprints, {len(reductions)} reductions), "
        f"{passed} PASS, all checked on chain\n"
        + "\n".join(
            f"{c.firm} {c.kind} {c.period}: {c.lines:,} lines, {c.figures} ({c.claim_id[:18]}…)"
            for c in out.claims
        ),
    )
    o, site = out.overlap, out.site_overlap

    def counted(overlap: dict[str, Any]) -> str:
        return "\n".join(
            f"{_role(scenario, p['firm'])} counts {float(p['kgco2e']):,.0f} kg in "
            f"{'+'.join(p['counted_in'])}; default share {p['default_share_bps']:,} bps"
            for p in overlap["parties"]
        )

    table.add_row(
        "overlaps",
        f"2 overlaps. carrier-shipper: {o['shipments']:,} shared shipments, "
        f"{o['overlap_kgco2e']:,} kg CO2e counted by both\n{counted(o)}\n"
        f"warehouse-shipper: site electricity allocated by pallet-days, "
        f"{site['overlap_kgco2e']:,} kg CO2e counted by both\n{counted(site)}",
    )
    plan, joint = out.plan["plan"], out.plan["plan"]["joint"]
    table.add_row(
        "joint plan",
        f"plan {out.plan['plan_hash'][:18]}…: cut {plan['goal']['value']}% of the overlap, "
        f"{joint['removed_tco2e']} t/yr for ¥{joint['cost_per_year']}/yr = "
        f"¥{joint['cost_per_tco2e']}/t\n"
        + "\n".join(
            f"alone, {_role(scenario, p['firm'])}: ¥{p['stand_alone'].get('cost_per_tco2e', '-')}/t"
            for p in plan["parties"]
        )
        + "\n"
        + "\n".join(
            f"{x['units']} x {x['option']} ({_role(scenario, x['funded_by'])}), "
            f"¥{x['cost_per_year']}/yr, {x['removed_tco2e']} t"
            for x in joint["options"]
        )
        + "\n"
        + "\n".join(
            f"{x['method']}: "
            + ", ".join(f"{_role(scenario, k)} ¥{v}" for k, v in x["shares"].items())
            + (" (in the core)" if x["in_core"] else " (NOT in the core)")
            for x in plan["splits"]
        )
        + f"\nrecommended: {plan['recommended']['method']}",
    )
    s = out.settlement
    shares = [p["share_bps"] for p in s["parties"]]
    table.add_row(
        "agreed shares",
        f"{s['status']}: shares {' + '.join(f'{b:,}' for b in shares)} = {sum(shares):,} bps\n"
        f"settlement {s['settlement_id'][:18]}…, the planned project, annual cost "
        f"¥{s['terms']['total_cost'] / 100:,.2f}\n"
        + "\n".join(
            f"{_role(scenario, p['firm'])}: {p['share_bps']:,} bps, cost share "
            f"¥{p['cost_share'] / 100:,.2f}, paid ¥{p['paid'] / 100:,.2f}"
            for p in s["parties"]
        ),
    )
    t = out.target["target"]
    table.add_row(
        "target",
        f"carrier: -{t['reduction_bps'] / 100:g}% scope 1+2 by {t['target_year']} vs "
        f"{t['base_year']}, EIP-712 signed {out.target['signature'][:18]}…, "
        f"recorded on chain as {out.target['target_id'][:18]}…\n"
        + "\n".join(
            f"{r.year}: path {r.path_kg / 1000:,.1f} t, verified "
            + (f"{r.actual_kg / 1000:,.1f} t ({r.source})" if r.actual_kg is not None else "-")
            for r in out.trajectory
        ),
    )
    table.add_row(
        "reductions",
        f"{len(reductions)} reduction claims citing their allocations, "
        f"{sum(1 for c in reductions if c.passed)} PASS\n"
        f"expected {out.expected_reduction:,} kg, realised {out.realised_reduction:,} kg CO2e "
        "(attested by the auditor)\n"
        + "\n".join(
            f"{c.firm} {c.period}: {c.figures}, citing its allocation of "
            f"{out.allocations[c.firm]:,} kg"
            for c in reductions
        ),
    )
    lines = []
    for r in FIRM_ORDER:
        if r not in out.verification:
            continue
        rep = out.verification[r]
        lines.append(f"{r}: {rep.summary()}")
        lines += [f"  {f.check} FAILS: {f.detail}" for f in rep.failures]
    table.add_row("verification", "\n".join(lines))
    timings = "\n".join(f"{what}: {secs:.1f} s" for what, secs in out.timings)
    table.add_row("time", f"{elapsed:.1f} s in all\n{timings}")
    console.print(table)

    verdict = "everything holds" if out.verified else "FAILS"
    style = "bold green" if out.verified else "bold red"
    console.print(Text(f"verification: {verdict}", style=style))
    console.print(f"demo finished in {elapsed:.1f} s")


def _save_keys(scenario: Any, settings: Settings) -> tuple[Path, str]:
    """Each member's key as an encrypted keystore, under one printed password, so the story
    can be continued from the command line."""
    from carbonledger.client import new_keystore

    keys = settings.data_dir / "keys"
    keys.mkdir(exist_ok=True)
    password = "demo-" + secrets.token_hex(6)
    for role, member in scenario.members.items():
        path = keys / f"{role}.json"
        path.write_text(json.dumps(new_keystore(bytes(member.account.key), password)))
        path.chmod(0o600)
    return keys, password


def _next_steps(
    scenario: Any, settings: Settings, ledger: Any, keys: Path, password: str, running: bool
) -> None:
    """Where to look, and the commands that carry the story on."""
    files = Table(title="Where to look", title_justify="left", show_header=False)
    if running:
        files.add_row("API docs", f"{ledger.api_url}/docs")
        files.add_row("chain (JSON-RPC)", ledger.rpc_url)
    files.add_row("data directory", str(settings.data_dir))
    files.add_row("documents", str(settings.data_dir / "documents"))
    files.add_row("keystores", f"{keys} (password {password})")
    files.add_row("summary (JSON)", str(settings.data_dir / "demo-summary.json"))
    console.print(files)
    if not running:
        console.print(
            "The ledger has stopped. Run `carbonledger demo --keep-running` to continue the "
            "story from the command line against it."
        )
        return
    d = f"--data-dir {settings.data_dir}"
    carrier, shipper = keys / "carrier.json", keys / "shipper.json"
    auditor = keys / "auditor.json"
    console.print(
        "Carry the story on (in another terminal):\n"
        f"  export CARBONLEDGER_KEY_PASSWORD={password}\n"
        f"  carbonledger claim list --key {shipper} {d}\n"
        f"  carbonledger overlaps list --key {carrier} {d}\n"
        f"  carbonledger settlement list --key {shipper} {d}\n"
        f"  carbonledger claim export --key {shipper} {d} --format xlsx --out shipper.xlsx\n"
        f"  carbonledger verify --rpc {ledger.rpc_url} --manifest {settings.manifest_path} "
        f"--firm {scenario.members['carrier'].address} "
        f"--documents {settings.data_dir / 'documents' / 'carrier'} --report carrier.pdf\n"
        f"  carbonledger member list --key {auditor} {d}",
        soft_wrap=True,
    )


def _role(scenario: Any, address: str) -> str:
    for role, m in scenario.members.items():
        if m.address.lower() == address.lower():
            return str(role)
    return address


def command(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="A new data directory (default: a fresh temporary one)."),
    ] = None,
    chain_port: Annotated[
        int | None, typer.Option("--chain-port", help="Port of the embedded chain node.")
    ] = None,
    api_port: Annotated[int | None, typer.Option("--api-port", help="Port of the API.")] = None,
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="Leave the ledger up until Ctrl-C.")
    ] = False,
    shipments: Annotated[
        int, typer.Option("--shipments", min=20, help="The carrier's shipments in year one.")
    ] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated activity data.")] = 1,
) -> None:
    """Run a realistic supply-chain scenario on a fresh embedded chain, end to end, and
    verify it with the independent verifier (exit 0 when everything holds)."""
    from carbonledger.demo.data import build_scenario
    from carbonledger.demo.ledger import DemoLedger
    from carbonledger.demo.scenario import run_scenario

    started = time.monotonic()
    with clear_errors():
        settings, notes = _settings(data_dir, chain_port, api_port)
    for note in notes:
        err_console.print(f"[yellow]note:[/] {note}")
    step(f"data directory {settings.data_dir}")
    stop = threading.Event()
    fatal: list[str] = []

    def on_fatal(message: str) -> None:
        fatal.append(message)
        stop.set()

    ledger = DemoLedger(settings, say=step)
    try:
        with clear_errors():
            ledger.start(on_fatal=on_fatal)
            assert ledger.services is not None
            step(f"ledger up: chain {ledger.rpc_url}, API {ledger.api_url}")
            scenario = build_scenario(seed, shipments, ledger.services.standard)
            step(
                f"generated the activity data (seed {seed}): {len(scenario.fleet.trips):,} "
                f"trips, {shipments:,} shipments, {scenario.shared_shipments():,} of them the "
                "shipper's"
            )
            out = run_scenario(ledger, scenario, step)
        elapsed = time.monotonic() - started
        facts = _facts(out, scenario, elapsed)
        (settings.data_dir / "demo-summary.json").write_text(
            json.dumps(facts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        _summary(out, scenario, settings, ledger, elapsed)
        keys, password = _save_keys(scenario, settings)
        _next_steps(scenario, settings, ledger, keys, password, keep_running)
        if keep_running:
            console.print("The ledger stays up; press Ctrl-C to stop it.")
            signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
            with contextlib.suppress(KeyboardInterrupt):
                until_set(stop)
    finally:
        ledger.stop()
        if data_dir is None:  # a temporary directory of ours that nothing was written to
            with contextlib.suppress(OSError):
                settings.data_dir.parent.rmdir()
    if fatal:
        raise fail(fatal[0])
    raise typer.Exit(EXIT_OK if out.verified else EXIT_FAIL)
