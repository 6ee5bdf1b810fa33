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


@pytest.mark.parametrize("count", [1, 10, 11, 1_001])
def test_many_rows_read_back_as_written_in_one_statement_or_one_copy_on_postgresql(
    engine: Engine, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PreparedInsert.many``: on PostgreSQL one ``INSERT … VALUES`` while psycopg caches
    it (up to 50 parameters: 10 grants of 5 columns), one ``COPY … FROM STDIN`` beyond;
    elsewhere one ``executemany``. Either way the rows read back exactly as the grants were
    sealed — readers whose names hold what COPY's text format escapes (tab, newline,
    backslash, ``\\N``) and every byte value."""
    vault = SqlVaultRepository(engine)
    document = sealed("doc-many", []).document
    awkward = ["tab\there", "new\nline", "back\\slash", "\\N", "", "读者 \r"]
    grants = tuple(
        Grant(
            document_id="doc-many",
            reader=f"reader-{i:05d}-{awkward[i % len(awkward)]}",
            reader_public_key=bytes((i + k) % 256 for k in range(32)),
            wrapped_key=bytes((i * 7 + k) % 256 for k in range(93)),
            granted_at=WHEN,
        )
        for i in range(count)
    )
    sent: list[tuple[str, str]] = []
    if engine.dialect.name == "postgresql":
        import psycopg

        execute, copy = psycopg.Cursor.execute, psycopg.Cursor.copy

        def executed(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(("execute", str(query)))
            return execute(self, query, *args, **kwargs)

        def copied(self: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(("copy", str(statement)))
            return copy(self, statement, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", executed)
        monkeypatch.setattr(psycopg.Cursor, "copy", copied)
    with engine.begin() as conn:
        assert vault.add_new_documents([SealedDocument(document, grants)], conn) == [True]
    monkeypatch.undo()
    if engine.dialect.name == "postgresql":
        grant_writes = [(how, text) for how, text in sent if "vault_grants" in text]
        if count <= 10:
            assert [how for how, _ in grant_writes] == ["execute"]
            assert grant_writes[0][1].count("), (") == count - 1
        else:
            assert grant_writes == [
                (
                    "copy",
                    "COPY vault_grants (document_id, reader, reader_public_key, wrapped_key,"
                    " granted_at) FROM STDIN",
                )
            ]
    assert vault.list_grants("doc-many") == sorted(grants, key=lambda g: g.reader)


def test_a_duplicate_in_a_copy_writes_none_of_its_rows(engine: Engine) -> None:
    """A row whose key is taken ends the ``COPY`` (or the ``executemany``) with the driver's
    error, and the transaction writes nothing: the rows before it in the same call are not
    kept either."""
    vault = SqlVaultRepository(engine)
    with engine.begin() as conn:
        vault.add_new_documents([sealed("doc-dup", ["a"])], conn)
    many = sealed("doc-dup-2", [f"reader-{i}" for i in range(12)])  # a COPY on PostgreSQL
    again = SealedDocument(many.document, (*many.grants, many.grants[0]))

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), engine.begin() as conn:
        vault.add_new_documents([again], conn)

    assert vault.get_document("doc-dup-2") is None
    assert vault.list_grants("doc-dup") == list(sealed("doc-dup", ["a"]).grants)
