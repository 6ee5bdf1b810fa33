"""Compiled contracts: ABI and bytecode, compiled through ape-solidity and cached.

Compilation goes through ape-solidity with the pinned solc-js (see ``tools/solc-shim.js``
and ``ape-config.yaml``). The result is cached in ``.build/carbonledger-artifacts.json``
under a hash of the sources and the compiler settings, so that the CLI and the service
load artifacts without importing ape when nothing changed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from carbonledger.chain.errors import CompileFailed

CACHE_NAME = "carbonledger-artifacts.json"
CACHE_FORMAT = 1


@dataclass(frozen=True)
class ContractArtifact:
    """What deployment and calls need of one compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes  # creation code
    runtime_bytecode: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "abi": self.abi,
            "bytecode": "0x" + self.bytecode.hex(),
            "runtime_bytecode": "0x" + self.runtime_bytecode.hex(),
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> ContractArtifact:
        return cls(
            name=name,
            abi=list(data["abi"]),
            bytecode=bytes.fromhex(str(data["bytecode"]).removeprefix("0x")),
            runtime_bytecode=bytes.fromhex(str(data["runtime_bytecode"]).removeprefix("0x")),
        )


def abi_type(item: Mapping[str, Any]) -> str:
    """The canonical type of an ABI parameter (tuples spelled out), as in signatures."""
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in item.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def event_topic(item: Mapping[str, Any]) -> bytes:
    """topic0 of an ABI event entry: keccak-256 of ``Name(type,...)``."""
    types = ",".join(abi_type(i) for i in item.get("inputs", []))
    return keccak(text=f"{item['name']}({types})")


def _source_files(project_root: Path) -> list[Path]:
    files = sorted((project_root / "contracts").rglob("*.sol"))
    files += [project_root / "ape-config.yaml", project_root / "package-lock.json"]
    return [f for f in files if f.is_file()]


def sources_hash(project_root: Path) -> str:
    """keccak-256 over the contract sources and the compiler settings that shape them."""
    parts: list[bytes] = []
    for path in _source_files(project_root):
        parts.append(str(path.relative_to(project_root)).encode())
        parts.append(keccak(path.read_bytes()))
    return "0x" + keccak(b"".join(parts)).hex()


def bytecode_hash(artifacts: Mapping[str, ContractArtifact], names: Iterable[str]) -> str:
    """keccak-256 over the creation bytecode of ``names``, in that order."""
    return "0x" + keccak(b"".join(keccak(artifacts[n].bytecode) for n in names)).hex()


def _compile_with_ape(project_root: Path) -> dict[str, ContractArtifact]:
    os.environ.setdefault("SOLCX_BINARY_PATH", str(project_root / ".toolchain" / "solcx"))
    try:
        from ape import Project
        from ape.logging import LogLevel, logger

        project = Project(project_root)
        # ape logs every input file at INFO on a compile; a person wants one line, not 27
        with logger.at_level(LogLevel.WARNING):
            containers = project.load_contracts(use_cache=False)  # our cache above decides
    except Exception as exc:  # ape raises many types; the message is what matters
        raise CompileFailed(
            f"contracts in {project_root / 'contracts'} did not compile: {exc}"
        ) from exc
    artifacts: dict[str, ContractArtifact] = {}
    for name, container in containers.items():
        ct = container.contract_type
        creation = (ct.deployment_bytecode.bytecode if ct.deployment_bytecode else None) or "0x"
        runtime = (ct.runtime_bytecode.bytecode if ct.runtime_bytecode else None) or "0x"
        artifacts[name] = ContractArtifact(
            name=name,
            abi=[abi.model_dump(mode="json", by_alias=True) for abi in ct.abi],
            bytecode=bytes.fromhex(creation.removeprefix("0x")),
            runtime_bytecode=bytes.fromhex(runtime.removeprefix("0x")),
        )
    return artifacts


def load_artifacts(project_root: Path, *, force: bool = False) -> dict[str, ContractArtifact]:
    """The compiled contracts of ``project_root``: from the cache, or compiled now."""
    cache = project_root / ".build" / CACHE_NAME
    wanted = sources_hash(project_root)
    if not force and cache.is_file():
        try:
            data = json.loads(cache.read_text())
            if data.get("format") == CACHE_FORMAT and data.get("sources_hash") == wanted:
                return {
                    name: ContractArtifact.from_json(name, item)
                    for name, item in data["contracts"].items()
                }
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is simply rebuilt
    artifacts = _compile_with_ape(project_root)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "format": CACHE_FORMAT,
                "sources_hash": wanted,
                "contracts": {name: a.to_json() for name, a in sorted(artifacts.items())},
            }
        )
    )
    os.replace(tmp, cache)
    return artifacts
