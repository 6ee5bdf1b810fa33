"""GovernanceService over a fake of its port: what an admin may ask for, how the registries'
proposals read, and what is relayed, without a node (tests/api/test_governance.py runs the
same service on anvil)."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from carbonledger.chain.governance import RegistryEvent, RelayedReceipt
from carbonledger.services.errors import Conflict, InvalidRequest, NotPermitted
from carbonledger.services.governance import AdminAction, GovernanceService
from carbonledger.standard.loader import load_version, shipped_versions
from carbonledger.vocab import ROLE_BITS
from tests.support.fakes import FakeRegistries

ADMIT, SET_QUORUM = 1, 6  # IMemberRegistry.Action
PUBLISH = 1  # IStandardRegistry.Action
EXECUTED = 2


@pytest.fixture
def admin() -> LocalAccount:
    return Account.create()


@pytest.fixture
def chain() -> FakeRegistries:
    return FakeRegistries(quorum=2, admins=3)


@pytest.fixture
def changes() -> list[str]:
    return []


@pytest.fixture
def service(chain: FakeRegistries, changes: list[str]) -> GovernanceService:
    standards = [load_version(v) for v in shipped_versions()]
    return GovernanceService(chain, standards, after_change=lambda: changes.append("changed"))


def _signed(account: LocalAccount, to: str) -> str:
    tx = {"chainId": 31337, "to": to, "data": "0x", "nonce": 0, "gas": 100_000, "gasPrice": 1}
    return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()


def _receipt(*events: tuple[str, dict[str, int]]) -> RelayedReceipt:
    return RelayedReceipt(
        "0x" + "ab" * 32, 7, True, [RegistryEvent(name, args) for name, args in events]
    )


def test_a_proposal_the_admin_already_approved_is_refused_with_the_registrys_error(
    service: GovernanceService, chain: FakeRegistries, admin: LocalAccount
) -> None:
    pid = chain.propose("members", admin.address, action=SET_QUORUM, quorum=3)
    with pytest.raises(Conflict) as refused:
        service.prepare(admin.address, AdminAction("approve", registry="members", proposal_id=pid))
    assert str(refused.value) == (
        f"the chain would refuse approving proposal {pid}: "
        f"MemberRegistryAlreadyApproved(proposalId={pid}, admin={admin.address})"
    )
    other = Account.create()
    tx = service.prepare(other.address, AdminAction("approve", registry="members", proposal_id=pid))
    assert tx.sender == other.address and tx.to == chain.addresses["members"]
    assert tx.gas == int(100_000 * 1.2) + 20_000 and tx.description == f"approving proposal {pid}"


def test_the_overview_shows_the_quorum_and_each_proposals_approvals(
    service: GovernanceService, chain: FakeRegistries, admin: LocalAccount
) -> None:
    other = Account.create()
    shipped = next(iter(service.standards.values()))
    chain.published[shipped.content_hash] = 1
    admission = chain.propose(
        "members",
        other.address,
        action=ADMIT,
        account=other.address,
        name="Nordic Freight AS",
        roles=ROLE_BITS["firm"] | ROLE_BITS["auditor"],
    )
    chain.approvers["members", admission].add(admin.address.lower())
    chain.propose("members", other.address, action=SET_QUORUM, quorum=3, expires_at=chain.now - 1)
    chain.propose(
        "standards", admin.address, action=PUBLISH, status=EXECUTED, version=1,
        content_hash=shipped.content_hash,
    )  # fmt: skip

    view = service.overview(admin.address)

    assert (view.quorum, view.admin_count) == (2, 3)
    shown = {(p.registry, p.proposal_id): p for p in view.proposals}
    admit = shown["members", admission]
    assert (admit.action, admit.status, admit.approvals) == ("admit", "pending", 2)
    assert admit.approved_by_caller and admit.roles == ("firm", "auditor")
    assert admit.name == "Nordic Freight AS" and admit.quorum is None
    quorum = shown["members", 2]
    assert (quorum.status, quorum.quorum, quorum.account, quorum.approved_by_caller) == (
        "expired",
        3,
        None,
        False,
    )
    publication = shown["standards", 1]
    assert publication.status == "executed" and publication.onchain_version == 1
    assert publication.standard_version_id == shipped.version_id
    assert view.proposals[0] == admit  # pending first
    on_chain = {s.methodology_version: s.onchain_version for s in view.standards}
    assert on_chain[shipped.methodology_version] == 1
    assert sorted(on_chain.values()).count(0) == len(on_chain) - 1


def test_an_approval_that_reaches_the_quorum_is_ready_to_execute_and_an_execution_reported(
    service: GovernanceService, chain: FakeRegistries, admin: LocalAccount, changes: list[str]
) -> None:
    chain.receipts.append(_receipt(("ProposalApproved", {"proposalId": 4, "approvals": 2})))
    approved = service.relay(admin.address, _signed(admin, chain.addresses["members"]))
    assert (approved.proposal_id, approved.approvals, approved.quorum) == (4, 2, 2)
    assert approved.ready_to_execute and not approved.executed and changes == []
    assert approved.events == ["ProposalApproved"] and approved.block_number == 7

    chain.receipts.append(_receipt(("ProposalExecuted", {"proposalId": 4})))
    chain.approvers["members", 4] = {"0x01", "0x02"}
    done = service.relay(admin.address, _signed(admin, chain.addresses["members"]))
    assert done.executed and not done.ready_to_execute and done.approvals == 2
    assert changes == ["changed"]


def test_only_the_callers_own_transactions_to_a_registry_are_relayed(
    service: GovernanceService, chain: FakeRegistries, admin: LocalAccount
) -> None:
    stranger = Account.create()
    with pytest.raises(NotPermitted, match="not by the signed-in member"):
        service.relay(admin.address, _signed(stranger, chain.addresses["members"]))
    with pytest.raises(NotPermitted, match="MemberRegistry or the StandardRegistry"):
        service.relay(admin.address, _signed(admin, "0x" + "33" * 20))
    with pytest.raises(InvalidRequest, match="raw is not a transaction"):
        service.relay(admin.address, "0xdeadbeef")
    assert chain.relayed == []


def test_a_node_that_refuses_is_a_conflict_and_bad_fields_are_named(
    service: GovernanceService, chain: FakeRegistries, admin: LocalAccount
) -> None:
    chain.broke = ValueError("insufficient funds for gas")
    with pytest.raises(Conflict, match="the node refused to estimate a quorum of 2: insufficient"):
        service.prepare(admin.address, AdminAction("set_quorum", quorum=2))
    chain.broke = ValueError("nonce too low")
    with pytest.raises(Conflict, match="the node refused the transaction: nonce too low"):
        service.relay(admin.address, _signed(admin, chain.addresses["standards"]))
    with pytest.raises(InvalidRequest) as bad:
        service.prepare(admin.address, AdminAction("set_roles", account=admin.address))
    assert bad.value.problems == [{"field": "roles", "message": "unknown or empty"}]
