"""OverlapSettlement: proposal, unanimous signed consent, audited reduction, citation, payments."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import ape
import pytest

from carbonledger.chain import typed_data as td
from tests.contracts.ledger import (
    AUDITOR,
    FIRM,
    ZERO32,
    ZERO_ADDRESS,
    Ledger,
    Member,
    attestation,
    citation,
    consent,
    constructor_revert,
    decline,
    emitted,
    encode_error,
    event_names,
    h,
    key_for,
    payment,
    send,
    terms_for,
)

NONE, PROPOSED, AGREED, DECLINED, SETTLED, EXPIRED = range(6)


@dataclass
class Deal:
    ledger: Ledger
    parties: list[Member]
    terms: td.SettlementTerms
    sid: bytes
    footprints: list[td.Claim]


def make_terms(
    ledger: Ledger, **fields: Any
) -> tuple[list[Member], list[td.Claim], td.SettlementTerms]:
    parties = ledger.firms[:3]
    footprints = [ledger.recorded(p) for p in parties[:2]]
    return (
        parties,
        footprints,
        terms_for(ledger, parties, [c.claim_id for c in footprints], **fields),
    )


@pytest.fixture
def proposed(ledger: Ledger) -> Deal:
    parties, footprints, terms = make_terms(ledger)
    ledger.settlement.propose(terms.as_tuple(), sender=parties[0].account)
    return Deal(ledger, parties, terms, td.settlement_id(terms), footprints)


@pytest.fixture
def agreed(proposed: Deal) -> Deal:
    for party in proposed.parties:
        send(proposed.ledger, "consent", consent(proposed.ledger, proposed.sid, party))
    return proposed


@pytest.fixture
def realised(agreed: Deal) -> Deal:
    send(agreed.ledger, "recordReduction", attestation(agreed.ledger, agreed.sid, 1_000))
    return agreed


# ------------------------------------------------------------------ proposal


def test_a_party_proposes_and_the_id_is_the_struct_hash_of_the_terms(ledger: Ledger) -> None:
    parties, _, terms = make_terms(ledger)
    sid = td.settlement_id(terms)
    assert ledger.settlement.hashTerms(terms.as_tuple()) == sid
    s = ledger.settlement
    tx = s.propose(terms.as_tuple(), sender=parties[1].account)
    assert tx.return_value == sid
    [event] = emitted(tx, ledger.settlement.SettlementProposed)
    assert event["settlementId"] == sid and event["proposer"] == parties[1].address
    # the emitted terms are exactly the proposed ones: they hash to the settlement id
    assert s.hashTerms(event["terms"]) == sid
    view = ledger.settlement.settlementOf(sid)
    assert (view.status, view.signingDeadline, view.consents, view.totalCost, view.currency) == (
        PROPOSED,
        terms.signing_deadline,
        0,
        1_000_001,
        b"EUR",
    )
    assert list(view.parties) == [p.address for p in parties]
    # shares 3334/3333/3333 of 1,000,001: floors 333,400 + 333,300 + 333,300;
    # the remainder of 1 goes to the largest share
    costs = [ledger.settlement.partyOf(sid, p.address).costShare for p in parties]
    assert costs == [333_401, 333_300, 333_300]
    assert sum(costs) == terms.total_cost


def test_a_relayer_may_propose_on_behalf_of_the_parties(ledger: Ledger) -> None:
    _, _, terms = make_terms(ledger)
    tx = ledger.settlement.propose(terms.as_tuple(), sender=ledger.relayer.account)
    assert (
        emitted(tx, ledger.settlement.SettlementProposed)[0]["proposer"] == ledger.relayer.address
    )


def test_proposals_by_non_parties_and_other_roles_are_refused(ledger: Ledger) -> None:
    parties, footprints, _ = make_terms(ledger)
    terms = terms_for(ledger, parties[:2], [c.claim_id for c in footprints])
    for member in (parties[2], ledger.outsider, ledger.checker, ledger.auditor):
        with ape.reverts(
            ledger.settlement.OverlapSettlementUnauthorizedProposer, account=member.address
        ):
            ledger.settlement.propose(terms.as_tuple(), sender=member.account)


def test_proposal_refusals_on_parties_and_shares(ledger: Ledger) -> None:
    parties, _, base = make_terms(ledger)
    s, relayer = ledger.settlement, ledger.relayer.account

    def propose(**fields: Any) -> Any:
        return s.propose(replace(base, **fields).as_tuple(), sender=relayer)

    a, b, c = (p.address for p in parties)
    with ape.reverts(s.OverlapSettlementTooFewParties, count=1):
        propose(parties=(a,), shares_bps=(10_000,))
    many = tuple(key_for(f"p{i}").address for i in range(17))
    with ape.reverts(s.OverlapSettlementTooManyParties, count=17):
        propose(parties=many, shares_bps=(1,) * 17)
    with ape.reverts(s.OverlapSettlementLengthMismatch, parties=3, shares=2):
        propose(shares_bps=(5_000, 5_000))
    with ape.reverts(s.OverlapSettlementDuplicateParty, party=a):
        propose(parties=(a, b, a))
    with ape.reverts(s.OverlapSettlementInactiveParty, party=ledger.outsider.address):
        propose(parties=(a, b, ledger.outsider.address))
    with ape.reverts(s.OverlapSettlementInactiveParty, party=ledger.auditor.address):
        propose(parties=(a, b, ledger.auditor.address))
    with ape.reverts(s.OverlapSettlementZeroShare, party=c):
        propose(shares_bps=(5_000, 5_000, 0))
    with ape.reverts(s.OverlapSettlementInvalidShareTotal, totalBps=9_999):
        propose(shares_bps=(3_333, 3_333, 3_333))
    with ape.reverts(s.OverlapSettlementInvalidShareTotal, totalBps=10_001):
        propose(shares_bps=(3_335, 3_333, 3_333))


def test_proposal_refusals_on_claims_and_project(ledger: Ledger) -> None:
    parties, footprints, base = make_terms(ledger)
    s, relayer = ledger.settlement, ledger.relayer.account

    def propose(**fields: Any) -> Any:
        return s.propose(replace(base, **fields).as_tuple(), sender=relayer)

    with ape.reverts(s.OverlapSettlementNoClaims):
        propose(claim_ids=())
    with ape.reverts(s.OverlapSettlementClaimNotOfParty, claimId=h("nowhere"), firm=ZERO_ADDRESS):
        propose(claim_ids=(h("nowhere"),))
    outsider_claim = ledger.recorded(ledger.firms[2])
    with ape.reverts(
        s.OverlapSettlementClaimNotOfParty,
        claimId=outsider_claim.claim_id,
        firm=ledger.firms[2].address,
    ):
        propose(
            parties=(parties[0].address, parties[1].address),
            shares_bps=(5_000, 5_000),
            claim_ids=(outsider_claim.claim_id,),
        )
    revoked = footprints[0]
    revocation, signature = ledger.revocation(revoked.claim_id, parties[0])
    ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=relayer)
    with ape.reverts(
        s.OverlapSettlementClaimNotOfParty, claimId=revoked.claim_id, firm=parties[0].address
    ):
        propose()
    with ape.reverts(s.OverlapSettlementZeroCost):
        propose(claim_ids=(footprints[1].claim_id,), total_cost=0)
    for code in ("eur", "E1R"):
        with ape.reverts(s.OverlapSettlementInvalidCurrency, currency=code.encode()):
            propose(claim_ids=(footprints[1].claim_id,), currency=code)
    past = ledger.now() - 1
    with ape.reverts(s.OverlapSettlementDeadlinePassed, signingDeadline=past):
        propose(claim_ids=(footprints[1].claim_id,), signing_deadline=past)


def test_the_same_terms_cannot_be_proposed_twice(proposed: Deal) -> None:
    s = proposed.ledger.settlement
    with ape.reverts(s.OverlapSettlementDuplicateProposal, settlementId=proposed.sid):
        s.propose(proposed.terms.as_tuple(), sender=proposed.parties[0].account)


# ------------------------------------------------------------------ consent and decline


def test_the_settlement_is_agreed_only_when_every_party_signed(proposed: Deal) -> None:
    ledger, s = proposed.ledger, proposed.ledger.settlement
    for i, party in enumerate(proposed.parties[:-1], start=1):
        tx = send(ledger, "consent", consent(ledger, proposed.sid, party))
        assert emitted(tx, s.SettlementConsented) == [
            {"settlementId": proposed.sid, "party": party.address, "consents": i}
        ]
        assert event_names(tx) == ["SettlementConsented"]
        assert s.settlementOf(proposed.sid).status == PROPOSED
    last = proposed.parties[-1]
    tx = send(ledger, "consent", consent(ledger, proposed.sid, last))
    assert event_names(tx) == ["SettlementConsented", "SettlementAgreed"]
    assert emitted(tx, s.SettlementAgreed) == [{"settlementId": proposed.sid}]
    assert s.settlementOf(proposed.sid).status == AGREED
    assert s.partyOf(proposed.sid, last.address).consented


def test_consent_refusals(proposed: Deal) -> None:
    ledger, s, sid = proposed.ledger, proposed.ledger.settlement, proposed.sid
    party = proposed.parties[0]
    with ape.reverts(s.OverlapSettlementUnknownSettlement, settlementId=h("nowhere")):
        send(ledger, "consent", consent(ledger, h("nowhere"), party))
    with ape.reverts(s.OverlapSettlementMissingRole, account=ledger.outsider.address, role=FIRM):
        send(ledger, "consent", consent(ledger, sid, ledger.outsider))
    with ape.reverts(
        s.OverlapSettlementInvalidSignature, account=party.address, signingKey=party.key.address
    ):
        send(ledger, "consent", consent(ledger, sid, party, key=proposed.parties[1].key))
    with ape.reverts(s.OverlapSettlementExpiredSignature, deadline=1):
        send(ledger, "consent", consent(ledger, sid, party, deadline=1))
    with ape.reverts(
        s.OverlapSettlementNonceOutOfOrder, account=party.address, expected=0, nonce=1
    ):
        send(ledger, "consent", consent(ledger, sid, party, nonce=1))
    first = consent(ledger, sid, party)
    send(ledger, "consent", first)
    with ape.reverts(s.OverlapSettlementNonceAlreadyUsed, account=party.address, nonce=0):
        send(ledger, "consent", first)
    with ape.reverts(s.OverlapSettlementAlreadyConsented, settlementId=sid, party=party.address):
        send(ledger, "consent", consent(ledger, sid, party))


def test_a_firm_that_is_not_a_party_cannot_consent_or_decline(ledger: Ledger) -> None:
    parties, footprints, _ = make_terms(ledger)
    terms = terms_for(ledger, parties[:2], [c.claim_id for c in footprints])
    ledger.settlement.propose(terms.as_tuple(), sender=parties[0].account)
    sid, stranger = td.settlement_id(terms), parties[2]
    s = ledger.settlement
    with ape.reverts(s.OverlapSettlementNotParty, settlementId=sid, account=stranger.address):
        send(ledger, "consent", consent(ledger, sid, stranger))
    with ape.reverts(s.OverlapSettlementNotParty, settlementId=sid, account=stranger.address):
        send(ledger, "decline", decline(ledger, sid, stranger))


def test_consent_after_the_signing_deadline_is_refused(proposed: Deal) -> None:
    ledger, s = proposed.ledger, proposed.ledger.settlement
    signed = consent(ledger, proposed.sid, proposed.parties[0], deadline=2**64)
    ledger.chain.pending_timestamp = proposed.terms.signing_deadline + 1
    ledger.chain.mine()
    assert s.settlementOf(proposed.sid).status == EXPIRED
    with ape.reverts(
        s.OverlapSettlementUnexpectedStatus, settlementId=proposed.sid, status=EXPIRED
    ):
        send(ledger, "consent", signed)


def test_any_party_declines_and_nobody_is_bound(proposed: Deal) -> None:
    ledger, s = proposed.ledger, proposed.ledger.settlement
    send(ledger, "consent", consent(ledger, proposed.sid, proposed.parties[0]))
    tx = send(ledger, "decline", decline(ledger, proposed.sid, proposed.parties[0]))
    assert emitted(tx, s.SettlementDeclined) == [
        {
            "settlementId": proposed.sid,
            "party": proposed.parties[0].address,
            "reasonHash": h("too expensive"),
        }
    ]
    assert s.settlementOf(proposed.sid).status == DECLINED
    with ape.reverts(
        s.OverlapSettlementUnexpectedStatus, settlementId=proposed.sid, status=DECLINED
    ):
        send(ledger, "consent", consent(ledger, proposed.sid, proposed.parties[1]))


def test_an_agreed_settlement_can_no_longer_be_declined(agreed: Deal) -> None:
    ledger, s = agreed.ledger, agreed.ledger.settlement
    with ape.reverts(s.OverlapSettlementUnexpectedStatus, settlementId=agreed.sid, status=AGREED):
        send(ledger, "decline", decline(ledger, agreed.sid, agreed.parties[0]))
    with ape.reverts(s.OverlapSettlementUnknownSettlement, settlementId=h("nowhere")):
        send(ledger, "decline", decline(ledger, h("nowhere"), agreed.parties[0]))


# ------------------------------------------------------------------ realised reduction


def test_an_auditor_attests_the_realised_reduction_and_it_is_allocated_by_share(
    agreed: Deal,
) -> None:
    ledger, s = agreed.ledger, agreed.ledger.settlement
    tx = send(ledger, "recordReduction", attestation(ledger, agreed.sid, 1_000))
    assert emitted(tx, s.ReductionRecorded) == [
        {
            "settlementId": agreed.sid,
            "auditor": ledger.auditor.address,
            "realisedKgCO2e": 1_000,
            "evidenceHash": h("evidence"),
        }
    ]
    allocations = [s.partyOf(agreed.sid, p.address).allocationKgCO2e for p in agreed.parties]
    assert allocations == [334, 333, 333]
    view = s.settlementOf(agreed.sid)
    assert view.reductionRecorded and view.realisedKgCO2e == 1_000


def test_reduction_refusals(proposed: Deal) -> None:
    ledger, s, sid = proposed.ledger, proposed.ledger.settlement, proposed.sid
    with ape.reverts(s.OverlapSettlementUnexpectedStatus, settlementId=sid, status=PROPOSED):
        send(ledger, "recordReduction", attestation(ledger, sid, 1_000))
    with ape.reverts(s.OverlapSettlementUnknownSettlement, settlementId=h("nowhere")):
        send(ledger, "recordReduction", attestation(ledger, h("nowhere"), 1_000))
    firm = proposed.parties[0]
    with ape.reverts(s.OverlapSettlementMissingRole, account=firm.address, role=AUDITOR):
        send(ledger, "recordReduction", attestation(ledger, sid, 1_000, auditor=firm))
    for party in proposed.parties:
        send(ledger, "consent", consent(ledger, sid, party))
    with ape.reverts(s.OverlapSettlementZeroReduction):
        send(ledger, "recordReduction", attestation(ledger, sid, 0))
    with ape.reverts(
        s.OverlapSettlementInvalidSignature,
        account=ledger.auditor.address,
        signingKey=ledger.auditor.key.address,
    ):
        send(ledger, "recordReduction", attestation(ledger, sid, 1_000, key=firm.key))
    ledger.govern("proposeRoles", firm.address, FIRM | AUDITOR)
    with ape.reverts(s.OverlapSettlementAuditorIsParty, auditor=firm.address):
        send(ledger, "recordReduction", attestation(ledger, sid, 1_000, auditor=firm))
    send(ledger, "recordReduction", attestation(ledger, sid, 1_000))
    with ape.reverts(s.OverlapSettlementReductionAlreadyRecorded, settlementId=sid):
        send(ledger, "recordReduction", attestation(ledger, sid, 2_000))


# ------------------------------------------------------------------ citation


def test_a_party_cites_its_allocation_in_one_of_its_reduction_claims(realised: Deal) -> None:
    ledger, s = realised.ledger, realised.ledger.settlement
    party, baseline = realised.parties[0], realised.footprints[0]
    reduction = ledger.recorded_reduction(party, baseline.claim_id)
    tx = send(ledger, "citeAllocation", citation(ledger, realised.sid, party, reduction.claim_id))
    assert emitted(tx, s.AllocationCited) == [
        {
            "settlementId": realised.sid,
            "party": party.address,
            "claimId": reduction.claim_id,
            "allocationKgCO2e": 334,
            "previousClaimId": ZERO32,
        }
    ]
    assert s.partyOf(realised.sid, party.address).citingClaim == reduction.claim_id


def test_an_allocation_is_cited_by_at_most_one_active_claim(realised: Deal) -> None:
    ledger, s, sid = realised.ledger, realised.ledger.settlement, realised.sid
    party, baseline = realised.parties[0], realised.footprints[0]
    first = ledger.recorded_reduction(party, baseline.claim_id)
    second = ledger.recorded_reduction(party, baseline.claim_id)
    send(ledger, "citeAllocation", citation(ledger, sid, party, first.claim_id))
    with ape.reverts(
        s.OverlapSettlementAllocationAlreadyCited,
        settlementId=sid,
        party=party.address,
        claimId=first.claim_id,
    ):
        send(ledger, "citeAllocation", citation(ledger, sid, party, second.claim_id))
    # once the citing claim is amended, the amendment may cite the allocation instead
    amendment = ledger.recorded_reduction(party, baseline.claim_id, supersedes=first.claim_id)
    tx = send(ledger, "citeAllocation", citation(ledger, sid, party, amendment.claim_id))
    assert emitted(tx, s.AllocationCited)[0]["previousClaimId"] == first.claim_id


def test_citation_refusals(agreed: Deal) -> None:
    ledger, s, sid = agreed.ledger, agreed.ledger.settlement, agreed.sid
    party, other = agreed.parties[0], agreed.parties[1]
    footprint = agreed.footprints[0]
    reduction = ledger.recorded_reduction(party, footprint.claim_id)
    with ape.reverts(s.OverlapSettlementUnknownSettlement, settlementId=h("nowhere")):
        send(ledger, "citeAllocation", citation(ledger, h("nowhere"), party, reduction.claim_id))
    with ape.reverts(s.OverlapSettlementReductionNotRecorded, settlementId=sid):
        send(ledger, "citeAllocation", citation(ledger, sid, party, reduction.claim_id))
    send(ledger, "recordReduction", attestation(ledger, sid, 1))
    with ape.reverts(s.OverlapSettlementZeroAllocation, settlementId=sid, party=other.address):
        send(ledger, "citeAllocation", citation(ledger, sid, other, reduction.claim_id))
    outside = ledger.outsider
    with ape.reverts(s.OverlapSettlementMissingRole, account=outside.address, role=FIRM):
        send(ledger, "citeAllocation", citation(ledger, sid, outside, reduction.claim_id))
    for claim_id in (footprint.claim_id, h("nowhere")):
        with ape.reverts(
            s.OverlapSettlementNotReductionOfParty, claimId=claim_id, party=party.address
        ):
            send(ledger, "citeAllocation", citation(ledger, sid, party, claim_id))
    revocation, signature = ledger.revocation(reduction.claim_id, party)
    ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)
    with ape.reverts(
        s.OverlapSettlementNotReductionOfParty, claimId=reduction.claim_id, party=party.address
    ):
        send(ledger, "citeAllocation", citation(ledger, sid, party, reduction.claim_id))


def test_a_party_cannot_cite_another_partys_reduction(realised: Deal) -> None:
    ledger, s, sid = realised.ledger, realised.ledger.settlement, realised.sid
    owner, party = realised.parties[1], realised.parties[0]
    theirs = ledger.recorded_reduction(owner, realised.footprints[1].claim_id)
    with ape.reverts(
        s.OverlapSettlementNotReductionOfParty, claimId=theirs.claim_id, party=party.address
    ):
        send(ledger, "citeAllocation", citation(ledger, sid, party, theirs.claim_id))


def test_a_non_party_cannot_cite(ledger: Ledger) -> None:
    parties, footprints, _ = make_terms(ledger)
    terms = terms_for(ledger, parties[:2], [c.claim_id for c in footprints])
    ledger.settlement.propose(terms.as_tuple(), sender=parties[0].account)
    sid = td.settlement_id(terms)
    stranger = parties[2]
    baseline = ledger.recorded(stranger)
    reduction = ledger.recorded_reduction(stranger, baseline.claim_id)
    with ape.reverts(
        ledger.settlement.OverlapSettlementNotParty, settlementId=sid, account=stranger.address
    ):
        send(ledger, "citeAllocation", citation(ledger, sid, stranger, reduction.claim_id))


# ------------------------------------------------------------------ payments


def test_payments_are_recorded_until_every_party_paid_its_share(agreed: Deal) -> None:
    ledger, s, sid = agreed.ledger, agreed.ledger.settlement, agreed.sid
    a, b, c = agreed.parties
    tx = send(ledger, "recordPayment", payment(ledger, sid, a, 333_000))
    assert emitted(tx, s.PaymentRecorded) == [
        {
            "settlementId": sid,
            "payer": a.address,
            "amount": 333_000,
            "referenceHash": h("bank-transfer-333000"),
            "paidTotal": 333_000,
        }
    ]
    send(ledger, "recordPayment", payment(ledger, sid, a, 401))
    send(ledger, "recordPayment", payment(ledger, sid, b, 333_300))
    assert s.settlementOf(sid).paidInFull == 2
    assert s.settlementOf(sid).status == AGREED
    tx = send(ledger, "recordPayment", payment(ledger, sid, c, 333_300))
    assert event_names(tx) == ["PaymentRecorded", "SettlementSettled"]
    assert emitted(tx, s.SettlementSettled) == [{"settlementId": sid}]
    assert s.settlementOf(sid).status == SETTLED
    assert s.partyOf(sid, a.address).paid == 333_401
    with ape.reverts(s.OverlapSettlementUnexpectedStatus, settlementId=sid, status=SETTLED):
        send(ledger, "recordPayment", payment(ledger, sid, a, 1))
    # a realised reduction may still be recorded after settlement
    send(ledger, "recordReduction", attestation(ledger, sid, 10))
    assert s.settlementOf(sid).realisedKgCO2e == 10


def test_payment_refusals(proposed: Deal) -> None:
    ledger, s, sid = proposed.ledger, proposed.ledger.settlement, proposed.sid
    a = proposed.parties[0]
    with ape.reverts(s.OverlapSettlementUnexpectedStatus, settlementId=sid, status=PROPOSED):
        send(ledger, "recordPayment", payment(ledger, sid, a, 1))
    for party in proposed.parties:
        send(ledger, "consent", consent(ledger, sid, party))
    with ape.reverts(s.OverlapSettlementZeroPayment):
        send(ledger, "recordPayment", payment(ledger, sid, a, 0))
    with ape.reverts(
        s.OverlapSettlementOverpayment,
        settlementId=sid,
        payer=a.address,
        costShare=333_401,
        paidAfter=333_402,
    ):
        send(ledger, "recordPayment", payment(ledger, sid, a, 333_402))
    with ape.reverts(s.OverlapSettlementMissingRole, account=ledger.auditor.address, role=FIRM):
        send(ledger, "recordPayment", payment(ledger, sid, ledger.auditor, 1))
    with ape.reverts(s.OverlapSettlementUnknownSettlement, settlementId=h("nowhere")):
        send(ledger, "recordPayment", payment(ledger, h("nowhere"), a, 1))


def test_a_suspended_party_can_no_longer_sign(agreed: Deal) -> None:
    ledger, s = agreed.ledger, agreed.ledger.settlement
    party = agreed.parties[0]
    ledger.govern("proposeSuspension", party.address)
    with ape.reverts(s.OverlapSettlementMissingRole, account=party.address, role=FIRM):
        send(ledger, "recordPayment", payment(ledger, agreed.sid, party, 1))


# ------------------------------------------------------------------ views and wiring


def test_views_expose_the_domain_and_the_wiring(ledger: Ledger) -> None:
    s = ledger.settlement
    assert s.memberRegistry() == ledger.registry.address
    assert s.claimLedger() == ledger.claims.address
    domain = s.eip712Domain()
    assert (domain[1], domain[3], domain[4]) == (
        td.OVERLAP_SETTLEMENT_NAME,
        ledger.chain_id,
        s.address,
    )
    assert s.settlementOf(h("nowhere")).status == NONE
    assert s.MAX_PARTIES() == 16


def test_constructor_refuses_zero_addresses(project: Any, accounts: Any, chain: Any) -> None:
    expected = encode_error("OverlapSettlementZeroAddress()")
    one = accounts[1].address
    for args in ((ZERO_ADDRESS, one), (one, ZERO_ADDRESS)):
        assert constructor_revert(chain, project.OverlapSettlement, *args) == expected
