"""``store.db.PreparedInsert`` writes through the driver's cursor what SQLAlchemy's own
insert writes: the vault's documents and grants (binaries, time zones, text in any script)
read back as they were sealed, in the caller's transaction. On SQLite and on a real
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from carbonledger.vault.model import Grant, SealedDocument, StoredDocument
from carbonledger.vault.sql import SqlVaultRepository

WHEN = datetime(2026, 12, 4, 18, 40, 1, 123456, tzinfo=UTC)


def sealed(document_id: str, readers: list[str]) -> SealedDocument:
    document = StoredDocument(
        document_id=document_id,
        owner="0xfirm",
        nonce=bytes(range(12)),
        ciphertext=b"\x00\xff" * 40,
        created_at=WHEN,
    )
    grants = tuple(
        Grant(
            document_id=document_id,
            reader=reader,
            reader_public_key=bytes([i]) * 32,
            wrapped_key=bytes([i + 1]) * 93,
            granted_at=WHEN,
        )
        for i, reader in enumerate(readers)
    )
    return SealedDocument(document, grants)


def test_documents_and_grants_written_in_one_transaction_read_back_as_sealed(
    engine: Engine,
) -> None:
    vault = SqlVaultRepository(engine)
    items = [sealed("doc-1", ["0xfirm", "auditor"]), sealed("文書-2", ["读者"])]

    with engine.begin() as conn:
        assert vault.add_new_documents(items, conn) == [True, True]
    with engine.begin() as conn:  # a document already stored is kept as it is
        assert vault.add_new_documents([sealed("doc-1", ["other"]), items[1]], conn) == [
            False,
            False,
        ]

    for item in items:
        assert vault.get_document(item.document.document_id) == item.document
        assert vault.list_grants(item.document.document_id) == sorted(
            item.grants, key=lambda g: g.reader
        )
    assert vault.get_grant("doc-1", "other") is None


def test_a_transaction_that_fails_writes_none_of_its_documents(engine: Engine) -> None:
    vault = SqlVaultRepository(engine)

    with pytest.raises(RuntimeError), engine.begin() as conn:
        vault.add_new_documents([sealed("doc-3", ["0xfirm"])], conn)
        raise RuntimeError("the claims of this transaction were refused")

    assert vault.get_document("doc-3") is None


@pytest.mark.parametrize("count", [1, 2, 1_001])
def test_many_rows_read_back_as_written_and_go_as_few_statements_on_postgresql(
    engine: Engine, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PreparedInsert.many``: on PostgreSQL one ``INSERT … VALUES`` per 1,000 rows (not
    psycopg's pipelined ``executemany``), elsewhere one ``executemany``; either way the rows
    read back exactly as the grants were sealed."""
    vault = SqlVaultRepository(engine)
    document = sealed("doc-many", []).document
    grants = tuple(
        Grant(
            document_id="doc-many",
            reader=f"reader-{i:05d}",
            reader_public_key=bytes([i % 256]) * 32,
            wrapped_key=bytes([(i + 1) % 256]) * 93,
            granted_at=WHEN,
        )
        for i in range(count)
    )
    statements: list[str] = []
    if engine.dialect.name == "postgresql":
        import psycopg

        execute = psycopg.Cursor.execute

        def counted(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(str(query))
            return execute(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    with engine.begin() as conn:
        assert vault.add_new_documents([SealedDocument(document, grants)], conn) == [True]
    monkeypatch.undo()
    if engine.dialect.name == "postgresql":
        assert len([s for s in statements if "vault_grants" in s]) == (count + 999) // 1000
    assert vault.list_grants("doc-many") == sorted(grants, key=lambda g: g.reader)
