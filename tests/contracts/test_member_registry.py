"""MemberRegistry: k-of-n admin governance, member lifecycle, roles and signing keys."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from tests.contracts.ledger import (
    ADMIN,
    AUDITOR,
    DAY,
    FIRM,
    ZERO_ADDRESS,
    Ledger,
    constructor_revert,
    emitted,
    encode_error,
    event_names,
    h,
    key_for,
)

# enum values
NONE, ACTIVE, SUSPENDED, REMOVED = 0, 1, 2, 3
ADMIT, REMOVE, SUSPEND, REINSTATE, SET_ROLES, SET_QUORUM = 1, 2, 3, 4, 5, 6
PENDING, EXECUTED = 1, 2


@pytest.fixture
def newcomer(accounts: Any) -> Any:
    return accounts[9]


def test_constructor_admits_initial_admins_and_sets_quorum(project: Any, admins: list[Any]) -> None:
    member_registry = admins[0].deploy(project.MemberRegistry, [a.address for a in admins], 2)
    assert member_registry.adminQuorum() == 2
    assert member_registry.adminCount() == 3
    for admin in admins:
        m = member_registry.memberOf(admin.address)
        assert (m.signingKey, m.status, m.roles) == (admin.address, ACTIVE, ADMIN)
        assert member_registry.hasRole(admin.address, ADMIN)
    receipt = member_registry.creation_metadata.receipt
    assert emitted(receipt, member_registry.MemberAdmitted)[0] == {
        "account": admins[0].address,
        "identifierHash": b"\x00" * 32,
        "name": "",
        "signingKey": admins[0].address,
        "roles": ADMIN,
    }
    assert emitted(receipt, member_registry.AdminQuorumChanged) == [
        {"previousQuorum": 0, "quorum": 2}
    ]


@pytest.mark.parametrize("quorum", [0, 3])
def test_constructor_refuses_a_quorum_outside_one_to_admin_count(
    project: Any, accounts: Any, chain: Any, quorum: int
) -> None:
    admins = [accounts[0].address, accounts[1].address]
    revert = constructor_revert(chain, project.MemberRegistry, admins, quorum)
    assert revert == encode_error("MemberRegistryInvalidQuorum(uint256,uint256)", quorum, 2)


def test_constructor_refuses_zero_and_duplicate_admins(
    project: Any, accounts: Any, chain: Any
) -> None:
    revert = constructor_revert(chain, project.MemberRegistry, [ZERO_ADDRESS], 1)
    assert revert == encode_error("MemberRegistryZeroAddress()")
    twice = [accounts[0].address, accounts[0].address]
    revert = constructor_revert(chain, project.MemberRegistry, twice, 1)
    assert revert == encode_error(
        "MemberRegistryAlreadyMember(address,uint8)", accounts[0].address, ACTIVE
    )


def test_admission_needs_quorum_and_emits_every_step(
    member_registry: Any, admins: list[Any], newcomer: Any, chain: Any
) -> None:
    key = key_for("newcomer")
    tx = member_registry.proposeAdmission(
        newcomer.address, h("reg"), "Newcomer GmbH", key.address, FIRM | AUDITOR, sender=admins[0]
    )
    pid = tx.return_value
    expires = chain.blocks.head.timestamp + 14 * DAY
    assert emitted(tx, member_registry.ProposalCreated) == [
        {
            "proposalId": pid,
            "action": ADMIT,
            "proposer": admins[0].address,
            "account": newcomer.address,
            "expiresAt": expires,
        }
    ]
    assert emitted(tx, member_registry.ProposalApproved) == [
        {"proposalId": pid, "admin": admins[0].address, "approvals": 1}
    ]
    with ape.reverts(
        member_registry.MemberRegistryQuorumNotReached, proposalId=pid, approvals=1, quorum=2
    ):
        member_registry.execute(pid, sender=admins[0])
    tx = member_registry.approve(pid, sender=admins[1])
    assert emitted(tx, member_registry.ProposalApproved) == [
        {"proposalId": pid, "admin": admins[1].address, "approvals": 2}
    ]
    tx = member_registry.execute(pid, sender=admins[2])
    assert event_names(tx) == ["ProposalExecuted", "MemberAdmitted"]
    assert emitted(tx, member_registry.ProposalExecuted) == [
        {"proposalId": pid, "executor": admins[2].address}
    ]
    assert emitted(tx, member_registry.MemberAdmitted) == [
        {
            "account": newcomer.address,
            "identifierHash": h("reg"),
            "name": "Newcomer GmbH",
            "signingKey": key.address,
            "roles": FIRM | AUDITOR,
        }
    ]
    m = member_registry.memberOf(newcomer.address)
    assert (m.signingKey, m.status, m.roles, m.identifierHash, m.name) == (
        key.address,
        ACTIVE,
        FIRM | AUDITOR,
        h("reg"),
        "Newcomer GmbH",
    )
    assert member_registry.proposalOf(pid).status == EXECUTED


def test_non_admins_cannot_propose_approve_or_execute(ledger: Ledger, newcomer: Any) -> None:
    registry, firm = ledger.registry, ledger.firms[0]
    with ape.reverts(registry.MemberRegistryNotAdmin, account=firm.address):
        registry.proposeRemoval(ledger.firms[1].address, sender=firm.account)
    pid = registry.proposeRemoval(ledger.firms[1].address, sender=ledger.admins[0]).return_value
    with ape.reverts(registry.MemberRegistryNotAdmin, account=firm.address):
        registry.approve(pid, sender=firm.account)
    with ape.reverts(registry.MemberRegistryNotAdmin, account=firm.address):
        registry.execute(pid, sender=firm.account)


def test_an_admin_cannot_approve_twice(member_registry: Any, admins: list[Any]) -> None:
    pid = member_registry.proposeQuorum(3, sender=admins[0]).return_value
    with ape.reverts(
        member_registry.MemberRegistryAlreadyApproved, proposalId=pid, admin=admins[0].address
    ):
        member_registry.approve(pid, sender=admins[0])


def test_unknown_executed_and_expired_proposals_are_refused(
    member_registry: Any, admins: list[Any], chain: Any
) -> None:
    with ape.reverts(member_registry.MemberRegistryUnknownProposal, proposalId=99):
        member_registry.approve(99, sender=admins[0])
    pid = member_registry.proposeQuorum(3, sender=admins[0]).return_value
    member_registry.approve(pid, sender=admins[1])
    member_registry.execute(pid, sender=admins[0])
    with ape.reverts(
        member_registry.MemberRegistryProposalNotPending, proposalId=pid, status=EXECUTED
    ):
        member_registry.execute(pid, sender=admins[0])
    pid = member_registry.proposeQuorum(1, sender=admins[0]).return_value
    expires = member_registry.proposalOf(pid).expiresAt
    chain.pending_timestamp = expires + 1
    with ape.reverts(
        member_registry.MemberRegistryProposalExpired, proposalId=pid, expiresAt=expires
    ):
        member_registry.approve(pid, sender=admins[1])


def test_admission_is_refused_for_members_zero_addresses_and_bad_roles(
    ledger: Ledger, newcomer: Any
) -> None:
    registry, admin, key = ledger.registry, ledger.admins[0], key_for("x").address
    firm = ledger.firms[0].address
    with ape.reverts(registry.MemberRegistryAlreadyMember, account=firm, status=ACTIVE):
        registry.proposeAdmission(firm, h("r"), "n", key, FIRM, sender=admin)
    with ape.reverts(registry.MemberRegistryZeroAddress):
        registry.proposeAdmission(ZERO_ADDRESS, h("r"), "n", key, FIRM, sender=admin)
    with ape.reverts(registry.MemberRegistryZeroAddress):
        registry.proposeAdmission(newcomer.address, h("r"), "n", ZERO_ADDRESS, FIRM, sender=admin)
    for roles in (0, 32):
        with ape.reverts(registry.MemberRegistryInvalidRoles, roles=roles):
            registry.proposeAdmission(newcomer.address, h("r"), "n", key, roles, sender=admin)


def test_removal_is_final_and_the_account_is_never_readmitted(ledger: Ledger) -> None:
    registry, firm = ledger.registry, ledger.firms[0]
    tx = ledger.govern("proposeRemoval", firm.address)
    assert emitted(tx, registry.MemberRemoved) == [{"account": firm.address}]
    assert registry.memberOf(firm.address).status == REMOVED
    assert not registry.hasRole(firm.address, FIRM)
    with ape.reverts(registry.MemberRegistryUnexpectedStatus, account=firm.address, status=REMOVED):
        registry.proposeRemoval(firm.address, sender=ledger.admins[0])
    with ape.reverts(registry.MemberRegistryAlreadyMember, account=firm.address, status=REMOVED):
        registry.proposeAdmission(
            firm.address, h("r"), "n", firm.key.address, FIRM, sender=ledger.admins[0]
        )


def test_suspension_and_reinstatement_toggle_the_roles(ledger: Ledger) -> None:
    registry, firm = ledger.registry, ledger.firms[0]
    tx = ledger.govern("proposeSuspension", firm.address)
    assert emitted(tx, registry.MemberSuspended) == [{"account": firm.address}]
    assert not registry.hasRole(firm.address, FIRM)
    with ape.reverts(
        registry.MemberRegistryUnexpectedStatus, account=firm.address, status=SUSPENDED
    ):
        registry.proposeSuspension(firm.address, sender=ledger.admins[0])
    tx = ledger.govern("proposeReinstatement", firm.address)
    assert emitted(tx, registry.MemberReinstated) == [{"account": firm.address}]
    assert registry.hasRole(firm.address, FIRM)
    with ape.reverts(registry.MemberRegistryUnexpectedStatus, account=firm.address, status=ACTIVE):
        registry.proposeReinstatement(firm.address, sender=ledger.admins[0])


def test_roles_change_by_quorum(ledger: Ledger) -> None:
    registry, firm = ledger.registry, ledger.firms[0]
    tx = ledger.govern("proposeRoles", firm.address, FIRM | AUDITOR)
    assert emitted(tx, registry.MemberRolesChanged) == [
        {"account": firm.address, "previousRoles": FIRM, "roles": FIRM | AUDITOR}
    ]
    assert registry.hasRole(firm.address, AUDITOR)
    with ape.reverts(registry.MemberRegistryInvalidRoles, roles=0):
        registry.proposeRoles(firm.address, 0, sender=ledger.admins[0])
    with ape.reverts(
        registry.MemberRegistryUnexpectedStatus, account=ledger.outsider.address, status=NONE
    ):
        registry.proposeRoles(ledger.outsider.address, FIRM, sender=ledger.admins[0])


def test_granting_admin_counts_towards_the_quorum(ledger: Ledger) -> None:
    registry = ledger.registry
    ledger.govern("proposeRoles", ledger.firms[0].address, FIRM | ADMIN)
    assert registry.adminCount() == 4
    ledger.govern("proposeRoles", ledger.firms[0].address, FIRM)
    assert registry.adminCount() == 3


def test_quorum_change_within_admin_count(member_registry: Any, admins: list[Any]) -> None:
    pid = member_registry.proposeQuorum(3, sender=admins[0]).return_value
    member_registry.approve(pid, sender=admins[1])
    tx = member_registry.execute(pid, sender=admins[1])
    assert emitted(tx, member_registry.AdminQuorumChanged) == [{"previousQuorum": 2, "quorum": 3}]
    for quorum in (0, 4):
        with ape.reverts(member_registry.MemberRegistryInvalidQuorum, quorum=quorum, adminCount=3):
            member_registry.proposeQuorum(quorum, sender=admins[0])


def test_admins_cannot_drop_below_the_quorum(member_registry: Any, admins: list[Any]) -> None:
    pid = member_registry.proposeQuorum(3, sender=admins[0]).return_value
    member_registry.approve(pid, sender=admins[1])
    member_registry.execute(pid, sender=admins[1])
    for propose in ("proposeRemoval", "proposeSuspension"):
        with ape.reverts(member_registry.MemberRegistryQuorumUnreachable, adminCount=2, quorum=3):
            getattr(member_registry, propose)(admins[2].address, sender=admins[0])
    with ape.reverts(member_registry.MemberRegistryQuorumUnreachable, adminCount=2, quorum=3):
        member_registry.proposeRoles(admins[2].address, FIRM, sender=admins[0])


def test_execution_revalidates_against_the_current_state(ledger: Ledger) -> None:
    registry, admins, firm = ledger.registry, ledger.admins, ledger.firms[0]
    first = registry.proposeSuspension(firm.address, sender=admins[0]).return_value
    registry.approve(first, sender=admins[1])
    ledger.govern("proposeRemoval", firm.address)
    with ape.reverts(registry.MemberRegistryUnexpectedStatus, account=firm.address, status=REMOVED):
        registry.execute(first, sender=admins[0])


def test_approvals_of_admins_who_lost_the_role_do_not_count(ledger: Ledger) -> None:
    registry, admins = ledger.registry, ledger.admins
    pid = registry.proposeSuspension(ledger.firms[0].address, sender=admins[2]).return_value
    ledger.govern("proposeRoles", admins[2].address, FIRM)
    assert registry.approvalsOf(pid) == 0
    registry.approve(pid, sender=admins[0])
    with ape.reverts(
        registry.MemberRegistryQuorumNotReached, proposalId=pid, approvals=1, quorum=2
    ):
        registry.execute(pid, sender=admins[0])


def test_members_rotate_their_own_key_and_history_stays_readable(
    ledger: Ledger, chain: Any
) -> None:
    registry, firm = ledger.registry, ledger.firms[0]
    before = chain.blocks.head.timestamp
    new_key = key_for("rotated")
    chain.pending_timestamp = before + 100
    tx = registry.rotateSigningKey(new_key.address, sender=firm.account)
    assert emitted(tx, registry.SigningKeyRotated) == [
        {"account": firm.address, "previousKey": firm.key.address, "newKey": new_key.address}
    ]
    assert registry.memberOf(firm.address).signingKey == new_key.address
    assert registry.signingKeyAt(firm.address, before) == firm.key.address
    assert registry.signingKeyAt(firm.address, before + 100) == new_key.address
    assert registry.signingKeyAt(firm.address, 0) == ZERO_ADDRESS


def test_key_rotation_is_refused_for_outsiders_suspended_members_and_zero_keys(
    ledger: Ledger,
) -> None:
    registry, firm = ledger.registry, ledger.firms[0]
    with ape.reverts(registry.MemberRegistryInactiveMember, account=ledger.outsider.address):
        registry.rotateSigningKey(key_for("k").address, sender=ledger.outsider.account)
    with ape.reverts(registry.MemberRegistryZeroAddress):
        registry.rotateSigningKey(ZERO_ADDRESS, sender=firm.account)
    ledger.govern("proposeSuspension", firm.address)
    with ape.reverts(registry.MemberRegistryInactiveMember, account=firm.address):
        registry.rotateSigningKey(key_for("k").address, sender=firm.account)


def test_views_describe_proposals_and_state(ledger: Ledger) -> None:
    registry, admins = ledger.registry, ledger.admins
    count = registry.proposalCount()
    pid = registry.proposeRoles(
        ledger.firms[0].address, FIRM | AUDITOR, sender=admins[0]
    ).return_value
    assert pid == count + 1
    p = registry.proposalOf(pid)
    assert (p.action, p.status, p.proposer, p.account, p.roles) == (
        SET_ROLES,
        PENDING,
        admins[0].address,
        ledger.firms[0].address,
        FIRM | AUDITOR,
    )
    assert registry.hasApproved(pid, admins[0]) and not registry.hasApproved(pid, admins[1])
    key, roles, status = registry.memberState(ledger.firms[0].address)
    assert (key, roles, status) == (ledger.firms[0].key.address, FIRM, ACTIVE)
    assert not registry.hasRole(ledger.firms[0].address, 0)
