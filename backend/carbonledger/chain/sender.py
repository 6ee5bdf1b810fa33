"""Sending transactions from one locally held key, with the nonce managed here.

Used by the deployment and by the relayer. The nonce is taken from the node once
(``pending``) and then counted locally under a lock, so many transactions can be in flight;
:meth:`TxSender.resync` re-reads it after a failure or a chain restart. Processes that send
with one key (the service's: its API processes relay members' messages, its anchoring
worker the claims) each count their own: a nonce another one took is found by the node's
refusal, and the rest are signed again from the node's count (:meth:`TxSender.send_many`).
The chain id is read once; transactions are signed here (:func:`sign_legacy`, no round trip)
and :meth:`TxSender.send_many` sends several in one JSON-RPC batch.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import coincurve
from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.types import TxReceipt

from carbonledger.chain.errors import ChainError
from carbonledger.chain.jsonrpc import JsonRpc, hex_of
from carbonledger.vocab import sign_digest

#: the fields :func:`sign_legacy` signs; a transaction with any other goes to eth_account
_LEGACY_FIELDS = frozenset({"to", "data", "value", "gas", "gasPrice", "nonce", "chainId", "from"})


class TransactionFailed(ChainError):
    """A transaction was mined but reverted, or could not be sent."""


#: times :meth:`TxSender.send_many` signs the rest of its transactions again after the node
#: refused one whose nonce another sender of the same key had taken meanwhile
NONCE_RETRIES = 5

#: how nodes say a transaction's nonce is taken: mined already (geth, anvil, Hardhat:
#: "nonce too low"; Besu: "Nonce too low"), or held in the pool by another transaction of the
#: sender at the same price (geth, anvil: "replacement transaction underpriced"; Besu:
#: "Replacement transaction underpriced")
_TAKEN = ("nonce too low", "replacement transaction underpriced", "replacement_underpriced")


def nonce_taken(error: Any) -> bool:
    """Whether a node's JSON-RPC ``error`` refuses a transaction because another one of the
    sender already has its nonce (not for anything about the transaction itself)."""
    message = str(error.get("message", "") if isinstance(error, dict) else error).lower()
    return any(taken in message for taken in _TAKEN)


def _data_bytes(data: Any) -> bytes:
    if isinstance(data, str):
        return bytes.fromhex(data.removeprefix("0x"))
    return bytes(data)


def _rlp_length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


def _rlp(items: Sequence[int | bytes]) -> bytes:
    """RLP of a flat list of integers (big-endian, no leading zeros) and byte strings: the
    one shape a transaction is (the ``rlp`` package infers a serializer per item, which costs
    more than the signature)."""
    parts = []
    for item in items:
        raw = item.to_bytes((item.bit_length() + 7) // 8, "big") if isinstance(item, int) else item
        parts.append(raw if len(raw) == 1 and raw[0] < 0x80 else _rlp_length(len(raw), 0x80) + raw)
    payload = b"".join(parts)
    return _rlp_length(len(payload), 0xC0) + payload


def sign_legacy(
    private_key: bytes | coincurve.PrivateKey, tx: dict[str, Any]
) -> tuple[bytes, bytes]:
    """A legacy (type 0) transaction with EIP-155 replay protection, signed: (raw, hash).

    The same bytes as eth_account's ``sign_transaction`` for the same dict (RFC 6979, low
    ``s``; a test compares them), without its per-field formatters and validation, which
    cost more than the signature itself on the relayer's hot path."""
    to = bytes.fromhex(str(tx["to"]).removeprefix("0x")) if tx.get("to") else b""
    chain_id = int(tx["chainId"])
    fields: list[int | bytes] = [
        int(tx["nonce"]),
        int(tx["gasPrice"]),
        int(tx["gas"]),
        to,
        int(tx.get("value", 0)),
        _data_bytes(tx.get("data", b"")),
    ]
    signature = sign_digest(private_key, keccak(_rlp([*fields, chain_id, 0, 0])))
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    v = signature[64] - 27 + 35 + 2 * chain_id
    raw = _rlp([*fields, v, r, s])
    return raw, keccak(raw)


