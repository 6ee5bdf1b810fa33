"""The relayer's transaction sender: local signing, batches of transactions, nonces."""

from __future__ import annotations

from typing import Any

import pytest
import rlp  # type: ignore[import-untyped]
from eth_account import Account
from web3 import Web3

from carbonledger.chain.jsonrpc import JsonRpc
from carbonledger.chain.sender import (
    NONCE_RETRIES,
    TransactionFailed,
    TxSender,
    _rlp,
    sign_legacy,
)
from carbonledger.config import ANVIL_DEV_KEY_0
from tests.conftest import DeployedChain

KEY = bytes.fromhex(ANVIL_DEV_KEY_0.removeprefix("0x"))


@pytest.mark.parametrize(
    "tx",
    [
        {"to": "0x" + "11" * 20, "data": b"\x01\x02" * 700, "gas": 300_000, "gasPrice": 0},
        {
            "to": Web3.to_checksum_address("0x" + "ab" * 20),
            "value": 10**18,
            "gas": 21_000,
            "gasPrice": 7 * 10**9,
        },
        {"data": "0x6080604052", "gas": 2_000_000, "gasPrice": 1},  # a contract creation
    ],
)
@pytest.mark.parametrize(("nonce", "chain_id"), [(0, 31337), (1234567, 1), (5, 2**40)])
def test_a_transaction_signed_here_is_byte_for_byte_what_eth_account_signs(
    tx: dict[str, object], nonce: int, chain_id: int
) -> None:
    full = {**tx, "nonce": nonce, "chainId": chain_id}
    raw, tx_hash = sign_legacy(KEY, full)
    theirs = Account.sign_transaction(full, KEY)
    assert raw == bytes(theirs.raw_transaction)
    assert tx_hash == bytes(theirs.hash)


def _pending(w3: Web3, address: str) -> int:
    return int(w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]


def _fresh_sender(w3: Web3, funds: int) -> TxSender:
    """A sender of its own (nonce 0), its account funded by the node's development key."""
    account = Account.create()
    funder = TxSender(w3, ANVIL_DEV_KEY_0)
    funder.transact({"to": account.address, "value": funds}, "funding", gas=21_000)
    return TxSender(w3, bytes(account.key).hex())


def test_transactions_sent_in_one_batch_are_all_mined_with_consecutive_nonces(
    deployed_chain: DeployedChain,
) -> None:
    w3 = deployed_chain.w3
    sender = _fresh_sender(w3, 10**18)
    hashes = sender.send_many(
        [({"to": "0x" + "22" * 20, "value": i + 1}, 21_000) for i in range(30)]
    )
    receipts = [sender.wait(h, "a transfer") for h in hashes]
    nonces = [int(w3.eth.get_transaction(h)["nonce"]) for h in hashes]
    assert nonces == list(range(30))
    assert all(r["status"] == 1 for r in receipts)
    assert _pending(w3, sender.address) == 30 == sender._nonce


def test_a_refused_transaction_in_a_batch_gives_its_nonce_back_to_the_next_send(
    deployed_chain: DeployedChain,
) -> None:
    w3 = deployed_chain.w3
    sender = _fresh_sender(w3, 10**16)
    too_much = 10**18  # more than the account holds: the node refuses it up front
    with pytest.raises(TransactionFailed, match="transaction 3 of 4 \\(nonce 2\\)"):
        sender.send_many(
            [({"to": "0x" + "33" * 20, "value": v}, 21_000) for v in (1, 2, too_much, 3)]
        )
    assert sender._nonce == 2
    tx_hash = sender.send({"to": "0x" + "33" * 20, "value": 4}, gas=21_000)
    sender.wait(tx_hash, "the next transfer")
    assert int(w3.eth.get_transaction(tx_hash)["nonce"]) == 2
    assert int(w3.eth.get_transaction_count(sender.address)) >= 3
    assert JsonRpc(w3).request("eth_chainId", []) == hex(sender.chain_id)


@pytest.mark.parametrize(
    "items",
    [
        [],
        [0, b"", b"\x00", b"\x7f", b"\x80"],
        [2**64, b"x" * 55, b"y" * 56, b"z" * 70_000],
        [1] * 60,
    ],
)
def test_the_transaction_rlp_is_the_rlp_packages(items: list[int | bytes]) -> None:
    import rlp

    assert _rlp(items) == rlp.encode(items)


