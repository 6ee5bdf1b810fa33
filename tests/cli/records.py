"""Writing and reading one record on chain (a published standard version) with web3."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from web3 import Web3


def publish_standard_version(w3: Web3, registry: Any, key: str, content_hash: bytes) -> int:
    """Publish ``content_hash`` as a new standard version (a proposal that executes at once at
    the dev chain's quorum 1); return the version number."""
    account = Account.from_key(key)
    tx = registry.functions.proposePublication(content_hash, 0).build_transaction(
        {
            "from": account.address,
            "nonce": w3.eth.get_transaction_count(account.address),
            "gasPrice": w3.eth.gas_price,
        }
    )
    signed = account.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction)
    )
    assert receipt["status"] == 1
    (event,) = registry.events.StandardPublished().process_receipt(receipt)
    return int(event["args"]["version"])


def standard_version_hash(registry: Any, version: int) -> bytes:
    _effective_from, status, content_hash = registry.functions.versionOf(version).call()
    assert status == 1  # Active
    return bytes(content_hash)
