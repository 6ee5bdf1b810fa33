# ruff: noqa: RUF001  (full-width punctuation and Cyrillic letters are the point here)
"""The SQL repository: nothing but ciphertext on disk, persistence, any-script text."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from carbonledger.vault import (
    DocumentNotFound,
    EvidenceVault,
    StaticAuditors,
    VaultKeyPair,
    open_envelope,
    rewrap_for,
)
from carbonledger.vault.sql import SqlVaultRepository
from tests.postgres import fresh_database

from .conftest import reader

CHINESE = (
    "供应商碳足迹证据：2024年第三季度运输柴油消耗 1,200 升，上海港至宁波港，"
    "排放因子 2.68 千克二氧化碳当量每升。机密，仅供审计员与合作伙伴查阅。"
)
ENGLISH = "CONFIDENTIAL supplier evidence: Scope 1 diesel 1,200 litres, invoice INV-2024-0917."


def _disk_bytes(directory: Path) -> bytes:
    # The database file and any journal / WAL file SQLite left beside it.
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())


def test_the_database_file_never_holds_a_plaintext_document(tmp_path: Path) -> None:
    db_dir = tmp_path / "db"
    db_dir.mkdir()
    repo = SqlVaultRepository.from_url(f"sqlite:///{db_dir / 'vault.db'}")
    firm, auditor, partner = reader("中远海运"), reader("0xAuditor"), reader("0xPartner")
    vault = EvidenceVault(repo, auditors=StaticAuditors([auditor.name]))
    for who in (firm, auditor, partner):
        vault.register_reader_key(who.name, who.keys.public_key)
    documents = {"证据-中文": CHINESE.encode(), "evidence-en": ENGLISH.encode()}
    for document_id, content in documents.items():
        vault.put(firm.name, document_id, content, readers=[partner.name])
    repo.engine.dispose()

    raw = _disk_bytes(db_dir)
    assert "中远海运".encode() in raw  # identifiers are stored (in clear, by design)
    for content in documents.values():
        assert content not in raw
        for start in range(0, len(content) - 24, 12):  # no 24-byte run of it either
            assert content[start : start + 24] not in raw
    for who in (firm, auditor, partner):
        assert who.keys.private_key not in raw


def test_documents_and_grants_survive_reopening_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vault.db'}"
    firm, partner, late = reader("宁波港集团"), reader("Партнёр ООО"), reader("0xLate")
    first = SqlVaultRepository.from_url(url)
    vault = EvidenceVault(first)
    for who in (firm, partner, late):
        vault.register_reader_key(who.name, who.keys.public_key)
    vault.put(firm.name, "报告.pdf", CHINESE.encode(), readers=[partner.name])
    first.engine.dispose()

    second = SqlVaultRepository.from_url(url)
    vault = EvidenceVault(second)
    key = vault.reader_public_key(late.name)
    wrapped = rewrap_for(key, vault.get(firm.name, "报告.pdf"), firm.keys.private_key)
    vault.grant(firm.name, "报告.pdf", late.name, key, wrapped)
    envelope = vault.get(partner.name, "报告.pdf")
    assert envelope.owner == "宁波港集团" and envelope.reader == "Партнёр ООО"
    assert open_envelope(envelope, partner.keys.private_key) == CHINESE.encode()
    late_envelope = vault.get(late.name, "报告.pdf")
    assert open_envelope(late_envelope, late.keys.private_key) == CHINESE.encode()
    assert vault.record(firm.name, "报告.pdf").created_at.tzinfo is not None
    second.engine.dispose()


def test_documents_added_in_a_transaction_that_rolls_back_are_not_stored(tmp_path: Path) -> None:
    repo = SqlVaultRepository.from_url(f"sqlite:///{tmp_path / 'vault.db'}")
    firm = reader("0xFirm")
    vault = EvidenceVault(repo)
    vault.register_reader_key(firm.name, firm.keys.public_key)
    sealed = [vault.seal(firm.name, name, ENGLISH.encode()) for name in ("a", "b")]
    with pytest.raises(RuntimeError), repo.engine.begin() as conn:
        assert vault.add_new(sealed, conn) == [True, True]
        raise RuntimeError("the caller's other writes failed")
    for name in ("a", "b"):
        with pytest.raises(DocumentNotFound):
            vault.get(firm.name, name)
    with repo.engine.begin() as conn:
        assert vault.add_new(sealed, conn) == [True, True]
    assert open_envelope(vault.get(firm.name, "b"), firm.keys.private_key) == ENGLISH.encode()
    repo.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_registering_one_reader_key_at_once_all_succeed(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Every process of a service registers the service's own reader key as it starts: several
    starting together (``anchor`` and its standby, the API processes) write one key at once.
    Each write must succeed and one of the keys written stand (a delete then an insert made
    the second transaction fail on the key, and the process exit)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'vault.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    vault = EvidenceVault(SqlVaultRepository.from_url(url))
    writers = 8
    for round_no in range(10):
        name = f"0xService{round_no}-{backend}"
        keys = [VaultKeyPair.generate().public_key for _ in range(writers)]
        start = threading.Barrier(writers)

        def register(key: bytes, name: str = name, start: threading.Barrier = start) -> None:
            start.wait()
            vault.register_reader_key(name, key)

        with ThreadPoolExecutor(writers) as pool:
            for done in [pool.submit(register, key) for key in keys]:
                done.result()  # raises what the thread raised
        assert vault.reader_public_key(name) in keys


def _url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'vault.db'}"
    server: str = request.getfixturevalue("postgres_url")
    return fresh_database(server, f"vault_{uuid.uuid4().hex[:12]}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_key_replaced_through_another_service_instance_seals_the_next_request(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two service instances (two API processes) on one database: a reader replaces its key
    through the second, and the first's next request seals for the new key (each request
    reads the keys it needs from the database; nothing is kept across requests)."""
    url = _url(backend, tmp_path, request)
    firm, auditor = reader("0xF1a0000000000000000000000000000000000001"), reader("0xA0d1")
    first, second = (SqlVaultRepository.from_url(url) for _ in range(2))
    one = EvidenceVault(first, auditors=StaticAuditors([auditor.name]))
    two = EvidenceVault(second, auditors=StaticAuditors([auditor.name]))
    for who in (firm, auditor):
        one.register_reader_key(who.name, who.keys.public_key)
    one.add_new([one.seal(firm.name, "before", b"old key", keys=one.reader_keys())])
    replaced = VaultKeyPair.generate()
    two.register_reader_key(auditor.name, replaced.public_key)
    one.add_new([one.seal(firm.name, "after", b"new key", keys=one.reader_keys())])
    assert two.get(auditor.name, "after").reader_public_key == replaced.public_key
    assert open_envelope(two.get(auditor.name, "after"), replaced.private_key) == b"new key"
    assert open_envelope(two.get(auditor.name, "before"), auditor.keys.private_key) == b"old key"
    for repo in (first, second):
        repo.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_lone_document_already_stored_is_kept_as_it_is_and_nothing_of_the_second_is_written(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A request of one claim writes its document with one statement (``ON CONFLICT DO
    NOTHING RETURNING``): when the id is taken, the stored one stays and none of the new
    one's grants is written, as for several documents."""
    url = _url(backend, tmp_path, request)
    firm, partner = reader("0xF1a0000000000000000000000000000000000001"), reader("0xB0b0")
    repo = SqlVaultRepository.from_url(url)
    vault = EvidenceVault(repo)
    for who in (firm, partner):
        vault.register_reader_key(who.name, who.keys.public_key)
    assert vault.add_new([vault.seal(firm.name, "doc", b"first")]) == [True]
    again = vault.seal(firm.name, "doc", b"second", readers=[partner.name])
    with repo.engine.begin() as conn:
        assert vault.add_new([again], conn) == [False]
    assert open_envelope(vault.get(firm.name, "doc"), firm.keys.private_key) == b"first"
    assert [g.reader for g in repo.list_grants("doc")] == [firm.name]
    assert vault.add_new([vault.seal(firm.name, "other", b"other")]) == [True]
    assert open_envelope(vault.get(firm.name, "other"), firm.keys.private_key) == b"other"
    repo.engine.dispose()