class TxSender:
    """Signs and sends transactions from ``private_key``."""

    def __init__(self, w3: Web3, private_key: str, gas_margin: float = 1.2) -> None:
        self.w3 = w3
        self.account = Account.from_key(private_key)
        self._key = coincurve.PrivateKey(bytes(self.account.key))
        self.address: ChecksumAddress = self.account.address
        self.chain_id = int(w3.eth.chain_id)
        self.gas_margin = gas_margin
        self._lock = threading.Lock()
        self._rpc = JsonRpc(w3)
        self._nonce = self.pending_nonce()

    def pending_nonce(self) -> int:
        """The node's count of this account's transactions, pending ones included."""
        if self._rpc.url:  # plain JSON-RPC: web3's middleware costs a few ms per call
            return int(
                str(self._rpc.request("eth_getTransactionCount", [self.address, "pending"])), 16
            )
        return int(self.w3.eth.get_transaction_count(self.address, "pending"))

    def resync(self) -> None:
        with self._lock:
            self._nonce = self.pending_nonce()

    def heal_gap(self) -> bool:
        """Re-read the nonce when the node is behind it (it lost blocks, or dropped pending
        transactions): a transaction sent with a nonce past a gap would wait forever."""
        on_chain = self.pending_nonce()
        with self._lock:
            if on_chain < self._nonce:
                self._nonce = on_chain
                return True
        return False

    def gas_price(self) -> int:
        """The node's gas price (``eth_gasPrice``)."""
        if self._rpc.url:
            return int(str(self._rpc.request("eth_gasPrice", [])), 16)
        return int(self.w3.eth.gas_price)

    def _prepared(
        self, tx: dict[str, Any], gas: int | None, price: int | None = None
    ) -> dict[str, Any]:
        base = {**tx, "from": self.address, "chainId": self.chain_id}
        if "gasPrice" not in base:  # (not setdefault: it would read the price every time)
            base["gasPrice"] = self.gas_price() if price is None else price
        if gas is None:
            gas = self._gas_of(base)
        return {**base, "gas": gas}

    def estimate(self, tx: dict[str, Any]) -> int:
        """The gas limit a send of ``tx`` without one would give it (the node's estimate with
        this sender's margin); web3's ``ContractLogicError`` when the call would revert."""
        return self._gas_of({**tx, "from": self.address, "chainId": self.chain_id})

    def _gas_of(self, tx: dict[str, Any]) -> int:
        estimate = int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]
        return int(estimate * self.gas_margin) + 20_000

    def _signed(self, tx: dict[str, Any], nonce: int) -> bytes:
        if _LEGACY_FIELDS.issuperset(tx):
            return sign_legacy(self._key, {**tx, "nonce": nonce})[0]
        return bytes(self.account.sign_transaction({**tx, "nonce": nonce}).raw_transaction)

    def send(self, tx: dict[str, Any], gas: int | None = None) -> HexBytes:
        """Sign and send ``tx`` (``to``/``data``/``value``); return its hash without waiting."""
        return self.send_many([(tx, gas)])[0]

    def send_many(self, txs: Sequence[tuple[dict[str, Any], int | None]]) -> list[HexBytes]:
        """Sign ``txs`` (each with its gas, or None to estimate it) with consecutive nonces
        and send them in one JSON-RPC batch (one per ``jsonrpc.BATCH_CALLS``, in order), so
        the node can take several into a block; their hashes, without waiting.

        The node answers each one. One it refuses is sent again alone, after the ones before
        it were answered (a node that mines as transactions come, as Hardhat's does, refuses
        a nonce ahead of one it has not mined, and answers a batch's items at once). One it
        refuses because its nonce is taken (:func:`nonce_taken`: another process sent with
        this key meanwhile, as the API processes and the anchoring worker of a deployment do)
        is signed again, with the rest, from the node's pending count, up to
        :data:`NONCE_RETRIES` times. The rest includes later ones of the batch the node took
        (when another sender took a nonce in the middle of it): their first copies are mined
        first, and fail on chain where they depend on the one before (a firm's next claims,
        an auditor's next verdict), so the copies signed again are the ones that count; where
        they do not depend on it (checker outcomes), the copies signed again revert and the
        worker's reconciliation finds the first ones. That race costs gas, never a claim.
        If it refuses one for anything else, the nonces from that
        one on are given back (the next send reuses the first of them) and
        :class:`TransactionFailed` is raised; the ones before it were sent and will be mined
        (a relayer that loses track of them finds their claims on chain, see
        ``services/anchoring.py``). A later one the node took all the same waits behind the
        gap and is replaced by the next send of that nonce, or mined once the gap is filled."""
        if not txs:
            return []
        # one read of the node's price for the batch, not one per transaction without one
        price = None if all("gasPrice" in tx for tx, _ in txs) else self.gas_price()
        prepared = [self._prepared(tx, gas, price) for tx, gas in txs]
        with self._lock:
            first = self._nonce
            raws = [self._signed(tx, first + i) for i, tx in enumerate(prepared)]
            hashes: list[HexBytes] = []
            if not self._rpc.url:
                for raw in raws:
                    hashes.append(HexBytes(self.w3.eth.send_raw_transaction(raw)))
                    self._nonce += 1
                return hashes
            # plain JSON-RPC: web3's middleware costs ~3 ms per send
            retries = 0
            while True:
                sent = self._send_raw(raws, first, len(hashes), len(prepared))
                hashes += sent
                if len(hashes) == len(prepared):
                    self._nonce = first + len(raws)
                    return hashes
                # a nonce another process of the service took (the API processes relay
                # members' messages with the key the anchoring worker sends with): the rest
                # signed again from the node's pending count
                retries += 1
                at = first + len(sent)
                if retries > NONCE_RETRIES:
                    self._nonce = at
                    raise TransactionFailed(
                        f"the node refused transaction {len(hashes) + 1} of {len(prepared)} "
                        f"(nonce {at}) {NONCE_RETRIES + 1} times as taken: another sender "
                        "uses this key faster than this one can follow"
                    )
                first = max(self.pending_nonce(), at)
                raws = [self._signed(tx, first + k) for k, tx in enumerate(prepared[len(hashes) :])]

    def _send_raw(self, raws: Sequence[bytes], first: int, done: int, total: int) -> list[HexBytes]:
        """Send ``raws`` (nonces from ``first``; ``done`` of the call's ``total`` sent before
        them) in one batch; the hashes of those the node took, in order, up to the first it
        refused because its nonce was taken (:func:`nonce_taken`). Any other refusal raises
        :class:`TransactionFailed`, the nonces from it on given back."""
        answers = self._rpc.answers("eth_sendRawTransaction", [[hex_of(r)] for r in raws])
        hashes: list[HexBytes] = []
        for i, answer in enumerate(answers):
            if "result" not in answer:
                # sent again alone, once the ones before it were answered: a node that
                # mines each transaction as it comes cannot take a nonce ahead of one
                # it has not mined yet, and Hardhat's answers a batch's items at once
                (answer,) = self._rpc.answers("eth_sendRawTransaction", [[hex_of(raws[i])]])
            if "result" not in answer and nonce_taken(answer.get("error")):
                return hashes
            if "result" not in answer:
                self._nonce = first + i
                raise TransactionFailed(
                    f"the node refused transaction {done + i + 1} of {total} "
                    f"(nonce {first + i}): {answer.get('error')}"
                )
            hashes.append(HexBytes(str(answer["result"])))
        return hashes

    def wait(self, tx_hash: HexBytes, what: str, timeout: float = 120) -> TxReceipt:
        receipt = self.w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=timeout, poll_latency=0.02
        )
        if receipt["status"] != 1:
            raise TransactionFailed(f"{what} reverted in transaction 0x{bytes(tx_hash).hex()}")
        return receipt

    def transact(self, tx: dict[str, Any], what: str, gas: int | None = None) -> TxReceipt:
        """Send ``tx`` and wait for its receipt; :class:`TransactionFailed` if it reverted."""
        return self.wait(self.send(tx, gas), what)
