"""TargetRegistry: a member firm's signed reduction target, relayed and recorded on chain."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ape

from carbonledger.chain import typed_data as td
from carbonledger.vocab import Target, TargetKind, target_registry_domain
from tests.contracts.ledger import DAY, ZERO_ADDRESS, Ledger, Member, emitted, h

SUPERSEDED, REVOKED = 2, 3  # IClaimLedger.ClaimStatus


def make_target(ledger: Ledger, firm: Member, base: bytes, **fields: Any) -> Target:
    target = Target(
        firm=firm.address,
        base_claim_id=base,
        base_year=2024,
        target_year=2030,
        reduction_bps=5_000,
        kind=int(TargetKind.NEAR_TERM),
        coverage=Target.coverage_bits((1, 2)),
        audited_only=True,
        document_hash=h("target-document"),
        nonce=int(ledger.targets.nonces(firm.address)),
        deadline=ledger.now() + DAY,
    )
    return replace(target, **fields)


def sign(ledger: Ledger, target: Target, key: Any = None) -> bytes:
    domain = target_registry_domain(ledger.chain_id, str(ledger.targets.address))
    signer = key or ledger.member(target.firm).key
    return td.sign_typed_data(signer.key, target.typed_data(domain))


def record(ledger: Ledger, target: Target, key: Any = None) -> Any:
    return ledger.targets.recordTarget(
        target.as_tuple(), sign(ledger, target, key), sender=ledger.relayer.account
    )


def test_a_signed_target_is_recorded_with_its_id_the_struct_hash(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    base = ledger.recorded(firm)
    target = make_target(ledger, firm, base.claim_id)
    tx = record(ledger, target)
    target_id = target.struct_hash()
    assert bytes(ledger.targets.hashTarget(target.as_tuple())) == target_id
    (event,) = emitted(tx, ledger.targets.TargetRecorded)
    assert event == {
        "firm": firm.address,
        "targetId": target_id,
        "baseClaimId": base.claim_id,
        "baseYear": 2024,
        "targetYear": 2030,
        "reductionBps": 5_000,
        "kind": 0,
        "coverage": 0b011,
        "auditedOnly": True,
        "documentHash": h("target-document"),
    }
    stored = ledger.targets.targetOf(target_id)
    assert (stored.firm, stored.targetYear, stored.reductionBps, stored.coverage) == (
        firm.address, 2030, 5_000, 0b011,
    )  # fmt: skip
    assert bytes(stored.baseClaimId) == base.claim_id
    assert [bytes(t) for t in ledger.targets.targetsOf(firm.address)][-1] == target_id
    assert ledger.targets.nonces(firm.address) == target.nonce + 1


def test_a_replayed_target_is_refused_by_its_used_nonce(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    target = make_target(ledger, firm, ledger.recorded(firm).claim_id)
    signature = sign(ledger, target)
    ledger.targets.recordTarget(target.as_tuple(), signature, sender=ledger.relayer.account)
    with ape.reverts(
        ledger.targets.TargetRegistryNonceAlreadyUsed, firm=firm.address, nonce=target.nonce
    ):
        ledger.targets.recordTarget(target.as_tuple(), signature, sender=ledger.relayer.account)
    ahead = replace(target, nonce=target.nonce + 5)
    with ape.reverts(
        ledger.targets.TargetRegistryNonceOutOfOrder,
        firm=firm.address, expected=target.nonce + 1, nonce=target.nonce + 5,
    ):  # fmt: skip
        record(ledger, ahead)


def test_signatures_by_others_outsiders_and_late_ones_are_refused(ledger: Ledger) -> None:
    firm, other = ledger.firms[0], ledger.firms[1]
    target = make_target(ledger, firm, ledger.recorded(firm).claim_id)
    r = ledger.targets
    with ape.reverts(r.TargetRegistryInvalidSignature, firm=firm.address, key=firm.key.address):
        record(ledger, target, key=other.key)
    with ape.reverts(r.TargetRegistryNotFirm, firm=ledger.auditor.address):
        record(ledger, replace(target, firm=ledger.auditor.address), key=ledger.auditor.key)
    with ape.reverts(r.TargetRegistryNotFirm, firm=ledger.outsider.address):
        record(ledger, replace(target, firm=ledger.outsider.address), key=ledger.outsider.key)
    late = ledger.now() - 1
    with ape.reverts(r.TargetRegistryExpiredSignature, deadline=late):
        record(ledger, replace(target, deadline=late))


def test_malformed_targets_are_refused_naming_the_field(ledger: Ledger) -> None:
    firm, other = ledger.firms[0], ledger.firms[1]
    base = ledger.recorded(firm).claim_id
    target = make_target(ledger, firm, base)
    r = ledger.targets
    with ape.reverts(r.TargetRegistryInvalidYears, baseYear=2030, targetYear=2030):
        record(ledger, replace(target, base_year=2030))
    with ape.reverts(r.TargetRegistryInvalidYears, baseYear=2024, targetYear=2101):
        record(ledger, replace(target, target_year=2101))
    for bps in (0, 10_001):
        with ape.reverts(r.TargetRegistryInvalidReduction, reductionBps=bps):
            record(ledger, replace(target, reduction_bps=bps))
    with ape.reverts(r.TargetRegistryInvalidKind, kind=2):
        record(ledger, replace(target, kind=2))
    category_4_only = Target.coverage_bits((1,), (4,))
    for bits in (0, 1 << 18, category_4_only):
        with ape.reverts(r.TargetRegistryInvalidCoverage, coverage=bits):
            record(ledger, replace(target, coverage=bits))
    with ape.reverts(
        r.TargetRegistryInvalidBaseClaim, baseClaimId=h("nowhere"), owner=ZERO_ADDRESS
    ):
        record(ledger, replace(target, base_claim_id=h("nowhere")))
    others = ledger.recorded(other).claim_id
    with ape.reverts(r.TargetRegistryInvalidBaseClaim, baseClaimId=others, owner=other.address):
        record(ledger, replace(target, base_claim_id=others))
    with ape.reverts(r.TargetRegistryUnknownTarget, targetId=h("no target")):
        r.targetOf(h("no target"))


def test_a_revoked_or_superseded_base_claim_is_refused_naming_its_status(
    ledger: Ledger,
) -> None:
    firm = ledger.firms[1]
    revoked = ledger.recorded(firm).claim_id
    revocation, signature = ledger.revocation(revoked, firm)
    ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)
    superseded = ledger.recorded(firm).claim_id
    amendment = ledger.recorded(firm, supersedes=superseded).claim_id
    r = ledger.targets
    before = len(r.targetsOf(firm.address))
    with ape.reverts(r.TargetRegistryBaseClaimNotActive, baseClaimId=revoked, status=REVOKED):
        record(ledger, make_target(ledger, firm, revoked))
    with ape.reverts(r.TargetRegistryBaseClaimNotActive, baseClaimId=superseded, status=SUPERSEDED):
        record(ledger, make_target(ledger, firm, superseded))
    assert len(r.targetsOf(firm.address)) == before
    # re-based on the amendment in force, the same target is recorded
    (event,) = emitted(record(ledger, make_target(ledger, firm, amendment)), r.TargetRecorded)
    assert event["baseClaimId"] == amendment


def test_net_zero_with_scope_3_categories_round_trips_its_coverage(ledger: Ledger) -> None:
    firm = ledger.firms[2]
    bits = Target.coverage_bits((1, 2, 3), (1, 4, 15))
    assert Target.coverage_of(bits) == ((1, 2, 3), (1, 4, 15))
    target = make_target(
        ledger, firm, ledger.recorded(firm).claim_id,
        kind=int(TargetKind.NET_ZERO), coverage=bits, target_year=2050, reduction_bps=9_000,
    )  # fmt: skip
    (event,) = emitted(record(ledger, target), ledger.targets.TargetRecorded)
    assert (event["kind"], event["coverage"], event["targetYear"]) == (1, bits, 2050)


def test_the_registry_names_its_collaborators(ledger: Ledger) -> None:
    assert ledger.targets.memberRegistry() == ledger.registry.address
    assert ledger.targets.claimLedger() == ledger.claims.address
