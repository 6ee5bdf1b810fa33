"""The relayer's calldata, encoded word by word, is the bytes web3's contract encoder gives."""

from __future__ import annotations

from eth_account import Account
from eth_utils.crypto import keccak

from carbonledger.chain.gateway import LedgerGateway
from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.vocab import Claim
from tests.conftest import DeployedChain
from tests.support.samples import sample

ADDRESSES = [Account.from_key(bytes([i + 1]) * 32).address for i in range(3)]


def _gateway(chain: DeployedChain) -> LedgerGateway:
    return LedgerGateway(chain.w3, chain.deployment, chain.artifacts, ANVIL_DEV_KEY_0)


def _items(n: int) -> list[tuple[Claim, bytes]]:
    """``n`` claims of no member, each with a well-formed signature."""
    return [
        (sample(Claim, ADDRESSES, nonce=i), keccak(text=str(i)) * 2 + b"\x1b") for i in range(n)
    ]


def test_try_submit_claims_calldata_is_the_contracts_abi_encoding(
    deployed_chain: DeployedChain,
) -> None:
    gateway = _gateway(deployed_chain)
    items = _items(7)
    ledger = deployed_chain.contract("ClaimLedger")
    expected = ledger.encode_abi(
        "trySubmitClaims", args=[[c.as_tuple() for c, _ in items], [s for _, s in items]]
    )
    assert "0x" + gateway.claims_call(items).hex() == expected
    as_words = [(c.words(), s) for c, s in items]  # as the worker relays stored claims
    assert "0x" + gateway.claims_call(as_words).hex() == expected


def test_record_checks_calldata_is_the_contracts_abi_encoding(
    deployed_chain: DeployedChain,
) -> None:
    gateway = _gateway(deployed_chain)
    results = [(keccak(text=str(i)), i % 3 != 0, keccak(text=f"report {i}")) for i in range(5)]
    ledger = deployed_chain.contract("ClaimLedger")
    expected = ledger.encode_abi("recordChecks", args=[[list(r) for r in results]])
    assert "0x" + gateway.checks_call(results).hex() == expected


def test_a_claims_transactions_outcome_carries_the_gas_its_receipt_reports(
    deployed_chain: DeployedChain,
) -> None:
    """The worker sizes its rounds from this figure (``anchoring.round_transactions``)."""
    gateway = _gateway(deployed_chain)
    (tx_hash,) = gateway.send_claims_many([_items(3)])
    (outcome,) = gateway.claims_outcomes([tx_hash])

    receipt = deployed_chain.w3.eth.get_transaction_receipt(tx_hash)
    assert outcome.gas_used == receipt["gasUsed"] > 21_000
    assert sorted(outcome.failed) == [0, 1, 2]  # signed by no member: each item refused


def test_the_block_gas_limit_is_the_newest_blocks(deployed_chain: DeployedChain) -> None:
    gateway = _gateway(deployed_chain)
    assert gateway.block_gas_limit() == deployed_chain.w3.eth.get_block("latest")["gasLimit"]
