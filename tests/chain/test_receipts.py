"""How the relayer waits for its transactions' receipts (``LedgerGateway._receipts``).

One account sends them with consecutive nonces and a node mines one account's transactions in
nonce order, so until the newest of a round is mined there is little to learn by asking for
all the others at every poll; but nothing is taken as mined without its own receipt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from eth_account import Account
from hexbytes import HexBytes

from carbonledger.chain.errors import ChainError
from carbonledger.chain.gateway import LedgerGateway
from carbonledger.chain.jsonrpc import hex_of
from carbonledger.chain.sender import TransactionFailed, TxSender, sign_legacy
from carbonledger.config import ANVIL_DEV_KEY_0
from tests.conftest import DeployedChain

RECEIPT = "eth_getTransactionReceipt"


class _CountingRpc:
    """The gateway's JSON-RPC, counting the receipts it is asked for."""

    def __init__(self, rpc: Any) -> None:
        self._rpc = rpc
        self.url = rpc.url
        self.asked: list[str] = []
        self.polls: list[list[str]] = []

    def batch(self, method: str, params: Sequence[Sequence[Any]]) -> list[Any]:
        if method == RECEIPT:
            self.polls.append([str(p[0]) for p in params])
            self.asked += self.polls[-1]
        return list(self._rpc.batch(method, params))


def test_a_round_mined_slowly_has_each_receipt_asked_about_a_few_times_not_at_every_poll(
    deployed_chain: DeployedChain,
) -> None:
    """Thirty transfers reach the node one by one over about a second (each mined as it
    arrives) while the relayer waits for them: every outcome comes back, in order and equal
    to the node's own receipts, and the receipts asked for stay within three per transaction
    (asking for every missing one at every 20 ms poll asked several hundred)."""
    w3 = deployed_chain.w3
    account = Account.create()
    TxSender(w3, ANVIL_DEV_KEY_0).transact(
        {"to": account.address, "value": 10**18}, "funding", gas=21_000
    )
    transfer = {"to": "0x" + "44" * 20, "gas": 21_000, "gasPrice": 10**10}
    chain_id = w3.eth.chain_id
    signed = [
        sign_legacy(
            bytes(account.key), {**transfer, "value": i + 1, "nonce": i, "chainId": chain_id}
        )
        for i in range(30)
    ]

    def trickle() -> None:
        for raw, _ in signed:
            w3.eth.send_raw_transaction(raw)
            time.sleep(0.03)

    chain = deployed_chain
    gateway = LedgerGateway(w3, chain.deployment, chain.artifacts, ANVIL_DEV_KEY_0)
    counting = _CountingRpc(gateway._rpc)
    gateway._rpc = counting  # type: ignore[assignment]
    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        outcomes = gateway.checks_outcomes([HexBytes(h) for _, h in signed])
    finally:
        sender.join()

    for (_, tx_hash), outcome in zip(signed, outcomes, strict=True):
        receipt = w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        assert outcome is not None
        assert outcome.tx_hash == hex_of(tx_hash)
        assert outcome.block_number == receipt["blockNumber"]
        assert outcome.block_hash == hex_of(receipt["blockHash"])
    # a poll asks for the awaited receipt and the newest missing one; all the missing ones
    # only once the newest is there (every missing one at every poll asked ~20 each)
    polls = [asked for asked in counting.polls if len(asked) <= 2]
    assert len(counting.asked) <= 2 * len(polls) + len(signed), (len(counting.asked), len(polls))
    assert max(len(asked) for asked in counting.polls[:-1]) <= 2


class _Node:
    """A node for the units: at each request it mines the next transactions of ``schedule``
    (a list per request), and it keeps what it was asked."""

    def __init__(self, schedule: Sequence[Sequence[str]], reverted: Sequence[str] = ()) -> None:
        self.url = "http://node"
        self.schedule = [list(s) for s in schedule]
        self.reverted = set(reverted)
        self.mined: set[str] = set()
        self.polls: list[list[str]] = []

    def batch(self, method: str, params: Sequence[Sequence[Any]]) -> list[Any]:
        assert method == RECEIPT
        if self.schedule:
            self.mined.update(self.schedule.pop(0))
        asked = [str(p[0]) for p in params]
        self.polls.append(asked)
        return [self._receipt(n) if n in self.mined else None for n in asked]

    def _receipt(self, name: str) -> Mapping[str, Any]:
        return {
            "transactionHash": name,
            "blockNumber": hex(int(name[2:], 16) % 1000),
            "blockHash": "0x" + "ab" * 32,
            "status": "0x0" if name in self.reverted else "0x1",
            "gasUsed": "0x5208",
            "logs": [],
        }


def _names(n: int) -> list[str]:
    return [hex_of(i.to_bytes(32, "big")) for i in range(1, n + 1)]


def _gateway(node: _Node) -> LedgerGateway:
    gateway = object.__new__(LedgerGateway)
    gateway._rpc = node  # type: ignore[assignment]
    return gateway


def _receipts(node: _Node, names: Sequence[str], **kwargs: Any) -> Iterator[Mapping[str, Any]]:
    return _gateway(node)._receipts([HexBytes(n) for n in names], "relaying", **kwargs)


def test_until_the_newest_is_mined_a_poll_asks_for_two_receipts_then_once_for_the_rest() -> None:
    """Fifty transactions, all mined in one block at the tenth poll: nine polls of two
    receipts (the awaited first one and the newest), the tenth finds both, and one request
    reads the other 48 (every missing one at every poll asked 500)."""
    names = _names(50)
    node = _Node([[]] * 9 + [names])
    got = [hex_of(r["transactionHash"]) for r in _receipts(node, names)]
    assert got == names
    assert node.polls == [[names[0], names[-1]]] * 10 + [names[1:-1]]


def test_an_earlier_transaction_not_mined_behind_a_mined_later_one_is_waited_for_not_assumed() -> (
    None
):
    """A later nonce mined while an earlier one never is (replaced after a takeover): the
    ones before it are given in order, then the wait for it times out as before."""
    names = _names(5)
    node = _Node([[names[0]], [names[1]], [names[4]], [names[3]]])  # names[2] never comes
    seen: list[str] = []
    with pytest.raises(ChainError, match=f"transaction {names[2]} not mined"):
        for receipt in _receipts(node, names, timeout=0.3):
            seen.append(hex_of(receipt["transactionHash"]))
    assert seen == names[:2]


def test_a_reverted_transaction_stops_the_outcomes_at_its_place() -> None:
    names = _names(4)
    node = _Node([names], reverted=[names[2]])
    seen: list[str] = []
    with pytest.raises(TransactionFailed, match=names[2]):
        for receipt in _receipts(node, names):
            seen.append(hex_of(receipt["transactionHash"]))
    assert seen == names[:2]
    node = _Node([[n] for n in names], reverted=[names[2]])
    statuses = [r["status"] for r in _receipts(node, names, reverted=True)]
    assert statuses == [1, 1, 0, 1]
