"""Fixtures of the vault tests: readers with key pairs, and a vault over either repository."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from carbonledger.vault import (
    EvidenceVault,
    InMemoryVaultRepository,
    StaticAuditors,
    VaultKeyPair,
    VaultRepository,
)
from carbonledger.vault.sql import SqlVaultRepository


@dataclass(frozen=True)
class Reader:
    name: str
    keys: VaultKeyPair


def reader(name: str) -> Reader:
    return Reader(name, VaultKeyPair.generate())


@pytest.fixture
def owner() -> Reader:
    return reader("0xF1a0000000000000000000000000000000000001")


@pytest.fixture
def auditor() -> Reader:
    return reader("0xA0d1000000000000000000000000000000000002")


@pytest.fixture
def partner() -> Reader:
    return reader("0xB0b0000000000000000000000000000000000003")


@pytest.fixture
def stranger() -> Reader:
    return reader("0x5700000000000000000000000000000000000004")


@pytest.fixture(params=["memory", "sqlite"])
def repository(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VaultRepository]:
    if request.param == "memory":
        yield InMemoryVaultRepository()
    else:
        repo = SqlVaultRepository.from_url(f"sqlite:///{tmp_path / 'vault.db'}")
        yield repo
        repo.engine.dispose()


@pytest.fixture
def vault(
    repository: VaultRepository, owner: Reader, auditor: Reader, partner: Reader, stranger: Reader
) -> EvidenceVault:
    vault = EvidenceVault(repository, auditors=StaticAuditors([auditor.name]))
    for who in (owner, auditor, partner, stranger):
        vault.register_reader_key(who.name, who.keys.public_key)
    return vault
