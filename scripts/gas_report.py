"""Gas per ledger operation, measured on a fresh deployment.

    ./run ape run gas_report --network ethereum:local:foundry

Deploys the five contracts, admits three firms, an auditor, a checker and a relayer, publishes
standard version 1, then sends each operation as a real transaction (claims signed off-chain
with eth-account, exactly as a firm's software signs them) and prints the gas used.

The registries are bound to the ClaimLedger as the deployment binds them (``setClaimLedger``).
With ``GAS_REPORT_UNBOUND=1`` they are not: the ledger then reads the registries on every
look-up (the cost of the mirror's absence, and of governance without its pushes).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from ape import accounts, chain, project
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.chain import typed_data as td
from carbonledger.vocab import ClaimTree, Target, TargetKind, claim_leaf, target_registry_domain

ADMIN, FIRM, AUDITOR, CHECKER, RELAYER = 1, 2, 4, 8, 16
DAY = 86_400


def h(label: str) -> bytes:
    return keccak(label.encode())


def key(label: str) -> LocalAccount:
    return Account.from_key(h(f"gas-report:{label}"))


class Bench:
    """A fresh consortium and the operations to measure."""

    def __init__(self) -> None:
        test = accounts.test_accounts
        self.admin, self.relayer, self.checker = test[0], test[1], test[2]
        self.firms = [test[3], test[4], test[5]]
        self.auditor = test[6]
        self.keys = {a.address: key(a.address) for a in [*self.firms, self.auditor]}
        self.registry = self.admin.deploy(project.MemberRegistry, [self.admin.address], 1)
        self.standards = self.admin.deploy(project.StandardRegistry, self.registry.address)
        self.claims = self.admin.deploy(
            project.ClaimLedger, self.registry.address, self.standards.address
        )
        self.settlement = self.admin.deploy(
            project.OverlapSettlement, self.registry.address, self.claims.address
        )
        self.targets = self.admin.deploy(
            project.TargetRegistry, self.registry.address, self.claims.address
        )
        # The wiring the deployment does: the registries push changes into the ledger's mirror.
        if not os.environ.get("GAS_REPORT_UNBOUND"):
            self.registry.setClaimLedger(self.claims.address, sender=self.admin)
            self.standards.setClaimLedger(self.claims.address, sender=self.admin)
        members = [(f, FIRM) for f in self.firms]
        members += [(self.auditor, AUDITOR), (self.checker, CHECKER), (self.relayer, RELAYER)]
        for account, roles in members:
            signing_key = self.keys.get(account.address)
            tx = self.registry.proposeAdmission(
                account.address,
                h(f"reg:{account.address}"),
                f"Member {account.address[:8]}",
                signing_key.address if signing_key else account.address,
                roles,
                sender=self.admin,
            )
            executed = self.registry.execute(tx.return_value, sender=self.admin)
            self.admission_gas = int(executed.gas_used)
        self.standards.proposePublication(h("standard-v1"), 0, sender=self.admin)  # quorum 1
        self.claim_domain = td.claim_ledger_domain(chain.chain_id, self.claims.address)
        self.settlement_domain = td.overlap_settlement_domain(
            chain.chain_id, self.settlement.address
        )
        self.counter = 0
        self.nonce = {f.address: 0 for f in [*self.firms, self.auditor]}
        self.snonce = {f.address: 0 for f in [*self.firms, self.auditor]}

    # ------------------------------------------------------------- claims
    def claim(self, firm: Any, **fields: Any) -> tuple[td.Claim, bytes]:
        self.counter += 1
        claim = td.Claim(
            firm=firm.address,
            kind=td.ClaimKind.FOOTPRINT,
            standard_version=1,
            period_start=1_704_067_200,
            period_end=1_735_689_600,
            document_hash=h(f"document-{self.counter}"),
            activity_root=h(f"activities-{self.counter}"),
            scope1=1_234_567,
            scope2_location=876_543,
            scope2_market=654_321,
            scope3=98_765_432,
            biogenic=12_345,
            nonce=self.nonce[firm.address],
            deadline=chain.pending_timestamp + DAY,
        )
        claim = replace(claim, **fields)
        self.nonce[firm.address] += 1
        key_ = self.keys[firm.address]
        return claim, td.sign_typed_data(key_.key, td.claim_typed_data(self.claim_domain, claim))

    def submit(self, firm: Any, **fields: Any) -> tuple[td.Claim, int]:
        claim, signature = self.claim(firm, **fields)
        tx = self.claims.submitClaim(claim.as_tuple(), signature, sender=self.relayer)
        return claim, tx.gas_used

    def batch(self, firms: list[Any], n: int) -> int:
        signed = [self.claim(firms[i % len(firms)]) for i in range(n)]
        tx = self.claims.submitClaims(
            [c.as_tuple() for c, _ in signed], [s for _, s in signed], sender=self.relayer
        )
        return int(tx.gas_used)

    def signed(self, signer: Any, builder: Any, message_type: Any, **fields: Any) -> Any:
        # an Audit is signed under the ClaimLedger domain and its nonces; the rest under the
        # settlement's (the typed-data builders are one function now, so ask the message type)
        on_ledger = message_type is td.Audit
        nonce = self.nonce if on_ledger else self.snonce
        domain = self.claim_domain if on_ledger else self.settlement_domain
        message = message_type(
            **fields, nonce=nonce[signer.address], deadline=chain.pending_timestamp + DAY
        )
        nonce[signer.address] += 1
        sig = td.sign_typed_data(self.keys[signer.address].key, builder(domain, message))
        return message.as_tuple(), sig


def root_rows(b: Bench) -> list[tuple[str, float]]:
    """Root mode: one ``recordRoot`` per 1,000 signed claims, and one claim's admission."""
    roots = project.ClaimRoots.at(b.claims.claimRoots())
    signed = [b.claim(b.firms[i % len(b.firms)]) for i in range(1000)]
    leaves = [claim_leaf(td.claim_digest(b.claim_domain, c), s) for c, s in signed]
    tree = ClaimTree.build(leaves)
    tx = roots.recordRoot(tree.root, len(signed), sender=b.relayer)
    rows: list[tuple[str, float]] = [
        ("root of 1,000 claims: recordRoot (the whole transaction)", tx.gas_used),
        ("root of 1,000 claims: per claim (signatures NOT checked on chain)", tx.gas_used / 1000),
    ]
    claim, sig = signed[-1]
    tx = roots.admitClaim(claim.as_tuple(), sig, tree.root, tree.proof(999), sender=b.relayer)
    rows.append(
        (f"root claim: admission with its proof ({len(tree.proof(999))} hashes)", tx.gas_used)
    )
    return rows


