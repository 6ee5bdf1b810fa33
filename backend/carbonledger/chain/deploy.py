"""Deploy the CarbonLedger contracts and describe the result as a :class:`Deployment`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.types import TxReceipt

from carbonledger.chain.artifacts import ContractArtifact, bytecode_hash
from carbonledger.chain.errors import ChainError
from carbonledger.chain.manifest import DeployedContract, Deployment, code_hash

#: The contracts in the order they are deployed (each takes the earlier ones' addresses).
DEPLOY_ORDER: tuple[str, ...] = (
    "MemberRegistry",
    "StandardRegistry",
    "ClaimLedger",
    "OverlapSettlement",
)

Progress = Callable[[str], None]


class DeployFailed(ChainError):
    """A deployment transaction failed."""


def _constructor_args(
    name: str, admins: Sequence[str], quorum: int, done: Mapping[str, str]
) -> list[Any]:
    if name == "MemberRegistry":
        return [list(admins), quorum]
    if name == "StandardRegistry":
        return [done["MemberRegistry"]]
    if name == "ClaimLedger":
        return [done["MemberRegistry"], done["StandardRegistry"]]
    if name == "OverlapSettlement":
        return [done["MemberRegistry"], done["ClaimLedger"]]
    raise DeployFailed(f"no constructor arguments are known for {name}")


class Deployer:
    """Sends transactions from one locally held key, managing its nonce."""

    def __init__(self, w3: Web3, private_key: str) -> None:
        self.w3 = w3
        self.account = Account.from_key(private_key)
        self.nonce = int(w3.eth.get_transaction_count(self.account.address, "pending"))

    def send(self, tx: dict[str, Any], what: str) -> TxReceipt:
        tx = {
            **tx,
            "from": self.account.address,
            "nonce": self.nonce,
            "chainId": int(self.w3.eth.chain_id),
            "gasPrice": int(self.w3.eth.gas_price),
        }
        tx.setdefault("gas", int(self.w3.eth.estimate_gas(tx) * 12 // 10) + 50_000)  # type: ignore[arg-type]
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)
        if receipt["status"] != 1:
            raise DeployFailed(f"{what} failed in transaction {tx_hash.hex()}")
        return receipt


def deploy_contracts(
    w3: Web3,
    deployer_key: str,
    artifacts: Mapping[str, ContractArtifact],
    *,
    sources_hash: str,
    admins: Sequence[str] | None = None,
    admin_quorum: int = 1,
    progress: Progress | None = None,
) -> Deployment:
    """Deploy every contract of :data:`DEPLOY_ORDER` and return the manifest record.

    The deployer is the first admin unless ``admins`` is given.
    """
    missing = [n for n in DEPLOY_ORDER if n not in artifacts]
    if missing:
        raise DeployFailed(f"compiled artifacts lack {', '.join(missing)}")
    sender = Deployer(w3, deployer_key)
    admins = list(admins) if admins else [sender.account.address]
    addresses: dict[str, str] = {}
    deployed: dict[str, DeployedContract] = {}
    first_block: int | None = None
    for name in DEPLOY_ORDER:
        if progress:
            progress(f"deploying {name}")
        artifact = artifacts[name]
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        args = _constructor_args(name, admins, admin_quorum, addresses)
        tx = factory.constructor(*args).build_transaction(
            {"from": sender.account.address, "nonce": sender.nonce, "gasPrice": 0, "gas": 0}
        )
        receipt = sender.send({"data": tx["data"]}, f"deployment of {name}")
        address = str(receipt["contractAddress"])
        addresses[name] = address
        block = int(receipt["blockNumber"])
        first_block = block if first_block is None else first_block
        deployed[name] = DeployedContract(
            address=address,
            code_hash=code_hash(w3, address),
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block=block,
        )
    return Deployment(
        chain_id=int(w3.eth.chain_id),
        deployer=sender.account.address,
        deploy_block=first_block or 0,
        bytecode_hash=bytecode_hash(artifacts, DEPLOY_ORDER),
        sources_hash=sources_hash,
        contracts=deployed,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        settings={"admins": admins, "admin_quorum": admin_quorum},
    )
