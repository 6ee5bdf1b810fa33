"""``LedgerGateway.relay_many``: signed messages relayed together, each its own transaction,
on a real anvil with the contracts deployed."""

from __future__ import annotations

import pytest
from eth_account import Account

from carbonledger.chain.errors import ChainRefused
from carbonledger.chain.gateway import LedgerGateway
from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.vocab import Audit, AuditVerdict, Claim, ClaimKind
from tests.conftest import DeployedChain


def _gateway(chain: DeployedChain) -> LedgerGateway:
    # an account of its own: the sender's nonce is this test's alone
    key = Account.create().key
    gateway = LedgerGateway(chain.w3, chain.deployment, chain.artifacts, bytes(key).hex())
    admin = LedgerGateway(chain.w3, chain.deployment, chain.artifacts, ANVIL_DEV_KEY_0)
    admin.sender.transact({"to": gateway.sender.address, "value": 10**18}, "funding", 21_000)
    return gateway


def _claim(nonce: int) -> Claim:
    return Claim(
        firm="0x" + "11" * 20, kind=ClaimKind.FOOTPRINT, standard_version=1, period_start=0,
        period_end=1, document_hash=nonce.to_bytes(32, "big"), activity_root=b"\0" * 32,
        scope1=1, scope2_location=0, scope2_market=0, scope3=0, biogenic=0, nonce=nonce,
        deadline=2**40,
    )  # fmt: skip


def test_a_call_the_contract_refuses_up_front_names_it_and_none_is_sent(
    deployed_chain: DeployedChain,
) -> None:
    gateway = _gateway(deployed_chain)
    sent_before = deployed_chain.w3.eth.get_transaction_count(gateway.sender.address)
    with pytest.raises(ChainRefused) as refused:
        gateway.admit_claims(
            [(_claim(k), b"\1" * 65, b"\2" * 32, []) for k in range(2)]  # a root never recorded
        )
    assert refused.value.reason == "ClaimRootsUnknownRoot"
    assert "admitting root-anchored claims (1 of 2)" in str(refused.value)
    assert deployed_chain.w3.eth.get_transaction_count(gateway.sender.address) == sent_before


def test_a_transaction_that_reverts_is_none_in_its_place(deployed_chain: DeployedChain) -> None:
    gateway = _gateway(deployed_chain)
    sender = gateway.sender.address
    audits = [
        Audit(bytes([k]) * 32, sender, AuditVerdict.APPROVED, b"\3" * 32, k, 2**40)
        for k in range(3)
    ]
    sent_before = deployed_chain.w3.eth.get_transaction_count(sender)
    landed = gateway.relay_many(
        "ClaimLedger", "recordAudit", [[a.as_tuple(), b""] for a in audits], 150_000, "audits"
    )
    assert landed == [None, None, None]  # not an auditor: each reverted, once mined
    assert deployed_chain.w3.eth.get_transaction_count(sender) == sent_before + 3
