"""Writing and reading records on chain with web3 beside the CLI (a published standard
version, the admin quorum)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from carbonledger.chain.admin import _execute_if_ready, _proposal_id
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.chain.sender import TxSender
from carbonledger.config import DEFAULT_PROJECT_ROOT


def deployed(data_dir: Path, w3: Web3, name: str) -> Any:
    """The contract ``name`` of the deployment in ``data_dir``."""
    manifest = json.loads((data_dir / "deployment.json").read_text())
    return w3.eth.contract(
        address=manifest["contracts"][name]["address"],
        abi=load_artifacts(DEFAULT_PROJECT_ROOT)[name].abi,
    )


def set_quorum(w3: Web3, members: Any, key: str, quorum: int) -> None:
    """Set the admin quorum with the admin ``key`` (executed at once while it is 1)."""
    admin = TxSender(w3, key)
    data = members.encode_abi("proposeQuorum", args=[quorum])
    receipt = admin.transact({"to": members.address, "data": data}, f"quorum {quorum}")
    assert _execute_if_ready(admin, members, _proposal_id(members, receipt))


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


#: anvil's development account 1 (funded on a fresh chain; public knowledge)
SECOND_ADMIN_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
