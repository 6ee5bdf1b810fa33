"""Deploy the CarbonLedger contracts and describe the result as a :class:`Deployment`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import Web3

from carbonledger.chain.artifacts import ContractArtifact, bytecode_hash
from carbonledger.chain.errors import ChainError
from carbonledger.chain.manifest import DeployedContract, Deployment, code_hash
from carbonledger.chain.sender import TxSender

#: The contracts in the order they are deployed (each takes the earlier ones' addresses).
DEPLOY_ORDER: tuple[str, ...] = (
    "MemberRegistry",
    "StandardRegistry",
    "ClaimLedger",
    "OverlapSettlement",
    "TargetRegistry",
)

#: Contracts a deployed contract creates in its constructor: (name, getter of its address).
#: The ClaimLedger creates its ClaimRoots, the one contract it admits root-anchored claims from.
DEPLOYED_BY: dict[str, tuple[tuple[str, str], ...]] = {
    "ClaimLedger": (("ClaimRoots", "claimRoots"),)
}

#: The registries bound to the ClaimLedger after deployment: each pushes its changes (members'
#: signing state, standard versions' state) into the ledger's mirror, so that recording a claim
#: needs no call to another contract (see docs/gas.md).
MIRRORED_REGISTRIES: tuple[str, ...] = ("MemberRegistry", "StandardRegistry")

Progress = Callable[[str], None]


class DeployFailed(ChainError):
    """The deployment could not be done."""


def _constructor_args(
    name: str, admins: Sequence[str], quorum: int, done: Mapping[str, str]
) -> list[Any]:
    if name == "MemberRegistry":
        return [list(admins), quorum]
    if name == "StandardRegistry":
        return [done["MemberRegistry"]]
    if name == "ClaimLedger":
        return [done["MemberRegistry"], done["StandardRegistry"]]
    if name in ("OverlapSettlement", "TargetRegistry"):
        return [done["MemberRegistry"], done["ClaimLedger"]]
    raise DeployFailed(f"no constructor arguments are known for {name}")


def _bind_claim_ledger(
    w3: Web3,
    sender: TxSender,
    artifacts: Mapping[str, ContractArtifact],
    addresses: Mapping[str, str],
    progress: Progress | None,
) -> None:
    """One-time wiring: ``setClaimLedger`` on each :data:`MIRRORED_REGISTRIES` (admin call)."""
    ledger = addresses["ClaimLedger"]
    for name in MIRRORED_REGISTRIES:
        if progress:
            progress(f"binding {name} to ClaimLedger")
        registry = w3.eth.contract(
            address=to_checksum_address(addresses[name]), abi=artifacts[name].abi
        )
        data = registry.encode_abi("setClaimLedger", args=[ledger])
        sender.transact({"to": addresses[name], "data": data}, f"binding of {name} to ClaimLedger")


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
    sender = TxSender(w3, deployer_key)
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
        data = factory.constructor(*args).data_in_transaction
        receipt = sender.transact({"data": data}, f"deployment of {name}")
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
        for child, getter in DEPLOYED_BY.get(name, ()):
            ledger = w3.eth.contract(address=to_checksum_address(address), abi=artifact.abi)
            child_address = to_checksum_address(ledger.functions[getter]().call())
            deployed[child] = replace(
                deployed[name], address=child_address, code_hash=code_hash(w3, child_address)
            )
    if sender.account.address.lower() in {str(a).lower() for a in admins}:
        _bind_claim_ledger(w3, sender, artifacts, addresses, progress)
    elif progress:
        progress(
            "the deployer is not an admin: an admin must call setClaimLedger on "
            f"{' and '.join(MIRRORED_REGISTRIES)} (claims cost more until then)"
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
