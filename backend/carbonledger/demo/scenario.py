"""The demo's story, run against a live ledger through the same doors a firm uses.

Admissions go through the registry with the deployer's admin key
(:mod:`carbonledger.chain.admin`); every firm and the auditor then act only through
:class:`~carbonledger.client.LedgerClient` over HTTP, each signing with its own key; the
verification at the end is :func:`carbonledger.verify.verify_firm` over the RPC endpoint and
the deployment manifest, with the documents the firms wrote -- no service involved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from carbonledger.client import LedgerClient
from carbonledger.demo.data import FIRM_ORDER, YEAR_ONE, YEAR_TWO, Scenario, as_bytes
from carbonledger.demo.ledger import DemoLedger
from carbonledger.errors import CarbonLedgerError
from carbonledger.planner.proposal import proposal_terms
from carbonledger.planner.targets import Target, TrajectoryRow
from carbonledger.tracking import recorded_targets, sign_document, trajectory
from carbonledger.verify import Report, RpcChainPort, resolve_addresses, verify_firm

Say = Callable[[str], None]
#: The joint plan's goal: cut this % of the carrier-shipper overlap (counted once) per year.
PLAN_TARGET_PCT = "20"
#: The carrier's target year (a logistics firm's -50 % by 2030).
TARGET_YEAR = 2030


class DemoFailed(CarbonLedgerError):
    """A step of the demo did not do what it should."""


@dataclass
class ClaimRow:
    firm: str
    kind: str
    period: str
    lines: int
    claim_id: str
    state: str
    passed: bool
    figures: str
    path: Path
    answer: dict[str, Any]


@dataclass
class Outcome:
    """What happened, for the summary."""

    #: (role, name, address, roles)
    members: list[tuple[str, str, str, str]] = field(default_factory=list)
    standard: str = ""
    claims: list[ClaimRow] = field(default_factory=list)
    overlaps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    overlap: dict[str, Any] = field(default_factory=dict)
    site_overlap: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    trajectory: list[TrajectoryRow] = field(default_factory=list)
    proposal: dict[str, Any] = field(default_factory=dict)
    settlement: dict[str, Any] = field(default_factory=dict)
    expected_reduction: int = 0
    realised_reduction: int = 0
    allocations: dict[str, int] = field(default_factory=dict)
    payments: list[tuple[str, int, str]] = field(default_factory=list)
    verification: dict[str, Report] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return len(self.verification) == len(FIRM_ORDER) and all(
            r.ok for r in self.verification.values()
        )


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailed(message)


class Run:
    def __init__(self, ledger: DemoLedger, scenario: Scenario, say: Say) -> None:
        self.ledger = ledger
        self.sc = scenario
        self.say = say
        self.out = Outcome()
        self.clients: dict[str, LedgerClient] = {}
        self.documents = ledger.settings.data_dir / "documents"
        self._t = time.monotonic()

    def _lap(self, what: str) -> None:
        now = time.monotonic()
        self.out.timings.append((what, now - self._t))
        self._t = now

    # --- 1. the consortium ---
    def admit(self) -> None:
        assert self.ledger.services is not None
        services = self.ledger.services
        self.out.standard = services.standard.version_id
        admin = services.ledger.as_admin(self.ledger.settings.keys().deployer)
        for role, m in self.sc.members.items():
            outcome = admin.admit(m.address, m.name, keccak(text=m.identifier), m.roles)
            _expect(outcome.executed, f"the admission of {m.name} was not executed")
            self.out.members.append((role, m.name, m.address, ",".join(m.roles)))
            self.say(f"admitted the {role} {m.name} ({m.address}) as {', '.join(m.roles)}")
        for role, m in self.sc.members.items():
            client = LedgerClient(self.ledger.api_url, m.account, standard=services.standard)
            client.login()
            client.register_vault_key()
            self.clients[role] = client
        self._lap("consortium: 4 admissions, logins, vault keys")

    # --- 2. year one ---
    def _write(self, role: str, name: str, doc: dict[str, Any]) -> tuple[Path, bytes]:
        folder = self.documents / role
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        data = as_bytes(doc)
        path.write_bytes(data)
        return path, data

    def _submit(
        self, role: str, name: str, doc: dict[str, Any], baseline: bytes | None = None
    ) -> ClaimRow:
        path, data = self._write(role, name, doc)
        client = self.clients[role]
        answer = client.submit_claim(data, baseline=baseline)
        claim_id = str(answer["claim_id"])
        state = str(answer.get("state"))
        deadline = time.monotonic() + 60
        while state != "checked" and time.monotonic() < deadline:
            time.sleep(0.25)
            state = str(client.claim(claim_id).get("state"))
        check = answer.get("check") or {}
        passed = bool(check.get("passed"))
        if not passed:
            findings = check.get("report", {}).get("findings", [])
            rules = [f"{f['rule']} {f['path']}" for f in findings]
            raise DemoFailed(f"{path.name} did not pass the checker: {rules[:5]}")
        _expect(state == "checked", f"{path.name} is {state} on chain, not checked")
        onchain = check.get("report", {}).get("onchain_kgco2e", {})
        if doc["kind"] == "footprint":
            figures = (
                f"scope 1 {onchain.get('scope1', 0) / 1000:,.1f} t, scope 2 (market) "
                f"{onchain.get('scope2_market', 0) / 1000:,.1f} t, scope 3 "
                f"{onchain.get('scope3', 0) / 1000:,.1f} t CO2e"
            )
        else:
            counted = onchain.get("inventory_reduction", 0)
            figures = f"reduction {counted:,} kg CO2e"
        row = ClaimRow(
            firm=role,
            kind=str(doc["kind"]),
            period=f"{doc['period']['start'][:4]}",
            lines=len(doc["lines"]),
            claim_id=claim_id,
            state=state,
            passed=passed,
            figures=figures,
            path=path,
            answer=answer,
        )
        self.out.claims.append(row)
        self.say(f"{role}: {doc['kind']} {row.period} ({row.lines} lines) {state}, PASS; {figures}")
        return row

    def year_one(self) -> None:
        for role in ("carrier", "shipper", "warehouse"):
            self._submit(role, f"{YEAR_ONE}-footprint.json", self.sc.footprints[role])
        self._lap("year one: 3 footprints submitted, checked, anchored")

    # --- 3. overlaps and the settlement ---
    def overlaps(self) -> None:
        for role in FIRM_ORDER:
            self.out.overlaps[role] = self.clients[role].overlaps()
        o = self.out.overlap = self._the_overlap("carrier", "shipper")
        self.say(
            f"overlap: {o['shipments']} shared shipments, {o['overlap_kgco2e']:,} kg CO2e both "
            f"count; default split {[p['default_share_bps'] for p in o['parties']]} bps"
        )
        # the warehouse's site electricity allocated to the shipper is its site_share line
        site = self.out.site_overlap = self._the_overlap("warehouse", "shipper")
        self.say(
            f"overlap: the warehouse's site electricity allocated to the shipper, "
            f"{site['overlap_kgco2e']:,} kg CO2e both count"
        )
        self._lap("overlaps found")

    def _the_overlap(self, role: str, partner: str) -> dict[str, Any]:
        """The one overlap ``role`` has with ``partner``, which the partner sees too."""
        address = {r: self.sc.members[r].address for r in (role, partner)}
        found = [o for o in self.out.overlaps[role] if o["partner"] == address[partner]]
        _expect(len(found) == 1, f"expected one {role}-{partner} overlap, found {len(found)}")
        mirrored = [o for o in self.out.overlaps[partner] if o["partner"] == address[role]]
        _expect(
            [o["overlap_id"] for o in mirrored] == [found[0]["overlap_id"]],
            f"the {partner} does not see the {role}'s overlap",
        )
        return found[0]

    def plan(self) -> None:
        """The carrier plans the joint project on the overlap; the shipper re-runs it."""
        carrier, shipper = self.clients["carrier"], self.clients["shipper"]
        overlap_id = str(self.out.overlap["overlap_id"])
        answer = carrier.plan(overlap_id, "pct", PLAN_TARGET_PCT)
        again = shipper.plan(overlap_id, "pct", PLAN_TARGET_PCT)
        _expect(
            again["plan_hash"] == answer["plan_hash"],
            "the shipper's re-run of the plan does not hash to the carrier's",
        )
        self.out.plan = answer
        joint = answer["plan"]["joint"]
        alone = [p["stand_alone"] for p in answer["plan"]["parties"]]
        cheaper = all(
            not a["reachable"] or float(joint["cost_per_tco2e"]) < float(a["cost_per_tco2e"])
            for a in alone
        )
        if not cheaper:
            # a small data set (--shipments) can leave too little overlap for the shared
            # project to beat a party's own cheapest option: said, and the story goes on
            self.say("note: with this data the joint plan is not cheaper per tonne than each alone")
        self.say(
            f"plan {answer['plan_hash'][:18]}…: cut {PLAN_TARGET_PCT}% of the overlap, "
            f"{joint['removed_tco2e']} t for ¥{joint['cost_per_year']}/yr = "
            f"¥{joint['cost_per_tco2e']}/t (alone: "
            + ", ".join(
                f"¥{a['cost_per_tco2e']}/t" if a["reachable"] else "unreachable" for a in alone
            )
            + f"); split {answer['plan']['recommended']['method']} {answer['shares_bps']} bps"
        )
        self._lap("joint abatement plan solved (and re-run by the partner)")

    def settle(self) -> None:
        carrier, shipper = self.clients["carrier"], self.clients["shipper"]
        terms = proposal_terms(self.out.plan)
        self.out.expected_reduction = int(terms["expected_reduction_kgco2e"])
        proposal = carrier.propose_settlement(terms.pop("overlap_id"), **terms)
        self.out.proposal = proposal
        sid = str(proposal["settlement_id"])
        _expect(proposal["status"] == "proposed", f"proposal is {proposal['status']}")
        self.say(f"the carrier proposed settlement {sid[:18]}… from the plan (its hash recorded)")
        shipper.sign_settlement(sid)
        agreed = carrier.sign_settlement(sid)
        _expect(agreed["status"] == "agreed", f"after both consents: {agreed['status']}")
        self.say("both parties signed: agreed")
        self._lap("settlement proposed and signed by both")

        # year two happens: the auditor attests the realised reduction
        self.out.realised_reduction = self.sc.realised_reduction
        attested = self.clients["auditor"].attest_reduction(
            sid, self.out.realised_reduction, self.sc.evidence()
        )
        _expect(bool(attested["reduction_recorded"]), "the reduction was not recorded")
        self.say(f"the auditor attested {self.out.realised_reduction:,} kg CO2e realised")
        for role in ("carrier", "shipper"):
            mine = self.clients[role].allocations([sid])
            self.out.allocations[role] = int(mine[sid])
        _expect(
            sum(self.out.allocations.values()) == self.out.realised_reduction,
            "the allocations do not add up to the realised reduction",
        )
        self._lap("reduction attested and allocated")

        # year-two reduction claims cite their allocations
        for role, build in (
            ("carrier", self.sc.carrier_reduction),
            ("shipper", self.sc.shipper_reduction),
        ):
            baseline = self.sc.footprints[role]
            doc = build(sid, self.out.allocations[role], baseline)
            self._submit(role, f"{YEAR_TWO}-reduction.json", doc, baseline=as_bytes(baseline))
        self._lap("year two: 2 reduction claims citing their allocations")

        # payments until settled
        view = carrier.settlement(sid)
        for p in view["parties"]:
            role = "carrier" if p["firm"] == self.sc.members["carrier"].address else "shipper"
            first = p["cost_share"] // 2
            for i, amount in enumerate((first, p["cost_share"] - first), start=1):
                reference = f"{role.upper()}-{YEAR_TWO}-PAY-{i}"
                self.clients[role].pay_settlement(sid, amount, reference)
                self.out.payments.append((role, amount, reference))
        final = carrier.settlement(sid)
        deadline = time.monotonic() + 30
        while any(p["citing_claim"] is None for p in final["parties"]) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.25)
            final = carrier.settlement(sid)
        self.out.settlement = final
        _expect(final["status"] == "settled", f"after the payments: {final['status']}")
        self.say("both parties paid their cost shares: settled")
        self._lap("payments recorded until settled")

    # --- 4. a target, signed and tracked on the two years of verified claims ---
    def target(self) -> None:
        """The carrier commits to -50 % scope 1+2 by 2030 against its 2024 footprint."""
        carrier = self.clients["carrier"]
        base = next(c for c in self.out.claims if c.firm == "carrier" and c.kind == "footprint")
        goal = Target(
            firm=self.sc.members["carrier"].address,
            base_claim_id=base.claim_id.lower(),
            base_year=YEAR_ONE,
            target_year=TARGET_YEAR,
            reduction_bps=5_000,
            scopes=(1, 2),
        )
        signed = sign_document(carrier, goal)  # recorded on chain by the TargetRegistry
        on_chain = dict(recorded_targets(carrier, goal.firm))[signed["target_id"]]
        rows = trajectory(carrier, on_chain)
        self.out.target = signed
        self.out.trajectory = rows
        seen = [r for r in rows if r.actual_kg is not None]
        self.say(
            f"carrier target -50% scope 1+2 by {TARGET_YEAR} vs {YEAR_ONE}, signed "
            f"{signed['signature'][:14]}…, recorded on chain as {signed['target_id'][:14]}… "
            f"(tx {signed['tx_hash'][:14]}…): "
            + "; ".join(
                f"{r.year} {r.actual_kg / 1000:,.1f} t vs path {r.path_kg / 1000:,.1f} t"
                for r in seen
                if r.actual_kg is not None
            )
        )
        self._lap("a target signed and tracked on verified claims")

    # --- 5. the auditor's independent verification ---
    def verify(self) -> None:
        port = RpcChainPort(self.ledger.rpc_url)
        try:
            addresses = resolve_addresses(port, manifest=self.ledger.settings.manifest_path)
            for role in FIRM_ORDER:
                report = verify_firm(
                    port, addresses, self.sc.members[role].address.lower(), self.documents / role
                )
                self.out.verification[role] = report
                self.say(f"verify {role}: {report.summary()}")
        finally:
            port.close()
        self._lap("independent verification of every firm")

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def run_scenario(ledger: DemoLedger, scenario: Scenario, say: Say) -> Outcome:
    run = Run(ledger, scenario, say)
    try:
        run.admit()
        run.year_one()
        run.overlaps()
        run.plan()
        run.settle()
        run.target()
        run.verify()
    finally:
        run.close()
    return run.out