def test_a_batch_of_transactions_without_a_price_reads_the_nodes_price_once(
    deployed_chain: DeployedChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    w3 = deployed_chain.w3
    sender = _fresh_sender(w3, 10**18)
    asked: list[str] = []
    request = sender._rpc.request

    def counted(method: str, params: Any) -> Any:
        asked.append(method)
        return request(method, params)

    monkeypatch.setattr(sender._rpc, "request", counted)
    hashes = sender.send_many(
        [({"to": "0x" + "55" * 20, "value": i + 1}, 21_000) for i in range(4)]
    )
    prices = {int(w3.eth.get_transaction(h)["gasPrice"]) for h in hashes}
    assert asked.count("eth_gasPrice") == 1
    assert len(prices) == 1
    assert all(sender.wait(h, "a transfer")["status"] == 1 for h in hashes)


def test_a_transaction_the_node_refuses_in_a_batch_is_sent_again_alone_and_mined(
    deployed_chain: DeployedChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As Hardhat's automining node answers a batch: its items at once, so a nonce ahead of
    one not mined yet is refused ("Nonce too high"); the same item alone is taken."""
    w3 = deployed_chain.w3
    sender = _fresh_sender(w3, 10**18)
    answers = sender._rpc.answers
    sent: list[int] = []

    def like_hardhat(method: str, params: Any) -> list[dict[str, Any]]:
        sent.append(len(params))
        if len(params) == 1:
            return answers(method, params)
        # the batch: its third item refused (not taken), as if it came before the second
        got = answers(method, [p for i, p in enumerate(params) if i != 2])
        return [*got[:2], {"error": {"code": -32000, "message": "Nonce too high"}}, *got[2:]]

    monkeypatch.setattr(sender._rpc, "answers", like_hardhat)
    hashes = sender.send_many(
        [({"to": "0x" + "66" * 20, "value": i + 1}, 21_000) for i in range(4)]
    )
    assert sent == [4, 1]  # the batch, then the refused one alone
    assert [int(w3.eth.get_transaction(h)["nonce"]) for h in hashes] == [0, 1, 2, 3]
    assert all(sender.wait(h, "a transfer")["status"] == 1 for h in hashes)
    assert sender._nonce == 4


def test_a_sender_whose_nonces_another_process_took_signs_the_rest_again_and_all_are_mined(
    deployed_chain: DeployedChain,
) -> None:
    """Two senders of one key, as an API process and the anchoring worker of a deployment:
    each counts its own nonces, so the one that sends second finds them taken ("nonce too
    low" for mined ones, "replacement transaction underpriced" for pooled ones) and signs
    its transactions again from the node's count."""
    w3 = deployed_chain.w3
    worker = _fresh_sender(w3, 10**18)
    api = TxSender(w3, bytes(worker.account.key).hex())  # started before the worker sent
    mined = worker.send_many([({"to": "0x" + "77" * 20, "value": v}, 21_000) for v in (1, 2, 3)])
    assert all(worker.wait(h, "a transfer")["status"] == 1 for h in mined)
    assert api._nonce == 0  # stale: the node's count is 3
    relayed = api.send_many([({"to": "0x" + "88" * 20, "value": v}, 21_000) for v in (4, 5)])
    assert [int(w3.eth.get_transaction(h)["nonce"]) for h in relayed] == [3, 4]
    assert all(api.wait(h, "a relay")["status"] == 1 for h in relayed)
    # the worker's count is stale now: its next send moves on past the relays
    (again,) = worker.send_many([({"to": "0x" + "77" * 20, "value": 6}, 21_000)])
    assert int(w3.eth.get_transaction(again)["nonce"]) == 5
    assert worker._nonce == 6 and api._nonce == 5


def test_a_refusal_for_anything_but_a_taken_nonce_is_not_tried_again(
    deployed_chain: DeployedChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    w3 = deployed_chain.w3
    sender = _fresh_sender(w3, 10**16)
    asked: list[str] = []
    pending = sender.pending_nonce

    def counted() -> int:
        asked.append("pending")
        return pending()

    monkeypatch.setattr(sender, "pending_nonce", counted)
    with pytest.raises(TransactionFailed, match=r"[Ii]nsufficient funds"):
        sender.send_many([({"to": "0x" + "99" * 20, "value": 10**18}, 21_000)])
    assert asked == []  # not read again: the refusal was the transaction's own


def test_a_nonce_taken_again_and_again_ends_in_a_clear_failure(
    deployed_chain: DeployedChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = _fresh_sender(deployed_chain.w3, 10**18)
    monkeypatch.setattr(
        sender._rpc,
        "answers",
        lambda method, params: (
            [{"error": {"code": -32003, "message": "nonce too low"}}] * len(params)
        ),
    )
    with pytest.raises(TransactionFailed, match=f"{NONCE_RETRIES + 1} times as taken"):
        sender.send_many([({"to": "0x" + "99" * 20, "value": 1}, 21_000)])


def test_a_nonce_taken_in_the_middle_of_a_batch_sends_it_and_the_rest_again_after_the_pool(
    deployed_chain: DeployedChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node took items 0, 1 and 3 and refused 2 (another sender had its nonce): 2 and 3
    go again from the node's count (5, counting 3's first copy), in their order, and the
    hashes returned are those of the copies that count."""
    sender = _fresh_sender(deployed_chain.w3, 10**18)
    batches: list[list[int]] = []

    def node(method: str, params: Any) -> list[dict[str, Any]]:
        nonces = [
            int.from_bytes(rlp.decode(bytes.fromhex(p[0].removeprefix("0x")))[0], "big")
            for p in params
        ]
        batches.append(nonces)
        return [
            {"error": {"code": -32003, "message": "nonce too low"}}
            if n == 2  # another sender's transaction has it
            else {"result": f"0x{n:064x}"}
            for n in nonces
        ]

    monkeypatch.setattr(sender._rpc, "answers", node)
    monkeypatch.setattr(sender, "pending_nonce", lambda: 5)
    hashes = sender.send_many([({"to": "0x" + "aa" * 20, "value": v}, 21_000) for v in range(4)])
    # the refused one is sent alone once more (as any refusal), then the rest signed again
    assert batches == [[0, 1, 2, 3], [2], [5, 6]]
    assert [int(h.hex(), 16) for h in hashes] == [0, 1, 5, 6]
    assert sender._nonce == 7
