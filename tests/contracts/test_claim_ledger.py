"""ClaimLedger: signed claims recorded by a relayer, checks, audits, amendments, revocations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ape
import pytest

from carbonledger.chain import typed_data as td
from tests.contracts.ledger import (
    AUDITOR,
    CHECKER,
    DAY,
    FIRM,
    ZERO32,
    ZERO_ADDRESS,
    Ledger,
    constructor_revert,
    emitted,
    encode_error,
    event_names,
    h,
    key_for,
)

NONE, ACTIVE, SUPERSEDED, REVOKED = 0, 1, 2, 3
PASSED, FAILED = 1, 2
APPROVED, REJECTED = 1, 2


def submitted_event(claim: td.Claim) -> dict[str, Any]:
    header, scopes = td.pack_claim_details(claim)
    return {
        "claimId": claim.claim_id,
        "firm": claim.firm,
        "documentHash": claim.document_hash,
        "activityRoot": claim.activity_root,
        "header": header,
        "scopes": scopes,
    }


def refuse(ledger: Ledger, claim: td.Claim, error: str, key: Any = None, **args: Any) -> None:
    with ape.reverts(getattr(ledger.claims, error), **args):
        ledger.submit(claim, key=key)


# ------------------------------------------------------------------ submission


def test_a_relayer_records_a_footprint_signed_by_the_firm(ledger: Ledger) -> None:
    firm, claims = ledger.firms[0], ledger.claims
    claim = ledger.claim(firm)
    assert claims.claimDigest(claim.as_tuple()) == td.claim_digest(ledger.claim_domain, claim)
    tx = ledger.submit(claim)
    assert tx.return_value == claim.claim_id
    assert event_names(tx) == ["ClaimSubmitted"]
    assert emitted(tx, claims.ClaimSubmitted) == [submitted_event(claim)]
    record = claims.claimOf(claim.claim_id)
    assert tuple(record) == (firm.address, 0, ACTIVE, 0, 0, ledger.version, td.gross_total(claim))
    assert claims.isActive(claim.claim_id)
    assert claims.nonces(firm.address) == 1
    assert claims.computeClaimId(firm.address, claim.document_hash) == claim.claim_id


def test_event_details_decode_back_to_the_signed_fields(ledger: Ledger) -> None:
    claim = ledger.claim(ledger.firms[0], biogenic=2**64 - 1, scope3=2**40, period_end=2**63)
    header, scopes = td.pack_claim_details(claim)
    decoded = ledger.claims.unpackClaimDetails(header, scopes)
    assert tuple(decoded) == (
        0,
        ledger.version,
        claim.period_start,
        2**63,
        2**64 - 1,
        claim.scope1,
        claim.scope2_location,
        claim.scope2_market,
        2**40,
    )
    assert td.unpack_claim_details(header, scopes) == td.ClaimDetails(
        kind=td.ClaimKind.FOOTPRINT,
        standard_version=ledger.version,
        period_start=claim.period_start,
        period_end=2**63,
        biogenic=2**64 - 1,
        scope1=claim.scope1,
        scope2_location=claim.scope2_location,
        scope2_market=claim.scope2_market,
        scope3=2**40,
    )


def test_a_reduction_against_the_firms_footprint_links_its_baseline(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    baseline = ledger.recorded(firm)
    reduction = ledger.reduction(firm, baseline.claim_id)
    tx = ledger.submit(reduction)
    assert event_names(tx) == ["ClaimSubmitted", "ReductionBaselineLinked"]
    assert emitted(tx, ledger.claims.ClaimSubmitted) == [submitted_event(reduction)]
    assert emitted(tx, ledger.claims.ReductionBaselineLinked) == [
        {"claimId": reduction.claim_id, "firm": firm.address, "baselineId": baseline.claim_id}
    ]
    assert ledger.claims.claimOf(reduction.claim_id).kind == 1


def test_a_reduction_equal_to_its_baseline_is_accepted(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    baseline = ledger.recorded(firm)
    reduction = ledger.reduction(
        firm,
        baseline.claim_id,
        scope1=baseline.scope1,
        scope2_market=baseline.scope2_market,
        scope3=baseline.scope3,
    )
    ledger.submit(reduction)
    assert ledger.claims.isActive(reduction.claim_id)


def test_an_amendment_supersedes_the_firms_active_claim(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    original = ledger.recorded(firm)
    amendment = ledger.claim(firm, supersedes=original.claim_id, scope3=800_000)
    tx = ledger.submit(amendment)
    assert event_names(tx) == ["ClaimSubmitted", "ClaimSuperseded"]
    assert emitted(tx, ledger.claims.ClaimSuperseded) == [
        {"claimId": original.claim_id, "firm": firm.address, "supersededBy": amendment.claim_id}
    ]
    assert ledger.claims.claimOf(original.claim_id).status == SUPERSEDED
    assert ledger.claims.isActive(amendment.claim_id)


def test_a_batch_records_every_claim_in_order(ledger: Ledger) -> None:
    a, b = ledger.firms[0], ledger.firms[1]
    batch = [
        ledger.claim(a),
        ledger.claim(b),
        ledger.claim(a, nonce=1),
    ]
    sigs = [ledger.sign_claim(c, ledger.member(c.firm).key) for c in batch]
    tx = ledger.claims.submitClaims(
        [c.as_tuple() for c in batch], sigs, sender=ledger.relayer.account
    )
    assert list(tx.return_value) == [c.claim_id for c in batch]
    assert emitted(tx, ledger.claims.ClaimSubmitted) == [submitted_event(c) for c in batch]
    assert ledger.claims.nonces(a.address) == 2


def test_an_atomic_batch_names_the_failing_item_and_records_nothing(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    good = ledger.claim(firm)
    bad = ledger.claim(firm, nonce=1, period_end=good.period_start)
    sigs = [ledger.sign_claim(c, firm.key) for c in (good, bad)]
    reason = encode_error(
        "ClaimLedgerInvalidPeriod(uint64,uint64)", bad.period_start, bad.period_start
    )
    with ape.reverts(ledger.claims.ClaimLedgerBatchItemFailed, index=1, reason=reason):
        ledger.claims.submitClaims(
            [good.as_tuple(), bad.as_tuple()], sigs, sender=ledger.relayer.account
        )
    assert not ledger.claims.isActive(good.claim_id)


def test_a_tolerant_batch_records_the_valid_claims_and_reports_the_failed_ones(
    ledger: Ledger,
) -> None:
    firm, outsider = ledger.firms[0], ledger.outsider
    good = ledger.claim(firm)
    stranger = replace(ledger.claim(firm), firm=outsider.address)
    later = ledger.claim(firm, nonce=1)
    sigs = [
        ledger.sign_claim(good, firm.key),
        ledger.sign_claim(stranger, outsider.key),
        ledger.sign_claim(later, firm.key),
    ]
    tx = ledger.claims.trySubmitClaims(
        [c.as_tuple() for c in (good, stranger, later)], sigs, sender=ledger.relayer.account
    )
    assert list(tx.return_value) == [good.claim_id, ZERO32, later.claim_id]
    assert emitted(tx, ledger.claims.ClaimSubmissionFailed) == [
        {
            "index": 1,
            "reason": encode_error("ClaimLedgerInactiveFirm(address)", outsider.address),
        }
    ]
    assert emitted(tx, ledger.claims.ClaimSubmitted) == [
        submitted_event(good),
        submitted_event(later),
    ]


def test_batches_refuse_arrays_of_different_length(ledger: Ledger) -> None:
    claim = ledger.claim(ledger.firms[0])
    for method in ("submitClaims", "trySubmitClaims"):
        with ape.reverts(ledger.claims.ClaimLedgerLengthMismatch, items=1, signatures=0):
            getattr(ledger.claims, method)([claim.as_tuple()], [], sender=ledger.relayer.account)


def test_claims_signed_before_a_key_rotation_stay_valid_and_new_ones_need_the_new_key(
    ledger: Ledger,
) -> None:
    firm = ledger.firms[0]
    before = ledger.recorded(firm)
    signed_with_old_key = ledger.claim(firm)
    new_key = key_for("firm-0-rotated")
    ledger.registry.rotateSigningKey(new_key.address, sender=firm.account)
    assert ledger.claims.isActive(before.claim_id)
    refuse(
        ledger,
        signed_with_old_key,
        "ClaimLedgerInvalidSignature",
        key=firm.key,
        account=firm.address,
        signingKey=new_key.address,
    )
    ledger.submit(signed_with_old_key, key=new_key)
    assert ledger.claims.isActive(signed_with_old_key.claim_id)


# ------------------------------------------------------------------ submission refusals


def test_a_claim_of_a_non_member_is_refused(ledger: Ledger) -> None:
    outsider = ledger.outsider
    claim = replace(ledger.claim(ledger.firms[0]), firm=outsider.address)
    refuse(ledger, claim, "ClaimLedgerInactiveFirm", key=outsider.key, firm=outsider.address)


def test_a_claim_of_a_member_without_the_firm_role_is_refused(ledger: Ledger) -> None:
    auditor = ledger.auditor
    claim = replace(ledger.claim(ledger.firms[0]), firm=auditor.address)
    refuse(ledger, claim, "ClaimLedgerInactiveFirm", key=auditor.key, firm=auditor.address)


def test_a_claim_of_a_suspended_firm_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    ledger.govern("proposeSuspension", firm.address)
    refuse(ledger, ledger.claim(firm), "ClaimLedgerInactiveFirm", firm=firm.address)


def test_a_claim_signed_by_another_key_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm)
    refuse(
        ledger,
        claim,
        "ClaimLedgerInvalidSignature",
        key=ledger.firms[1].key,
        account=firm.address,
        signingKey=firm.key.address,
    )


def test_a_tampered_claim_fails_its_signature(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm)
    signature = ledger.sign_claim(claim, firm.key)
    tampered = replace(claim, scope1=claim.scope1 - 1)
    with ape.reverts(
        ledger.claims.ClaimLedgerInvalidSignature, account=firm.address, signingKey=firm.key.address
    ):
        ledger.claims.submitClaim(tampered.as_tuple(), signature, sender=ledger.relayer.account)
    with ape.reverts(
        ledger.claims.ClaimLedgerInvalidSignature, account=firm.address, signingKey=firm.key.address
    ):
        ledger.claims.submitClaim(claim.as_tuple(), signature[:64], sender=ledger.relayer.account)


def test_an_expired_claim_is_refused(ledger: Ledger) -> None:
    claim = ledger.claim(ledger.firms[0], deadline=ledger.now() - 1)
    refuse(ledger, claim, "ClaimLedgerExpiredSignature", deadline=claim.deadline)


def test_a_replayed_claim_is_refused_for_its_used_nonce(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    claim = ledger.recorded(firm)
    refuse(ledger, claim, "ClaimLedgerNonceAlreadyUsed", account=firm.address, nonce=0)


def test_a_claim_with_a_future_nonce_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm, nonce=5)
    refuse(ledger, claim, "ClaimLedgerNonceOutOfOrder", account=firm.address, expected=0, nonce=5)


def test_a_duplicate_claim_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    first = ledger.recorded(firm)
    again = ledger.claim(firm, document_hash=first.document_hash)
    refuse(ledger, again, "ClaimLedgerDuplicateClaim", claimId=first.claim_id)


def test_claims_under_unknown_retired_or_future_standards_are_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    refuse(ledger, ledger.claim(firm, standard_version=9), "ClaimLedgerUnknownStandard", version=9)
    future = ledger.now() + 10 * DAY
    ledger.publish(h("standard-v2"), future)
    refuse(
        ledger,
        ledger.claim(firm, standard_version=2),
        "ClaimLedgerStandardNotEffective",
        version=2,
        effectiveFrom=future,
    )
    ledger.retire(ledger.version)
    refuse(ledger, ledger.claim(firm), "ClaimLedgerRetiredStandard", version=ledger.version)


@pytest.mark.parametrize("delta", [0, -1])
def test_an_empty_or_inverted_period_is_refused(ledger: Ledger, delta: int) -> None:
    base = ledger.claim(ledger.firms[0])
    claim = replace(base, period_end=base.period_start + delta)
    refuse(
        ledger,
        claim,
        "ClaimLedgerInvalidPeriod",
        periodStart=claim.period_start,
        periodEnd=claim.period_end,
    )


def test_a_gross_total_beyond_48_bits_is_refused(ledger: Ledger) -> None:
    claim = ledger.claim(ledger.firms[0], scope1=2**48, scope2_market=0, scope3=0)
    refuse(ledger, claim, "ClaimLedgerTotalTooLarge", total=2**48)


def test_a_footprint_naming_a_baseline_is_refused(ledger: Ledger) -> None:
    claim = ledger.claim(ledger.firms[0], baseline=h("baseline"))
    refuse(ledger, claim, "ClaimLedgerUnexpectedBaseline", baseline=h("baseline"))


@pytest.mark.parametrize("baseline", [ZERO32, h("nowhere")])
def test_a_reduction_without_a_recorded_baseline_is_refused(
    ledger: Ledger, baseline: bytes
) -> None:
    claim = ledger.reduction(ledger.firms[0], baseline)
    refuse(ledger, claim, "ClaimLedgerMissingBaseline", baseline=baseline)


def test_a_reduction_measured_against_a_reduction_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    footprint = ledger.recorded(firm)
    first = ledger.recorded_reduction(firm, footprint.claim_id)
    claim = ledger.reduction(firm, first.claim_id)
    refuse(ledger, claim, "ClaimLedgerBaselineNotFootprint", baseline=first.claim_id)


def test_a_reduction_against_another_firms_baseline_is_refused(ledger: Ledger) -> None:
    other = ledger.recorded(ledger.firms[1])
    claim = ledger.reduction(ledger.firms[0], other.claim_id)
    refuse(
        ledger,
        claim,
        "ClaimLedgerBaselineOfAnotherFirm",
        baseline=other.claim_id,
        baselineFirm=ledger.firms[1].address,
    )


def test_a_reduction_under_another_standard_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    baseline = ledger.recorded(firm)
    ledger.publish(h("standard-v2"), 0)
    claim = ledger.reduction(firm, baseline.claim_id, standard_version=2)
    refuse(
        ledger,
        claim,
        "ClaimLedgerBaselineStandardMismatch",
        baseline=baseline.claim_id,
        baselineVersion=ledger.version,
        version=2,
    )


def test_a_reduction_against_a_revoked_baseline_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    baseline = ledger.recorded(firm)
    revocation, signature = ledger.revocation(baseline.claim_id, firm)
    ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)
    claim = ledger.reduction(firm, baseline.claim_id)
    refuse(
        ledger, claim, "ClaimLedgerBaselineNotActive", baseline=baseline.claim_id, status=REVOKED
    )


def test_a_reduction_larger_than_its_baseline_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    baseline = ledger.recorded(firm)
    claim = ledger.reduction(
        firm, baseline.claim_id, scope1=td.gross_total(baseline) + 1, scope2_market=0, scope3=0
    )
    refuse(
        ledger,
        claim,
        "ClaimLedgerReductionExceedsBaseline",
        reduction=td.gross_total(baseline) + 1,
        baseline=td.gross_total(baseline),
    )


def test_amending_an_unknown_claim_is_refused(ledger: Ledger) -> None:
    claim = ledger.claim(ledger.firms[0], supersedes=h("nowhere"))
    refuse(ledger, claim, "ClaimLedgerUnknownClaim", claimId=h("nowhere"))


def test_amending_another_firms_claim_is_refused(ledger: Ledger) -> None:
    other = ledger.recorded(ledger.firms[1])
    claim = ledger.claim(ledger.firms[0], supersedes=other.claim_id)
    refuse(
        ledger,
        claim,
        "ClaimLedgerNotClaimOwner",
        claimId=other.claim_id,
        owner=ledger.firms[1].address,
    )


def test_amending_a_superseded_or_revoked_claim_is_refused(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    original = ledger.recorded(firm)
    ledger.recorded(firm, supersedes=original.claim_id)
    claim = ledger.claim(firm, supersedes=original.claim_id)
    refuse(ledger, claim, "ClaimLedgerClaimNotActive", claimId=original.claim_id, status=SUPERSEDED)
    other = ledger.recorded(firm)
    revocation, signature = ledger.revocation(other.claim_id, firm)
    ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)
    claim = ledger.claim(firm, supersedes=other.claim_id)
    refuse(ledger, claim, "ClaimLedgerClaimNotActive", claimId=other.claim_id, status=REVOKED)


def test_an_amendment_must_keep_the_kind(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    footprint = ledger.recorded(firm)
    claim = ledger.reduction(firm, footprint.claim_id, supersedes=footprint.claim_id)
    refuse(ledger, claim, "ClaimLedgerAmendmentKindMismatch", claimId=footprint.claim_id, kind=0)


# ------------------------------------------------------------------ revocation


def test_the_firm_revokes_its_claim_through_a_relayer(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    claim = ledger.recorded(firm)
    revocation, signature = ledger.revocation(claim.claim_id, firm)
    tx = ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)
    assert emitted(tx, ledger.claims.ClaimRevoked) == [
        {"claimId": claim.claim_id, "firm": firm.address, "reasonHash": h("reason")}
    ]
    assert ledger.claims.claimOf(claim.claim_id).status == REVOKED
    assert ledger.claims.nonces(firm.address) == 2


def test_revocation_refusals(ledger: Ledger) -> None:
    firm, other = ledger.firms[0], ledger.firms[1]
    claims, relayer = ledger.claims, ledger.relayer.account
    claim = ledger.recorded(firm)

    def revoke(revocation: td.Revocation, signature: bytes) -> Any:
        return claims.revokeClaim(revocation.as_tuple(), signature, sender=relayer)

    with ape.reverts(claims.ClaimLedgerUnknownClaim, claimId=h("nowhere")):
        revoke(*ledger.revocation(h("nowhere"), firm))
    with ape.reverts(claims.ClaimLedgerNotClaimOwner, claimId=claim.claim_id, owner=firm.address):
        revoke(*ledger.revocation(claim.claim_id, other))
    with ape.reverts(
        claims.ClaimLedgerInvalidSignature, account=firm.address, signingKey=firm.key.address
    ):
        revoke(*ledger.revocation(claim.claim_id, firm, key=other.key))
    with ape.reverts(claims.ClaimLedgerExpiredSignature, deadline=1):
        revoke(*ledger.revocation(claim.claim_id, firm, deadline=1))
    with ape.reverts(claims.ClaimLedgerNonceOutOfOrder, account=firm.address, expected=1, nonce=3):
        revoke(*ledger.revocation(claim.claim_id, firm, nonce=3))
    revocation = ledger.revocation(claim.claim_id, firm)
    revoke(*revocation)
    with ape.reverts(claims.ClaimLedgerNonceAlreadyUsed, account=firm.address, nonce=1):
        revoke(*revocation)
    with ape.reverts(claims.ClaimLedgerClaimNotActive, claimId=claim.claim_id, status=REVOKED):
        revoke(*ledger.revocation(claim.claim_id, firm))
    ledger.govern("proposeSuspension", firm.address)
    with ape.reverts(claims.ClaimLedgerInactiveFirm, firm=firm.address):
        revoke(*ledger.revocation(claim.claim_id, firm))


# ------------------------------------------------------------------ checks


def test_the_checker_records_pass_and_fail_with_report_hashes(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    claim = ledger.recorded(firm)
    tx = ledger.check(claim.claim_id, passed=False, report=h("r1"))
    assert emitted(tx, ledger.claims.ClaimChecked) == [
        {
            "claimId": claim.claim_id,
            "checker": ledger.checker.address,
            "passed": False,
            "reportHash": h("r1"),
        }
    ]
    assert ledger.claims.claimOf(claim.claim_id).check == FAILED
    ledger.check(claim.claim_id, passed=True, report=h("r2"))
    assert ledger.claims.claimOf(claim.claim_id).check == PASSED


def test_the_checker_records_a_batch_of_checks(ledger: Ledger) -> None:
    a, b = ledger.recorded(ledger.firms[0]), ledger.recorded(ledger.firms[1])
    tx = ledger.claims.recordChecks(
        [(a.claim_id, True, h("ra")), (b.claim_id, False, h("rb"))], sender=ledger.checker.account
    )
    assert emitted(tx, ledger.claims.ClaimChecked) == [
        {
            "claimId": a.claim_id,
            "checker": ledger.checker.address,
            "passed": True,
            "reportHash": h("ra"),
        },
        {
            "claimId": b.claim_id,
            "checker": ledger.checker.address,
            "passed": False,
            "reportHash": h("rb"),
        },
    ]


def test_checks_by_members_without_the_checker_role_are_refused(ledger: Ledger) -> None:
    claim = ledger.recorded(ledger.firms[0])
    for member in (ledger.firms[0], ledger.auditor, ledger.outsider):
        with ape.reverts(
            ledger.claims.ClaimLedgerMissingRole, account=member.address, role=CHECKER
        ):
            ledger.claims.recordCheck((claim.claim_id, True, h("r")), sender=member.account)
        with ape.reverts(
            ledger.claims.ClaimLedgerMissingRole, account=member.address, role=CHECKER
        ):
            ledger.claims.recordChecks([(claim.claim_id, True, h("r"))], sender=member.account)


def test_checks_of_unknown_inactive_or_audited_claims_are_refused(ledger: Ledger) -> None:
    firm, claims = ledger.firms[0], ledger.claims
    with ape.reverts(claims.ClaimLedgerUnknownClaim, claimId=h("nowhere")):
        ledger.check(h("nowhere"))
    claim = ledger.recorded(firm)
    ledger.recorded(firm, supersedes=claim.claim_id)
    with ape.reverts(claims.ClaimLedgerClaimNotActive, claimId=claim.claim_id, status=SUPERSEDED):
        ledger.check(claim.claim_id)
    audited = ledger.recorded(firm)
    ledger.check(audited.claim_id)
    audit, signature = ledger.audit(audited.claim_id)
    claims.recordAudit(audit.as_tuple(), signature, sender=ledger.relayer.account)
    with ape.reverts(claims.ClaimLedgerAlreadyAudited, claimId=audited.claim_id):
        ledger.check(audited.claim_id)
    reason = encode_error("ClaimLedgerUnknownClaim(bytes32)", h("nowhere"))
    with ape.reverts(claims.ClaimLedgerBatchItemFailed, index=1, reason=reason):
        claims.recordChecks(
            [(ledger.recorded(firm).claim_id, True, h("r")), (h("nowhere"), True, h("r"))],
            sender=ledger.checker.account,
        )


# ------------------------------------------------------------------ audits


def test_an_auditor_signed_verdict_is_recorded_by_anyone(ledger: Ledger) -> None:
    claim = ledger.recorded(ledger.firms[0])
    ledger.check(claim.claim_id)
    audit, signature = ledger.audit(claim.claim_id, td.AuditVerdict.REJECTED)
    tx = ledger.claims.recordAudit(audit.as_tuple(), signature, sender=ledger.outsider.account)
    assert emitted(tx, ledger.claims.ClaimAudited) == [
        {
            "claimId": claim.claim_id,
            "auditor": ledger.auditor.address,
            "verdict": REJECTED,
            "reportHash": h("audit-report"),
        }
    ]
    assert ledger.claims.claimOf(claim.claim_id).audit == REJECTED
    assert ledger.claims.nonces(ledger.auditor.address) == 1


def test_audit_refusals(ledger: Ledger) -> None:
    claims, relayer, firm, auditor = (
        ledger.claims,
        ledger.relayer.account,
        ledger.firms[0],
        ledger.auditor,
    )
    claim = ledger.recorded(firm)

    def record(audit: td.Audit, signature: bytes) -> Any:
        return claims.recordAudit(audit.as_tuple(), signature, sender=relayer)

    with ape.reverts(claims.ClaimLedgerMissingRole, account=firm.address, role=AUDITOR):
        record(*ledger.audit(claim.claim_id, auditor=firm))
    with ape.reverts(claims.ClaimLedgerMissingRole, account=ledger.outsider.address, role=AUDITOR):
        record(*ledger.audit(claim.claim_id, auditor=ledger.outsider))
    with ape.reverts(claims.ClaimLedgerExpiredSignature, deadline=1):
        record(*ledger.audit(claim.claim_id, deadline=1))
    audit, _ = ledger.audit(claim.claim_id)
    forged = td.sign_typed_data(firm.key.key, td.audit_typed_data(ledger.claim_domain, audit))
    with ape.reverts(
        claims.ClaimLedgerInvalidSignature, account=auditor.address, signingKey=auditor.key.address
    ):
        record(audit, forged)
    with ape.reverts(claims.ClaimLedgerInvalidVerdict):
        record(*ledger.audit(claim.claim_id, td.AuditVerdict.NONE))
    with ape.reverts(claims.ClaimLedgerUnknownClaim, claimId=h("nowhere")):
        record(*ledger.audit(h("nowhere")))
    with ape.reverts(claims.ClaimLedgerCheckNotPassed, claimId=claim.claim_id, outcome=0):
        record(*ledger.audit(claim.claim_id))
    ledger.check(claim.claim_id, passed=False)
    with ape.reverts(claims.ClaimLedgerCheckNotPassed, claimId=claim.claim_id, outcome=FAILED):
        record(*ledger.audit(claim.claim_id))
    ledger.check(claim.claim_id, passed=True)
    first = ledger.audit(claim.claim_id)
    record(*first)
    with ape.reverts(claims.ClaimLedgerNonceAlreadyUsed, account=auditor.address, nonce=0):
        record(*first)
    with ape.reverts(claims.ClaimLedgerAlreadyAudited, claimId=claim.claim_id):
        record(*ledger.audit(claim.claim_id))
    superseded = ledger.recorded(firm)
    ledger.recorded(firm, supersedes=superseded.claim_id)
    with ape.reverts(
        claims.ClaimLedgerClaimNotActive, claimId=superseded.claim_id, status=SUPERSEDED
    ):
        record(*ledger.audit(superseded.claim_id))


def test_an_auditor_cannot_audit_its_own_claim(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    ledger.govern("proposeRoles", firm.address, FIRM | AUDITOR)
    claim = ledger.recorded(firm)
    ledger.check(claim.claim_id)
    audit, signature = ledger.audit(claim.claim_id, auditor=firm)
    with ape.reverts(
        ledger.claims.ClaimLedgerSelfAudit, claimId=claim.claim_id, auditor=firm.address
    ):
        ledger.claims.recordAudit(audit.as_tuple(), signature, sender=ledger.relayer.account)


# ------------------------------------------------------------------ views and wiring


def test_views_expose_the_domain_and_the_wiring(ledger: Ledger) -> None:
    claims = ledger.claims
    assert claims.memberRegistry() == ledger.registry.address
    assert claims.standardRegistry() == ledger.standards.address
    domain = claims.eip712Domain()
    assert (domain[1], domain[2], domain[3], domain[4]) == (
        td.CLAIM_LEDGER_NAME,
        td.DOMAIN_VERSION,
        ledger.chain_id,
        claims.address,
    )
    from eth_account.messages import encode_typed_data

    typed = td.claim_typed_data(ledger.claim_domain, ledger.claim(ledger.firms[0]))
    assert claims.DOMAIN_SEPARATOR() == encode_typed_data(full_message=typed).header
    assert claims.nonces(ZERO_ADDRESS) == 0


def test_constructor_refuses_zero_addresses(project: Any, accounts: Any, chain: Any) -> None:
    expected = encode_error("ClaimLedgerZeroAddress()")
    one = accounts[1].address
    for args in ((ZERO_ADDRESS, one), (one, ZERO_ADDRESS)):
        assert constructor_revert(chain, project.ClaimLedger, *args) == expected
