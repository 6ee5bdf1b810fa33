"""ClaimRoots: Merkle roots of signed claims; a claim's admission into the ledger with its proof."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ape
import pytest

from carbonledger.chain import typed_data as td
from carbonledger.vocab import ClaimTree, claim_leaf
from tests.contracts.ledger import DAY, Ledger, emitted, event_names, h, key_for

ACTIVE, REVOKED = 1, 3


@pytest.fixture
def roots(project: Any, ledger: Ledger) -> Any:
    return project.ClaimRoots.at(ledger.claims.claimRoots())


def signed_batch(ledger: Ledger, n: int) -> list[tuple[td.Claim, bytes]]:
    """``n`` claims of the firms in turn, each with the firm's next nonce (as the service hands
    them out: in order, none of them on chain yet)."""
    nonces: dict[str, int] = {}
    batch = []
    for i in range(n):
        firm = ledger.firms[i % len(ledger.firms)]
        nonce = nonces.get(firm.address, int(ledger.claims.nonces(firm.address)))
        nonces[firm.address] = nonce + 1
        claim = ledger.claim(firm, nonce=nonce)
        batch.append((claim, ledger.sign_claim(claim, firm.key)))
    return batch


def tree_of(ledger: Ledger, batch: list[tuple[td.Claim, bytes]]) -> ClaimTree:
    return ClaimTree.build(
        [claim_leaf(td.claim_digest(ledger.claim_domain, c), s) for c, s in batch]
    )


def recorded_root(ledger: Ledger, roots: Any, n: int = 5) -> tuple[list[Any], ClaimTree]:
    batch = signed_batch(ledger, n)
    tree = tree_of(ledger, batch)
    roots.recordRoot(tree.root, n, sender=ledger.relayer.account)
    return batch, tree


def admit(roots: Any, ledger: Ledger, claim: td.Claim, sig: bytes, root: bytes, proof: Any) -> Any:
    return roots.admitClaim(claim.as_tuple(), sig, root, proof, sender=ledger.outsider.account)


def admitted_first(ledger: Ledger, roots: Any, n: int) -> tuple[td.Claim, bytes, ClaimTree]:
    """A root of ``n`` claims recorded, and its first claim admitted."""
    batch, tree = recorded_root(ledger, roots, n)
    claim, sig = batch[0]
    admit(roots, ledger, claim, sig, tree.root, tree.proof(0))
    return claim, sig, tree


def test_the_ledger_deploys_its_roots_contract_bound_to_itself(ledger: Ledger, roots: Any) -> None:
    assert roots.claimLedger() == ledger.claims.address
    assert roots.memberRegistry() == ledger.registry.address


def test_a_relayer_records_a_root_and_the_event_names_it(ledger: Ledger, roots: Any) -> None:
    tx = roots.recordRoot(h("root"), 1000, sender=ledger.relayer.account)
    assert emitted(tx, roots.ClaimRootRecorded) == [
        {"root": h("root"), "relayer": ledger.relayer.address, "count": 1000}
    ]
    record = roots.rootOf(h("root"))
    block = ledger.chain.provider.get_block(tx.block_number)
    assert tuple(record) == (1000, block.timestamp, tx.block_number)


def test_only_a_relayer_records_roots(ledger: Ledger, roots: Any) -> None:
    with ape.reverts(roots.ClaimRootsMissingRole, account=ledger.firms[0].address):
        roots.recordRoot(h("root"), 1, sender=ledger.firms[0].account)


def test_an_empty_root_or_count_and_a_recorded_root_are_refused(ledger: Ledger, roots: Any) -> None:
    relayer = ledger.relayer.account
    with ape.reverts(roots.ClaimRootsEmptyRoot, root=b"\x00" * 32, count=3):
        roots.recordRoot(b"\x00" * 32, 3, sender=relayer)
    with ape.reverts(roots.ClaimRootsEmptyRoot, root=h("root"), count=0):
        roots.recordRoot(h("root"), 0, sender=relayer)
    roots.recordRoot(h("root"), 2, sender=relayer)
    at = roots.rootOf(h("root")).recordedAt
    with ape.reverts(roots.ClaimRootsDuplicateRoot, root=h("root"), recordedAt=at):
        roots.recordRoot(h("root"), 2, sender=relayer)


def test_the_python_leaf_is_the_contracts(ledger: Ledger, roots: Any) -> None:
    ((claim, sig),) = signed_batch(ledger, 1)
    assert roots.leafOf(claim.as_tuple(), sig) == claim_leaf(
        td.claim_digest(ledger.claim_domain, claim), sig
    )


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_every_claim_of_a_root_is_admitted_with_its_proof_in_any_order(
    ledger: Ledger, roots: Any, n: int
) -> None:
    batch, tree = recorded_root(ledger, roots, n)
    for i in reversed(range(n)):
        claim, sig = batch[i]
        tx = admit(roots, ledger, claim, sig, tree.root, tree.proof(i))
        assert tx.return_value == claim.claim_id
        assert event_names(tx) == ["ClaimSubmitted", "ClaimAdmitted"]
        assert emitted(tx, roots.ClaimAdmitted) == [
            {"claimId": claim.claim_id, "root": tree.root, "firm": claim.firm}
        ]
        assert ledger.claims.isActive(claim.claim_id)
    # the counter of each firm is past the highest nonce admitted
    for firm in ledger.firms[: min(n, 3)]:
        highest = max(c.nonce for c, _ in batch if c.firm == firm.address)
        assert ledger.claims.nonces(firm.address) == highest + 1


def test_an_admitted_claim_is_checked_audited_and_revoked_like_any_other(
    ledger: Ledger, roots: Any
) -> None:
    batch, tree = recorded_root(ledger, roots, 3)
    (a, sig_a), (b, sig_b) = batch[0], batch[1]
    admit(roots, ledger, a, sig_a, tree.root, tree.proof(0))
    admit(roots, ledger, b, sig_b, tree.root, tree.proof(1))
    ledger.check(a.claim_id)
    audit, signature = ledger.audit(a.claim_id)
    ledger.claims.recordAudit(audit.as_tuple(), signature, sender=ledger.relayer.account)
    assert ledger.claims.claimOf(a.claim_id).audit == 1
    revocation, signature = ledger.revocation(b.claim_id, ledger.firms[1])
    ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)
    assert ledger.claims.claimOf(b.claim_id).status == REVOKED


def test_a_claim_left_out_of_the_root_is_refused(ledger: Ledger, roots: Any) -> None:
    _, tree = recorded_root(ledger, roots, 4)
    ((outside, sig),) = signed_batch(ledger, 1)
    leaf = claim_leaf(td.claim_digest(ledger.claim_domain, outside), sig)
    with ape.reverts(roots.ClaimRootsInvalidProof, root=tree.root, leaf=leaf):
        admit(roots, ledger, outside, sig, tree.root, tree.proof(0))


def test_a_changed_field_or_signature_fails_the_proof(ledger: Ledger, roots: Any) -> None:
    batch, tree = recorded_root(ledger, roots, 4)
    claim, sig = batch[2]
    changed = replace(claim, scope1=claim.scope1 + 1)
    leaf = claim_leaf(td.claim_digest(ledger.claim_domain, changed), sig)
    with ape.reverts(roots.ClaimRootsInvalidProof, root=tree.root, leaf=leaf):
        admit(roots, ledger, changed, sig, tree.root, tree.proof(2))
    other_sig = ledger.sign_claim(claim, key_for("somebody"))
    leaf = claim_leaf(td.claim_digest(ledger.claim_domain, claim), other_sig)
    with ape.reverts(roots.ClaimRootsInvalidProof, root=tree.root, leaf=leaf):
        admit(roots, ledger, claim, other_sig, tree.root, tree.proof(2))


def test_a_proof_for_another_root_is_refused(ledger: Ledger, roots: Any) -> None:
    batch, tree = recorded_root(ledger, roots, 4)
    _, other = recorded_root(ledger, roots, 4)
    claim, sig = batch[1]
    leaf = claim_leaf(td.claim_digest(ledger.claim_domain, claim), sig)
    with ape.reverts(roots.ClaimRootsInvalidProof, root=other.root, leaf=leaf):
        admit(roots, ledger, claim, sig, other.root, tree.proof(1))
    with ape.reverts(roots.ClaimRootsUnknownRoot, root=h("never recorded")):
        admit(roots, ledger, claim, sig, h("never recorded"), tree.proof(1))


def test_a_claim_signed_by_a_wrong_key_is_refused_though_its_proof_holds(
    ledger: Ledger, roots: Any
) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm)
    sig = ledger.sign_claim(claim, key_for("not the firm"))
    tree = tree_of(ledger, [(claim, sig)])
    roots.recordRoot(tree.root, 1, sender=ledger.relayer.account)
    with ape.reverts(
        roots.ClaimRootsInvalidSignature, firm=firm.address, signingKey=firm.key.address
    ):
        admit(roots, ledger, claim, sig, tree.root, tree.proof(0))


def test_the_key_in_force_at_the_roots_time_decides(ledger: Ledger, roots: Any) -> None:
    firm = ledger.firms[0]
    new_key = key_for("firm-0-rotated")
    # signed with the old key, root recorded before the rotation: admitted after it
    old = ledger.claim(firm)
    old_sig = ledger.sign_claim(old, firm.key)
    old_tree = tree_of(ledger, [(old, old_sig)])
    roots.recordRoot(old_tree.root, 1, sender=ledger.relayer.account)
    ledger.chain.pending_timestamp = ledger.now() + 10
    ledger.registry.rotateSigningKey(new_key.address, sender=firm.account)
    ledger.chain.pending_timestamp = ledger.now() + 10
    # signed with the old key, root recorded after the rotation: refused
    late = ledger.claim(firm, nonce=old.nonce + 1)
    late_sig = ledger.sign_claim(late, firm.key)
    late_tree = tree_of(ledger, [(late, late_sig)])
    roots.recordRoot(late_tree.root, 1, sender=ledger.relayer.account)
    admit(roots, ledger, old, old_sig, old_tree.root, [])
    assert ledger.claims.isActive(old.claim_id)
    with ape.reverts(
        roots.ClaimRootsInvalidSignature, firm=firm.address, signingKey=new_key.address
    ):
        admit(roots, ledger, late, late_sig, late_tree.root, [])


def test_a_claim_whose_deadline_passed_before_its_root_is_refused(
    ledger: Ledger, roots: Any
) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm, deadline=ledger.now() - 1)
    sig = ledger.sign_claim(claim, firm.key)
    tree = tree_of(ledger, [(claim, sig)])
    tx = roots.recordRoot(tree.root, 1, sender=ledger.relayer.account)
    at = ledger.chain.provider.get_block(tx.block_number).timestamp
    with ape.reverts(roots.ClaimRootsExpiredSignature, deadline=claim.deadline, recordedAt=at):
        admit(roots, ledger, claim, sig, tree.root, [])


def test_a_deadline_passed_after_the_root_does_not_matter(ledger: Ledger, roots: Any) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm, deadline=ledger.now() + 60)
    sig = ledger.sign_claim(claim, firm.key)
    tree = tree_of(ledger, [(claim, sig)])
    roots.recordRoot(tree.root, 1, sender=ledger.relayer.account)
    ledger.chain.pending_timestamp = ledger.now() + DAY
    admit(roots, ledger, claim, sig, tree.root, [])
    assert ledger.claims.isActive(claim.claim_id)


def test_an_admitted_claim_cannot_be_admitted_or_submitted_again(
    ledger: Ledger, roots: Any
) -> None:
    claim, sig, tree = admitted_first(ledger, roots, 2)
    with ape.reverts(ledger.claims.ClaimLedgerDuplicateClaim, claimId=claim.claim_id):
        admit(roots, ledger, claim, sig, tree.root, tree.proof(0))


def test_a_nonce_an_admitted_claim_used_is_refused_to_later_signed_operations(
    ledger: Ledger, roots: Any
) -> None:
    claim, _, _ = admitted_first(ledger, roots, 1)
    revocation, signature = ledger.revocation(claim.claim_id, ledger.firms[0], nonce=claim.nonce)
    with ape.reverts(
        ledger.claims.ClaimLedgerNonceAlreadyUsed, account=claim.firm, nonce=claim.nonce
    ):
        ledger.claims.revokeClaim(revocation.as_tuple(), signature, sender=ledger.relayer.account)


def test_the_ledger_admits_only_from_its_roots_contract(ledger: Ledger) -> None:
    claim = ledger.claim(ledger.firms[0])
    with ape.reverts(ledger.claims.ClaimLedgerUnauthorizedAdmission, caller=ledger.relayer.address):
        ledger.claims.admitClaim(claim.as_tuple(), 1, sender=ledger.relayer.account)


def test_the_ledgers_content_rules_apply_at_admission(ledger: Ledger, roots: Any) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm, period_start=1_735_689_600, period_end=1_704_067_200)
    sig = ledger.sign_claim(claim, firm.key)
    tree = tree_of(ledger, [(claim, sig)])
    roots.recordRoot(tree.root, 1, sender=ledger.relayer.account)
    with ape.reverts(
        ledger.claims.ClaimLedgerInvalidPeriod, periodStart=1_735_689_600, periodEnd=1_704_067_200
    ):
        admit(roots, ledger, claim, sig, tree.root, [])


def test_a_claim_anchored_before_its_standard_was_retired_is_still_admitted(
    ledger: Ledger, roots: Any
) -> None:
    batch, tree = recorded_root(ledger, roots, 1)
    ledger.retire(ledger.version)
    claim, sig = batch[0]
    admit(roots, ledger, claim, sig, tree.root, [])
    assert ledger.claims.claimOf(claim.claim_id).status == ACTIVE
