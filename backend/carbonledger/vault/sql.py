"""The vault's SQL storage (SQLAlchemy 2.x Core): SQLite by default, PostgreSQL alike.

Three tables, all prefixed ``vault_``. Only ciphertext, nonces, wrapped keys and public keys
are stored; identifiers are stored as text exactly as given (any script, byte for byte).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from carbonledger.store.db import OwnSchemaStore, PreparedInsert, upsert
from carbonledger.vault.errors import DocumentAlreadyExists, DocumentNotFound
from carbonledger.vault.model import MAX_IDENTIFIER_LENGTH, Grant, SealedDocument, StoredDocument

metadata = sa.MetaData()

_Name = sa.Unicode(MAX_IDENTIFIER_LENGTH)
_Time = sa.DateTime(timezone=True)  # read back through _stored (SQLite drops the zone)

documents = sa.Table(
    "vault_documents",
    metadata,
    sa.Column("document_id", _Name, primary_key=True),
    sa.Column("owner", _Name, nullable=False, index=True),
    sa.Column("format_version", sa.SmallInteger, nullable=False),
    sa.Column("nonce", sa.LargeBinary, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("created_at", _Time, nullable=False),
)

grants = sa.Table(
    "vault_grants",
    metadata,
    sa.Column(
        "document_id",
        _Name,
        sa.ForeignKey("vault_documents.document_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("reader", _Name, primary_key=True),
    sa.Column("reader_public_key", sa.LargeBinary, nullable=False),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
    sa.Column("granted_at", _Time, nullable=False),
)

#: the writes of :meth:`SqlVaultRepository.add_new_documents`, prepared once: a lone
#: document is inserted unless its id is taken, which its ``RETURNING`` tells; several are
#: looked up first (``_STORED_IDS``), then written in one ``executemany`` each
_DOCUMENTS = PreparedInsert(documents)
_DOCUMENT_IF_NEW = PreparedInsert(documents, ignore_duplicates=True, returning="document_id")
_GRANTS = PreparedInsert(grants)
_STORED_IDS = sa.select(documents.c.document_id).where(
    documents.c.document_id.in_(sa.bindparam("ids", expanding=True))
)

#: of a page of documents, the ones a reader has a grant on (an export's, in one read)
_GRANTED_IDS = sa.select(grants.c.document_id).where(
    grants.c.document_id.in_(sa.bindparam("ids", expanding=True)),
    grants.c.reader == sa.bindparam("reader"),
)
#: the grant's columns other than the document's id, read beside the document's
_GRANT_ONLY = ("reader", "reader_public_key", "wrapped_key", "granted_at")
_GRANTED = (
    sa.select(documents, *(grants.c[name] for name in _GRANT_ONLY))
    .join(grants, grants.c.document_id == documents.c.document_id)
    .where(
        documents.c.document_id.in_(sa.bindparam("ids", expanding=True)),
        grants.c.reader == sa.bindparam("reader"),
    )
)

reader_keys = sa.Table(
    "vault_reader_keys",
    metadata,
    sa.Column("reader", _Name, primary_key=True),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("registered_at", _Time, nullable=False),
)

#: the keys of a seal's readers (the owner, the auditors, the readers named), in one read
_KEYS_OF = sa.select(reader_keys.c.reader, reader_keys.c.public_key).where(
    reader_keys.c.reader.in_(sa.bindparam("readers", expanding=True))
)


class _KeyOf(NamedTuple):
    reader: str
    public_key: bytes


T = TypeVar("T")


def _as_written(value: Any) -> Any:
    """A column's value as the vault wrote it: drivers may hand binary back as a
    ``memoryview``, and SQLite hands back naive datetimes (everything written is UTC)."""
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _stored(kind: Callable[..., T]) -> Callable[..., T]:
    """``kind`` (a model whose fields are a table's columns) from a row's columns."""
    return lambda **columns: kind(**{k: _as_written(v) for k, v in columns.items()})


def _grant_of(document_id: str, reader: str) -> sa.ColumnElement[bool]:
    """The grants' key: ``reader``'s grant of ``document_id``."""
    return sa.and_(grants.c.document_id == document_id, grants.c.reader == reader)


class SqlVaultRepository(OwnSchemaStore):
    """A :class:`~carbonledger.vault.repository.VaultRepository` over a SQLAlchemy engine."""

    metadata = metadata

    def add_document(self, document: StoredDocument, grant_list: Sequence[Grant]) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(documents.insert().values(**asdict(document)))
                if grant_list:
                    conn.execute(grants.insert(), [asdict(g) for g in grant_list])
        except IntegrityError:
            raise DocumentAlreadyExists(document.document_id) from None

    def add_new_documents(
        self, items: Sequence[SealedDocument], connection: Connection | None = None
    ) -> list[bool]:
        if connection is None:
            with self.engine.begin() as conn:
                return self._add_new(conn, items)
        return self._add_new(connection, items)

    @staticmethod
    def _add_new(conn: Connection, items: Sequence[SealedDocument]) -> list[bool]:
        if len(items) == 1:  # one claim's request: one round trip for the document, not two
            (item,) = items
            (stored_id,) = _DOCUMENT_IF_NEW.one_by_one(conn, [vars(item.document)])
            if stored_id is not None:
                _GRANTS.many(conn, [vars(g) for g in item.grants])
            return [stored_id is not None]
        ids = [i.document.document_id for i in items]
        stored = set(conn.execute(_STORED_IDS, {"ids": ids}).scalars())
        added, new = [], []
        for item in items:
            fresh = item.document.document_id not in stored
            if fresh:
                stored.add(item.document.document_id)
                new.append(item)
            added.append(fresh)
        if new:
            # shallow copies: asdict's deep copy of every field was most of this write
            _DOCUMENTS.many(conn, [vars(i.document) for i in new])
            _GRANTS.many(conn, [vars(g) for i in new for g in i.grants])
        return added

    def get_document(self, document_id: str) -> StoredDocument | None:
        query = documents.select().where(documents.c.document_id == document_id)
        return self._first(_stored(StoredDocument), query)

    def get_grant(self, document_id: str, reader: str) -> Grant | None:
        return self._first(_stored(Grant), grants.select().where(_grant_of(document_id, reader)))

    def list_grants(self, document_id: str) -> list[Grant]:
        query = grants.select().where(grants.c.document_id == document_id)
        return self._all(_stored(Grant), query)

    def granted_ids(self, document_ids: Collection[str], reader: str) -> set[str]:
        if not document_ids:
            return set()
        params = {"ids": list(document_ids), "reader": reader}
        return set(self._scalars(_GRANTED_IDS, params))

    def get_granted(
        self, document_ids: Collection[str], reader: str
    ) -> list[tuple[StoredDocument, Grant]]:
        if not document_ids:
            return []
        rows = self._read(
            lambda conn: list(conn.execute(_GRANTED, {"ids": list(document_ids), "reader": reader}))
        )
        out = []
        for row in rows:
            values = {k: _as_written(v) for k, v in row._mapping.items()}
            grant = {k: values.pop(k) for k in _GRANT_ONLY}
            out.append((StoredDocument(**values), Grant(document_id=row.document_id, **grant)))
        return out

    def save_grant(self, grant: Grant) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(documents.c.document_id).where(
                    documents.c.document_id == grant.document_id
                )
            ).one_or_none()
            if exists is None:
                raise DocumentNotFound(grant.document_id)
            upsert(conn, grants, asdict(grant))

    def delete_grant(self, document_id: str, reader: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(grants.delete().where(_grant_of(document_id, reader)))
            return result.rowcount > 0

    def set_reader_key(self, reader: str, public_key: bytes, registered_at: datetime) -> None:
        values = {"reader": reader, "public_key": public_key, "registered_at": registered_at}
        with self.engine.begin() as conn:
            upsert(conn, reader_keys, values)

    def get_reader_key(self, reader: str) -> bytes | None:
        return self.get_reader_keys([reader]).get(reader)

    def get_reader_keys(self, readers: Collection[str]) -> dict[str, bytes]:
        if not readers:
            return {}
        found = self._all(_KeyOf, _KEYS_OF, {"readers": list(readers)})
        return {row.reader: bytes(row.public_key) for row in found}
