"""Property tests: random sequences of calls against the deployed contracts (hypothesis stateful).

Each example starts from a chain snapshot and is rolled back afterwards. The machines keep a
small model of what must hold and compare it with the chain after every step:

* shares always sum to 10,000; allocations never exceed the realised reduction;
* no state changes through a non-member or a member without the right role;
* no nonce is accepted twice; a revoked claim never becomes valid again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from carbonledger.chain import typed_data as td
from tests.contracts.ledger import (
    Ledger,
    Member,
    attestation,
    citation,
    consent,
    decline,
    h,
    payment,
    send,
    terms_for,
)

ACTIVE, SUPERSEDED, REVOKED = 1, 2, 3
PROPOSED, AGREED, DECLINED, SETTLED = 1, 2, 3, 4

SETTINGS = settings(
    max_examples=6,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def fingerprint(ledger: Ledger, claim_ids: list[bytes], settlement_ids: list[bytes]) -> Any:
    """Everything a stray call could change, read back from the chain."""
    members = [*ledger.firms, ledger.auditor, ledger.checker, ledger.relayer, ledger.outsider]
    return (
        tuple(int(ledger.claims.nonces(m.address)) for m in members),
        tuple(int(ledger.settlement.nonces(m.address)) for m in members),
        tuple(tuple(ledger.claims.claimOf(c)) for c in claim_ids),
        tuple(tuple(ledger.settlement.settlementOf(s)) for s in settlement_ids),
        int(ledger.registry.proposalCount()),
        int(ledger.standards.versionCount()),
    )


def test_claim_ledger_properties_hold_over_random_call_sequences(ledger: Ledger) -> None:
    chain, claims = ledger.chain, ledger.claims
    firms, outsider, checker = ledger.firms, ledger.outsider, ledger.checker

    class ClaimMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.model: dict[bytes, dict[str, Any]] = {}
            self.accepted: list[tuple[td.Claim, bytes]] = []
            self.revoked: set[bytes] = set()
            self.nonces = {f.address: 0 for f in firms}

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        def _record(self, claim: td.Claim, total: int) -> None:
            signature = ledger.sign_claim(claim, ledger.member(claim.firm).key)
            claims.submitClaim(claim.as_tuple(), signature, sender=ledger.relayer.account)
            self.accepted.append((claim, signature))
            self.nonces[claim.firm] += 1
            self.model[claim.claim_id] = {
                "firm": claim.firm,
                "kind": int(claim.kind),
                "status": ACTIVE,
                "total": total,
            }

        @rule(firm=st.sampled_from(firms), scope1=st.integers(0, 10**9))
        def submit_footprint(self, firm: Member, scope1: int) -> None:
            claim = ledger.claim(firm, scope1=scope1)
            self._record(claim, td.gross_total(claim))

        @precondition(lambda self: bool(self.model))
        @rule(data=st.data(), firm=st.sampled_from(firms), amount=st.integers(0, 2 * 10**9))
        def submit_reduction(self, data: st.DataObject, firm: Member, amount: int) -> None:
            baseline = data.draw(st.sampled_from(sorted(self.model)))
            base = self.model[baseline]
            claim = ledger.reduction(
                firm, baseline, scope1=amount, scope2_market=0, scope3=0, scope2_location=0
            )
            ok = (
                base["firm"] == firm.address
                and base["kind"] == 0
                and base["status"] == ACTIVE
                and amount <= base["total"]
            )
            if ok:
                self._record(claim, amount)
            else:
                with ape.reverts():
                    ledger.submit(claim)

        @precondition(lambda self: bool(self.model))
        @rule(data=st.data(), signer=st.sampled_from(firms))
        def revoke(self, data: st.DataObject, signer: Member) -> None:
            claim_id = data.draw(st.sampled_from(sorted(self.model)))
            entry = self.model[claim_id]
            revocation, signature = ledger.revocation(claim_id, signer)
            ok = entry["firm"] == signer.address and entry["status"] == ACTIVE
            if ok:
                claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)
                entry["status"] = REVOKED
                self.revoked.add(claim_id)
                self.nonces[signer.address] += 1
            else:
                with ape.reverts():
                    claims.revokeClaim(
                        revocation.as_tuple(), signature, sender=ledger.relayer.account
                    )

        @precondition(lambda self: bool(self.model))
        @rule(data=st.data(), firm=st.sampled_from(firms))
        def amend(self, data: st.DataObject, firm: Member) -> None:
            claim_id = data.draw(st.sampled_from(sorted(self.model)))
            entry = self.model[claim_id]
            if entry["kind"] != 0:
                return
            claim = ledger.claim(firm, supersedes=claim_id)
            if entry["firm"] == firm.address and entry["status"] == ACTIVE:
                self._record(claim, td.gross_total(claim))
                entry["status"] = SUPERSEDED
            else:
                with ape.reverts():
                    ledger.submit(claim)

        @precondition(lambda self: bool(self.accepted))
        @rule(data=st.data())
        def replay_an_accepted_claim(self, data: st.DataObject) -> None:
            claim, signature = data.draw(st.sampled_from(self.accepted))
            with ape.reverts(
                claims.ClaimLedgerNonceAlreadyUsed, account=claim.firm, nonce=claim.nonce
            ):
                claims.submitClaim(claim.as_tuple(), signature, sender=ledger.relayer.account)

        @precondition(lambda self: bool(self.model))
        @rule(data=st.data(), passed=st.booleans())
        def check(self, data: st.DataObject, passed: bool) -> None:
            claim_id = data.draw(st.sampled_from(sorted(self.model)))
            if self.model[claim_id]["status"] == ACTIVE:
                ledger.check(claim_id, passed)
            else:
                with ape.reverts():
                    ledger.check(claim_id, passed)

        @rule(
            data=st.data(),
            actor=st.sampled_from(
                ["outsider", "firm-checks", "auditor-claims", "checker-publishes"]
            ),
        )
        def stray_call_changes_nothing(self, data: st.DataObject, actor: str) -> None:
            ids = sorted(self.model)
            before = fingerprint(ledger, ids, [])
            target = data.draw(st.sampled_from(ids)) if ids else h("none")
            with ape.reverts():
                if actor == "outsider":
                    claim = td.Claim(
                        **{**ledger.claim(firms[0]).__dict__, "firm": outsider.address}
                    )
                    ledger.submit(claim, key=outsider.key)
                elif actor == "firm-checks":
                    claims.recordCheck((target, True, h("r")), sender=firms[0].account)
                elif actor == "auditor-claims":
                    claim = replace(ledger.claim(firms[0]), firm=ledger.auditor.address)
                    ledger.submit(claim, key=ledger.auditor.key)
                else:
                    ledger.standards.proposePublication(h("rogue"), 0, sender=checker.account)
            assert fingerprint(ledger, ids, []) == before

        @invariant()
        def chain_matches_the_model(self) -> None:
            for claim_id, entry in self.model.items():
                record = claims.claimOf(claim_id)
                assert (record.firm, record.kind, record.status) == (
                    entry["firm"],
                    entry["kind"],
                    entry["status"],
                )
            for address, count in self.nonces.items():
                assert claims.nonces(address) == count

        @invariant()
        def revoked_claims_stay_revoked(self) -> None:
            for claim_id in self.revoked:
                assert claims.claimOf(claim_id).status == REVOKED
                assert not claims.isActive(claim_id)

    run_state_machine_as_test(ClaimMachine, settings=SETTINGS)


def test_overlap_settlement_properties_hold_over_random_call_sequences(ledger: Ledger) -> None:
    chain, s = ledger.chain, ledger.settlement
    firms = ledger.firms
    footprints = {f.address: ledger.recorded(f) for f in firms}
    reductions = {
        f.address: ledger.recorded_reduction(f, footprints[f.address].claim_id) for f in firms
    }
    claim_ids = [footprints[f.address].claim_id for f in firms]

    class SettlementMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.deals: dict[bytes, dict[str, Any]] = {}
            self.counter = 0

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        def _pick(self, data: st.DataObject) -> tuple[bytes, dict[str, Any]]:
            sid = data.draw(st.sampled_from(sorted(self.deals)))
            return sid, self.deals[sid]

        @rule(
            n=st.integers(2, 3),
            shares=st.lists(st.integers(0, 10_000), min_size=3, max_size=3),
            cost=st.integers(1, 10**12),
        )
        def propose(self, n: int, shares: list[int], cost: int) -> None:
            parties = firms[:n]
            chosen = shares[:n]
            self.counter += 1
            terms = terms_for(
                ledger,
                parties,
                claim_ids[:n],
                shares_bps=tuple(chosen),
                total_cost=cost,
                project_hash=h(f"project-{self.counter}"),
            )
            if sum(chosen) == 10_000 and all(chosen):
                s.propose(terms.as_tuple(), sender=ledger.relayer.account)
                self.deals[td.settlement_id(terms)] = {
                    "parties": parties,
                    "status": PROPOSED,
                    "consented": set(),
                    "realised": None,
                    "paid": dict.fromkeys((p.address for p in parties), 0),
                }
            else:
                with ape.reverts():
                    s.propose(terms.as_tuple(), sender=ledger.relayer.account)

        @precondition(lambda self: bool(self.deals))
        @rule(data=st.data(), party=st.sampled_from(firms), refuse=st.booleans())
        def consent_or_decline(self, data: st.DataObject, party: Member, refuse: bool) -> None:
            sid, deal = self._pick(data)
            is_party = party in deal["parties"]
            open_ = deal["status"] == PROPOSED
            if refuse:
                if is_party and open_:
                    send(ledger, "decline", decline(ledger, sid, party))
                    deal["status"] = DECLINED
                else:
                    with ape.reverts():
                        send(ledger, "decline", decline(ledger, sid, party))
                return
            if is_party and open_ and party.address not in deal["consented"]:
                send(ledger, "consent", consent(ledger, sid, party))
                deal["consented"].add(party.address)
                if len(deal["consented"]) == len(deal["parties"]):
                    deal["status"] = AGREED
            else:
                with ape.reverts():
                    send(ledger, "consent", consent(ledger, sid, party))

        @precondition(lambda self: bool(self.deals))
        @rule(data=st.data(), realised=st.integers(0, 10**12))
        def record_reduction(self, data: st.DataObject, realised: int) -> None:
            sid, deal = self._pick(data)
            ok = deal["status"] in (AGREED, SETTLED) and deal["realised"] is None and realised
            if ok:
                send(ledger, "recordReduction", attestation(ledger, sid, realised))
                deal["realised"] = realised
            else:
                with ape.reverts():
                    send(ledger, "recordReduction", attestation(ledger, sid, realised))

        @precondition(lambda self: bool(self.deals))
        @rule(data=st.data(), party=st.sampled_from(firms), owner=st.sampled_from(firms))
        def cite(self, data: st.DataObject, party: Member, owner: Member) -> None:
            sid, deal = self._pick(data)
            claim_id = reductions[owner.address].claim_id
            view = s.partyOf(sid, party.address)
            ok = (
                party in deal["parties"]
                and deal["realised"] is not None
                and view.allocationKgCO2e > 0
                and owner == party
                and view.citingClaim != claim_id
            )
            if ok:
                send(ledger, "citeAllocation", citation(ledger, sid, party, claim_id))
            else:
                with ape.reverts():
                    send(ledger, "citeAllocation", citation(ledger, sid, party, claim_id))

        @precondition(lambda self: bool(self.deals))
        @rule(data=st.data(), party=st.sampled_from(firms), fraction=st.integers(0, 110))
        def pay(self, data: st.DataObject, party: Member, fraction: int) -> None:
            sid, deal = self._pick(data)
            is_party = party in deal["parties"]
            due = s.partyOf(sid, party.address).costShare if is_party else 0
            left = due - deal["paid"].get(party.address, 0)
            amount = max(1, due * fraction // 100) if due else 1
            if is_party and deal["status"] == AGREED and amount <= left:
                send(ledger, "recordPayment", payment(ledger, sid, party, amount))
                deal["paid"][party.address] += amount
                if all(
                    deal["paid"][p.address] == s.partyOf(sid, p.address).costShare
                    for p in deal["parties"]
                ):
                    deal["status"] = SETTLED
            else:
                with ape.reverts():
                    send(ledger, "recordPayment", payment(ledger, sid, party, amount))

        @precondition(lambda self: bool(self.deals))
        @rule(
            data=st.data(),
            stray=st.sampled_from(["outsider-consents", "firm-attests", "outsider-proposes"]),
        )
        def stray_call_changes_nothing(self, data: st.DataObject, stray: str) -> None:
            sid, _ = self._pick(data)
            before = fingerprint(ledger, [], sorted(self.deals))
            with ape.reverts():
                if stray == "outsider-consents":
                    send(ledger, "consent", consent(ledger, sid, ledger.outsider))
                elif stray == "firm-attests":
                    send(ledger, "recordReduction", attestation(ledger, sid, 5, auditor=firms[0]))
                else:
                    terms = terms_for(ledger, firms[:2], claim_ids[:2], project_hash=h("stray"))
                    s.propose(terms.as_tuple(), sender=ledger.outsider.account)
            assert fingerprint(ledger, [], sorted(self.deals)) == before

        @invariant()
        def shares_sum_to_10000_and_allocations_stay_within_the_realised_reduction(self) -> None:
            for sid, deal in self.deals.items():
                views = [s.partyOf(sid, p.address) for p in deal["parties"]]
                assert sum(v.shareBps for v in views) == 10_000
                settlement = s.settlementOf(sid)
                assert settlement.status == deal["status"]
                allocated = sum(v.allocationKgCO2e for v in views)
                if deal["realised"] is None:
                    assert allocated == 0
                else:
                    assert allocated <= settlement.realisedKgCO2e == deal["realised"]
                for v, p in zip(views, deal["parties"], strict=True):
                    assert v.paid == deal["paid"][p.address] <= v.costShare

    run_state_machine_as_test(SettlementMachine, settings=SETTINGS)
