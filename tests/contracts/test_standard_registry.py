"""StandardRegistry: admins publish and retire versions of the unified standard, k-of-n."""

from __future__ import annotations

from typing import Any

import ape

from tests.contracts.ledger import (
    ZERO_ADDRESS,
    Ledger,
    constructor_revert,
    emitted,
    encode_error,
    h,
)

NONE, ACTIVE, RETIRED = 0, 1, 2


PUBLISH, RETIRE = 1, 2
PENDING, EXECUTED = 1, 2
LIFETIME = 14 * 24 * 3600


def _proposal_id(standards: Any, tx: Any) -> int:
    return int(tx.return_value or standards.proposalCount())


def test_a_publication_waits_for_the_quorum_then_takes_the_next_id(ledger: Ledger) -> None:
    standards, proposer, approver = ledger.standards, ledger.admins[1], ledger.admins[2]
    tx = standards.proposePublication(h("standard-v2"), 1_800_000_000, sender=proposer)
    pid = _proposal_id(standards, tx)
    expires = ledger.chain.blocks.head.timestamp + LIFETIME
    assert emitted(tx, standards.PublicationProposed) == [
        {
            "proposalId": pid,
            "contentHash": h("standard-v2"),
            "effectiveFrom": 1_800_000_000,
            "proposer": proposer.address,
            "expiresAt": expires,
        }
    ]
    assert emitted(tx, standards.ProposalApproved) == [
        {"proposalId": pid, "admin": proposer.address, "approvals": 1}
    ]
    assert emitted(tx, standards.StandardPublished) == []  # quorum 2: one approval is not enough
    assert standards.versionByContent(h("standard-v2")) == 0
    assert standards.versionCount() == 1
    p = standards.proposalOf(pid)
    assert (p.action, p.status, p.version, p.proposer) == (PUBLISH, PENDING, 0, proposer.address)

    tx = standards.approve(pid, sender=approver)
    assert emitted(tx, standards.ProposalApproved) == [
        {"proposalId": pid, "admin": approver.address, "approvals": 2}
    ]
    assert emitted(tx, standards.ProposalExecuted) == [
        {"proposalId": pid, "executor": approver.address}
    ]
    assert emitted(tx, standards.StandardPublished) == [
        {
            "version": 2,
            "contentHash": h("standard-v2"),
            "effectiveFrom": 1_800_000_000,
            "admin": approver.address,
        }
    ]
    v = standards.versionOf(2)
    assert (v.effectiveFrom, v.status, v.contentHash) == (1_800_000_000, ACTIVE, h("standard-v2"))
    assert standards.versionState(2) == (ACTIVE, 1_800_000_000)
    assert standards.versionByContent(h("standard-v2")) == 2
    assert standards.versionCount() == 2
    p = standards.proposalOf(pid)
    assert (p.status, p.version) == (EXECUTED, 2)
    assert standards.hasApproved(pid, approver.address) and standards.approvalsOf(pid) == 2


def test_a_retirement_executes_on_the_quorum_th_approval(ledger: Ledger) -> None:
    standards, admins = ledger.standards, ledger.admins
    tx = standards.proposeRetirement(ledger.version, sender=admins[2])
    pid = _proposal_id(standards, tx)
    assert emitted(tx, standards.RetirementProposed) == [
        {
            "proposalId": pid,
            "version": ledger.version,
            "proposer": admins[2].address,
            "expiresAt": ledger.chain.blocks.head.timestamp + LIFETIME,
        }
    ]
    assert standards.versionOf(ledger.version).status == ACTIVE
    tx = standards.approve(pid, sender=admins[0])
    assert emitted(tx, standards.StandardRetired) == [
        {"version": ledger.version, "admin": admins[0].address}
    ]
    assert standards.versionOf(ledger.version).status == RETIRED
    assert standards.proposalOf(pid).action == RETIRE


def test_at_quorum_one_a_proposal_executes_in_its_own_transaction(ledger: Ledger) -> None:
    ledger.govern("proposeQuorum", 1)
    standards, admin = ledger.standards, ledger.admins[1]
    tx = standards.proposePublication(h("standard-v2"), 0, sender=admin)
    assert emitted(tx, standards.StandardPublished) == [
        {"version": 2, "contentHash": h("standard-v2"), "effectiveFrom": 0, "admin": admin.address}
    ]
    tx = standards.proposeRetirement(2, sender=admin)
    assert emitted(tx, standards.StandardRetired) == [{"version": 2, "admin": admin.address}]


def test_non_admins_cannot_propose_approve_or_execute(ledger: Ledger) -> None:
    standards = ledger.standards
    pid = _proposal_id(standards, standards.proposePublication(h("x"), 0, sender=ledger.admins[0]))
    for member in (ledger.firms[0], ledger.outsider, ledger.checker):
        with ape.reverts(standards.StandardRegistryNotAdmin, account=member.address):
            standards.proposePublication(h("y"), 0, sender=member.account)
        with ape.reverts(standards.StandardRegistryNotAdmin, account=member.address):
            standards.proposeRetirement(ledger.version, sender=member.account)
        with ape.reverts(standards.StandardRegistryNotAdmin, account=member.address):
            standards.approve(pid, sender=member.account)
        with ape.reverts(standards.StandardRegistryNotAdmin, account=member.address):
            standards.execute(pid, sender=member.account)