def main() -> None:
    b = Bench()
    a, f2, f3 = b.firms
    rows: list[tuple[str, float]] = []

    _, first = b.submit(a)
    rows.append(("claim, single: the firm's first (nonce 0 -> 1)", first))
    footprint, single = b.submit(a)
    rows.append(("claim, single: steady state (signature checked on chain)", single))
    reduction, gas = b.submit(
        a,
        kind=td.ClaimKind.REDUCTION,
        baseline=footprint.claim_id,
        scope1=100_000,
        scope2_market=50_000,
        scope3=1_000_000,
    )
    rows.append(("claim, single: reduction against a baseline", gas))
    _, gas = b.submit(a, supersedes=footprint.claim_id)
    rows.append(("claim, single: amendment superseding a claim", gas))
    for n in (10, 100):
        rows.append((f"claims, batch of {n}, one firm: per claim", b.batch([a], n) / n))
    rows.append(("claims, batch of 100, three firms: per claim", b.batch(b.firms, 100) / 100))

    to_check, _ = b.submit(a)
    tx = b.claims.recordCheck((to_check.claim_id, True, h("report")), sender=b.checker)
    rows.append(("check, single", tx.gas_used))
    ids = [b.submit(a)[0].claim_id for _ in range(10)]
    tx = b.claims.recordChecks([(i, True, h("report")) for i in ids], sender=b.checker)
    rows.append(("checks, batch of 10: per check", tx.gas_used / 10))
    audit = b.signed(
        b.auditor,
        td.audit_typed_data,
        td.Audit,
        claim_id=to_check.claim_id,
        auditor=b.auditor.address,
        verdict=td.AuditVerdict.APPROVED,
        report_hash=h("audit"),
    )
    rows.append(
        ("audit (auditor-signed verdict)", b.claims.recordAudit(*audit, sender=b.relayer).gas_used)
    )
    revocation_claim, _ = b.submit(a)
    revocation = td.Revocation(
        claim_id=revocation_claim.claim_id,
        firm=a.address,
        reason_hash=h("reason"),
        nonce=b.nonce[a.address],
        deadline=chain.pending_timestamp + DAY,
    )
    b.nonce[a.address] += 1
    sig = td.sign_typed_data(
        b.keys[a.address].key, td.revocation_typed_data(b.claim_domain, revocation)
    )
    rows.append(
        (
            "revoke (firm-signed)",
            b.claims.revokeClaim(revocation.as_tuple(), sig, sender=b.relayer).gas_used,
        )
    )

    # ------------------------------------------------------------- target
    base, _ = b.submit(a)
    target = Target(
        firm=a.address,
        base_claim_id=base.claim_id,
        base_year=2024,
        target_year=2030,
        reduction_bps=4_200,
        kind=int(TargetKind.NEAR_TERM),
        coverage=Target.coverage_bits((1, 2, 3), (1, 4)),
        audited_only=True,
        document_hash=h("target"),
        nonce=0,
        deadline=chain.pending_timestamp + DAY,
    )
    domain = target_registry_domain(chain.chain_id, b.targets.address)
    sig = td.sign_typed_data(b.keys[a.address].key, target.typed_data(domain))
    tx = b.targets.recordTarget(target.as_tuple(), sig, sender=b.relayer)
    rows.append(("target: record (firm-signed, base claim read from the ledger)", tx.gas_used))

    # ------------------------------------------------------------- settlement
    own_footprint, _ = b.submit(a)
    other_footprint, _ = b.submit(f2)
    terms = td.SettlementTerms(
        parties=(a.address, f2.address),
        shares_bps=(6_000, 4_000),
        claim_ids=(own_footprint.claim_id, other_footprint.claim_id),
        overlap_kg_co2e=500_000,
        shipment_root=h("shipments"),
        project_hash=h("project"),
        total_cost=12_500_000,
        currency="EUR",
        expected_reduction_kg_co2e=300_000,
        signing_deadline=chain.pending_timestamp + 7 * DAY,
    )
    sid = td.settlement_id(terms)
    rows.append(
        (
            "settlement: propose (2 parties, 2 claims)",
            b.settlement.propose(terms.as_tuple(), sender=b.relayer).gas_used,
        )
    )
    for i, party in enumerate((a, f2)):
        msg = b.signed(
            party, td.consent_typed_data, td.Consent, settlement_id=sid, party=party.address
        )
        label = "settlement: sign (consent)" if i == 0 else "settlement: sign, last party (agreed)"
        rows.append((label, b.settlement.consent(*msg, sender=b.relayer).gas_used))
    msg = b.signed(
        b.auditor,
        td.reduction_attestation_typed_data,
        td.ReductionAttestation,
        settlement_id=sid,
        auditor=b.auditor.address,
        realised_kg_co2e=280_000,
        evidence_hash=h("evidence"),
    )
    rows.append(
        (
            "settlement: record realised reduction (auditor-attested)",
            b.settlement.recordReduction(*msg, sender=b.relayer).gas_used,
        )
    )
    msg = b.signed(
        a,
        td.citation_typed_data,
        td.Citation,
        settlement_id=sid,
        party=a.address,
        claim_id=reduction.claim_id,
    )
    rows.append(
        (
            "settlement: cite allocation in a reduction claim",
            b.settlement.citeAllocation(*msg, sender=b.relayer).gas_used,
        )
    )
    for i, (party, amount) in enumerate(((a, 7_500_000), (f2, 5_000_000))):
        msg = b.signed(
            party,
            td.payment_typed_data,
            td.Payment,
            settlement_id=sid,
            payer=party.address,
            amount=amount,
            reference_hash=h(f"pay-{i}"),
        )
        label = (
            "settlement: pay (record payment)"
            if i == 0
            else "settlement: pay, last share (settled)"
        )
        rows.append((label, b.settlement.recordPayment(*msg, sender=b.relayer).gas_used))
    # ------------------------------------------------------------- governance (mirror pushes)
    rows.append(("member admission: execute (relayer, pushed to the mirror)", b.admission_gas))
    tx = b.registry.rotateSigningKey(key("rotated").address, sender=f3)
    rows.append(("signing-key rotation (pushed to the mirror)", tx.gas_used))
    tx = b.registry.proposeSuspension(f3.address, sender=b.admin)
    tx = b.registry.execute(tx.return_value, sender=b.admin)
    rows.append(("member suspension: execute (pushed to the mirror)", tx.gas_used))
    tx = b.standards.proposePublication(h("standard-v2"), 0, sender=b.admin)
    rows.append(("standard: propose + publish a version at quorum 1 (mirror)", tx.gas_used))

    # last: root claims take nonces the chain's counters see only at admission
    rows.extend(root_rows(b))

    width = max(len(label) for label, _ in rows)
    print(f"\n{'operation':<{width}}  gas")
    print(f"{'-' * width}  -------")
    for label, gas in rows:
        print(f"{label:<{width}}  {gas:>9,.0f}")
