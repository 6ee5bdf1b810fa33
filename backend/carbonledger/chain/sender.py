"""Sending transactions from one locally held key, with the nonce managed here.

Used by the deployment and by the relayer. The nonce is taken from the node once
(``pending``) and then counted locally under a lock, so many transactions can be in flight;
:meth:`TxSender.resync` re-reads it after a failure or a chain restart.
"""

from __future__ import annotations

import threading
from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.types import TxReceipt

from carbonledger.chain.errors import ChainError
from carbonledger.chain.jsonrpc import JsonRpc, hex_of


class TransactionFailed(ChainError):
    """A transaction was mined but reverted, or could not be sent."""


class TxSender:
    """Signs and sends transactions from ``private_key``."""

    def __init__(self, w3: Web3, private_key: str, gas_margin: float = 1.2) -> None:
        self.w3 = w3
        self.account = Account.from_key(private_key)
        self.address: ChecksumAddress = self.account.address
        self.chain_id = int(w3.eth.chain_id)
        self.gas_margin = gas_margin
        self._lock = threading.Lock()
        self._rpc = JsonRpc(w3)
        self._nonce = int(w3.eth.get_transaction_count(self.address, "pending"))

    def resync(self) -> None:
        with self._lock:
            self._nonce = int(self.w3.eth.get_transaction_count(self.address, "pending"))

    def heal_gap(self) -> bool:
        """Re-read the nonce when the node is behind it (it lost blocks, or dropped pending
        transactions): a transaction sent with a nonce past a gap would wait forever."""
        on_chain = int(self.w3.eth.get_transaction_count(self.address, "pending"))
        with self._lock:
            if on_chain < self._nonce:
                self._nonce = on_chain
                return True
        return False

    def send(self, tx: dict[str, Any], gas: int | None = None) -> HexBytes:
        """Sign and send ``tx`` (``to``/``data``/``value``); return its hash without waiting."""
        base = {**tx, "from": self.address, "chainId": self.chain_id}
        if "gasPrice" not in base:  # (not setdefault: it would read the price every time)
            base["gasPrice"] = int(self.w3.eth.gas_price)
        if gas is None:
            estimate = int(self.w3.eth.estimate_gas(base))  # type: ignore[arg-type]
            gas = int(estimate * self.gas_margin) + 20_000
        with self._lock:
            signed = self.account.sign_transaction({**base, "gas": gas, "nonce": self._nonce})
            if self._rpc.url:  # plain JSON-RPC: web3's middleware costs ~3 ms per send
                raw = hex_of(signed.raw_transaction)
                tx_hash = HexBytes(self._rpc.request("eth_sendRawTransaction", [raw]))
            else:
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            self._nonce += 1
        return HexBytes(tx_hash)

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