def test_a_suspended_admin_cannot_propose_and_its_approval_stops_counting(ledger: Ledger) -> None:
    standards, admins = ledger.standards, ledger.admins
    pid = _proposal_id(standards, standards.proposePublication(h("x"), 0, sender=admins[2]))
    ledger.govern("proposeSuspension", admins[2].address)
    with ape.reverts(standards.StandardRegistryNotAdmin, account=admins[2].address):
        standards.proposePublication(h("y"), 0, sender=admins[2])
    assert standards.approvalsOf(pid) == 0
    with ape.reverts(
        standards.StandardRegistryQuorumNotReached, proposalId=pid, approvals=0, quorum=2
    ):
        standards.execute(pid, sender=admins[0])
    standards.approve(pid, sender=admins[0])  # 1 of 2 counting approvals: still pending
    assert standards.proposalOf(pid).status == PENDING
    standards.approve(pid, sender=admins[1])
    assert standards.versionByContent(h("x")) == 2


def test_approvals_are_refused_twice_unknown_executed_or_expired(ledger: Ledger) -> None:
    standards, admins = ledger.standards, ledger.admins
    pid = _proposal_id(standards, standards.proposePublication(h("x"), 0, sender=admins[0]))
    with ape.reverts(
        standards.StandardRegistryAlreadyApproved, proposalId=pid, admin=admins[0].address
    ):
        standards.approve(pid, sender=admins[0])
    with ape.reverts(standards.StandardRegistryUnknownProposal, proposalId=99):
        standards.approve(99, sender=admins[1])
    standards.approve(pid, sender=admins[1])
    with ape.reverts(standards.StandardRegistryProposalNotPending, proposalId=pid, status=EXECUTED):
        standards.approve(pid, sender=admins[2])
    late = _proposal_id(standards, standards.proposePublication(h("late"), 0, sender=admins[0]))
    expires = standards.proposalOf(late).expiresAt
    ledger.chain.pending_timestamp = expires + 1
    with ape.reverts(standards.StandardRegistryProposalExpired, proposalId=late, expiresAt=expires):
        standards.approve(late, sender=admins[1])


def test_execute_runs_a_proposal_whose_quorum_was_lowered(ledger: Ledger) -> None:
    standards, admins = ledger.standards, ledger.admins
    pid = _proposal_id(standards, standards.proposePublication(h("x"), 0, sender=admins[0]))
    ledger.govern("proposeQuorum", 1)
    tx = standards.execute(pid, sender=admins[2])
    assert emitted(tx, standards.ProposalExecuted) == [
        {"proposalId": pid, "executor": admins[2].address}
    ]
    assert standards.versionByContent(h("x")) == 2


def test_publishing_refuses_zero_and_already_published_content(ledger: Ledger) -> None:
    standards, admins = ledger.standards, ledger.admins
    with ape.reverts(standards.StandardRegistryZeroContentHash):
        standards.proposePublication(b"\x00" * 32, 0, sender=admins[0])
    with ape.reverts(
        standards.StandardRegistryDuplicateContent,
        contentHash=h("standard-v1"),
        version=ledger.version,
    ):
        standards.proposePublication(h("standard-v1"), 0, sender=admins[0])
    # two proposals for one content: the second is refused when it would execute
    first = _proposal_id(standards, standards.proposePublication(h("x"), 0, sender=admins[0]))
    second = _proposal_id(standards, standards.proposePublication(h("x"), 0, sender=admins[0]))
    standards.approve(first, sender=admins[1])
    with ape.reverts(standards.StandardRegistryDuplicateContent, contentHash=h("x"), version=2):
        standards.approve(second, sender=admins[1])


def test_retiring_refuses_unknown_and_retired_versions(ledger: Ledger) -> None:
    standards, admin = ledger.standards, ledger.admins[0]
    with ape.reverts(standards.StandardRegistryUnknownVersion, version=7):
        standards.proposeRetirement(7, sender=admin)
    ledger.retire(ledger.version)
    with ape.reverts(standards.StandardRegistryAlreadyRetired, version=ledger.version):
        standards.proposeRetirement(ledger.version, sender=admin)


def test_constructor_refuses_the_zero_registry(project: Any, accounts: Any, chain: Any) -> None:
    revert = constructor_revert(chain, project.StandardRegistry, ZERO_ADDRESS)
    assert revert == encode_error("StandardRegistryZeroAddress()")
    registry = accounts[0].deploy(project.StandardRegistry, accounts[1].address)
    assert registry.memberRegistry() == accounts[1].address
    assert registry.versionState(1) == (NONE, 0)
