"""The deployment manifest: which contracts live where on which chain.

Written once, atomically, after the first successful deployment into
``<data_dir>/deployment.json``; read and checked against the chain on every later start.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3

from carbonledger.chain.errors import DeploymentMismatch, ManifestError

MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class DeployedContract:
    address: str
    code_hash: str  # keccak-256 of the runtime code read back from the chain after deployment
    tx_hash: str
    block: int


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    deployer: str
    deploy_block: int
    bytecode_hash: str  # keccak-256 over the compiled creation bytecode, in deploy order
    sources_hash: str
    contracts: dict[str, DeployedContract]
    created_at: str
    format: int = MANIFEST_FORMAT
    settings: dict[str, Any] = field(default_factory=dict)

    def address(self, name: str) -> str:
        try:
            return self.contracts[name].address
        except KeyError:
            raise ManifestError(f"the deployment has no contract named {name!r}") from None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        if data.get("format") != MANIFEST_FORMAT:
            raise ManifestError(f"unsupported manifest format {data.get('format')!r}")
        contracts = {
            name: DeployedContract(**item) for name, item in dict(data["contracts"]).items()
        }
        return cls(**{**data, "contracts": contracts})


def write_manifest(path: Path, deployment: Deployment) -> None:
    """Write the manifest atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(deployment.to_json(), handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_manifest(path: Path) -> Deployment | None:
    """The manifest at ``path``, or None when there is none yet."""
    if not path.exists():
        return None
    try:
        return Deployment.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"deployment manifest {path} is unreadable: {exc}") from exc


def code_hash(w3: Web3, address: str) -> str:
    return "0x" + keccak(bytes(w3.eth.get_code(to_checksum_address(address)))).hex()


def verify_deployment(w3: Web3, deployment: Deployment, where: str) -> None:
    """Refuse a chain that does not hold the deployed code (lost or foreign state)."""
    chain_id = int(w3.eth.chain_id)
    if chain_id != deployment.chain_id:
        raise DeploymentMismatch(
            f"the chain at {where} has chain id {chain_id}, but the deployment manifest "
            f"was written for chain id {deployment.chain_id}"
        )
    in_deploy_order = sorted(deployment.contracts.items(), key=lambda item: item[1].block)
    for name, contract in in_deploy_order:
        found = code_hash(w3, contract.address)
        if found != contract.code_hash:
            empty = found == "0x" + keccak(b"").hex()
            what = "no code" if empty else f"other code (hash {found})"
            raise DeploymentMismatch(
                f"the chain at {where} has {what} at {contract.address}, where {name} was "
                f"deployed in block {contract.block}; its state is not the one the manifest "
                "describes (remove the data directory to start a new chain)"
            )
