"""The vault's storage port and its in-memory fake.

The service talks to storage only through :class:`VaultRepository`. Two implementations:
:class:`InMemoryVaultRepository` (unit tests) and
:class:`carbonledger.vault.sql.SqlVaultRepository` (SQLite or PostgreSQL through SQLAlchemy).
A repository stores ciphertext, wrapped keys and public keys only; it never sees plaintext or
a private key.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from carbonledger.vault.errors import DocumentAlreadyExists, DocumentNotFound
from carbonledger.vault.model import Grant, SealedDocument, StoredDocument

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


class VaultRepository(Protocol):
    """Storage of encrypted documents, their grants and the readers' public keys."""

    def add_document(self, document: StoredDocument, grants: Sequence[Grant]) -> None:
        """Store a new document with its first grants atomically.

        Raises :class:`DocumentAlreadyExists` if the id is taken (nothing is stored then).
        """
        ...

    def add_new_documents(
        self, items: Sequence[SealedDocument], connection: Connection | None = None
    ) -> list[bool]:
        """Store each document with its grants unless its id is already stored (nothing of
        that item is written then); per item, whether it was stored.

        With ``connection`` (an SQL repository in the caller's database) the rows are written
        in the caller's open transaction, which the caller commits or rolls back; without,
        all of them atomically.
        """
        ...

    def get_document(self, document_id: str) -> StoredDocument | None:
        """The stored document, or ``None``."""
        ...

    def get_grant(self, document_id: str, reader: str) -> Grant | None:
        """The reader's grant on the document, or ``None``."""
        ...

    def list_grants(self, document_id: str) -> list[Grant]:
        """Every grant on the document (in no particular order)."""
        ...

    def granted_ids(self, document_ids: Collection[str], reader: str) -> set[str]:
        """Of ``document_ids``, those the reader has a grant on (one read)."""
        ...

    def get_granted(
        self, document_ids: Collection[str], reader: str
    ) -> list[tuple[StoredDocument, Grant]]:
        """Of ``document_ids``, each stored document the reader has a grant on, with that
        grant (one read, in no particular order)."""
        ...

    def save_grant(self, grant: Grant) -> None:
        """Add the grant, or replace the reader's existing one on that document.

        Raises :class:`DocumentNotFound` if the document is not stored.
        """
        ...

    def delete_grant(self, document_id: str, reader: str) -> bool:
        """Remove the reader's grant; ``True`` if there was one."""
        ...

    def set_reader_key(self, reader: str, public_key: bytes, registered_at: datetime) -> None:
        """Register (or replace) the reader's X25519 public key."""
        ...

    def get_reader_key(self, reader: str) -> bytes | None:
        """The reader's registered public key, or ``None``."""
        ...

    def get_reader_keys(self, readers: Collection[str]) -> dict[str, bytes]:
        """The registered public keys of ``readers`` (one read), by reader; a reader without
        one is left out."""
        ...


class InMemoryVaultRepository:
    """A dictionary-backed :class:`VaultRepository` for unit tests."""

    def __init__(self) -> None:
        self.documents: dict[str, StoredDocument] = {}
        self.grants: dict[tuple[str, str], Grant] = {}
        self.reader_keys: dict[str, bytes] = {}

    def add_document(self, document: StoredDocument, grants: Sequence[Grant]) -> None:
        if document.document_id in self.documents:
            raise DocumentAlreadyExists(document.document_id)
        self.documents[document.document_id] = document
        for grant in grants:
            self.grants[(grant.document_id, grant.reader)] = grant

    def add_new_documents(
        self, items: Sequence[SealedDocument], connection: Connection | None = None
    ) -> list[bool]:
        if connection is not None:
            raise TypeError("an in-memory repository writes in no database transaction")
        added = []
        for item in items:
            fresh = item.document.document_id not in self.documents
            if fresh:
                self.add_document(item.document, item.grants)
            added.append(fresh)
        return added

    def get_document(self, document_id: str) -> StoredDocument | None:
        return self.documents.get(document_id)

    def get_grant(self, document_id: str, reader: str) -> Grant | None:
        return self.grants.get((document_id, reader))

    def list_grants(self, document_id: str) -> list[Grant]:
        return sorted(
            (g for (doc, _), g in self.grants.items() if doc == document_id),
            key=lambda g: g.reader,
        )

    def granted_ids(self, document_ids: Collection[str], reader: str) -> set[str]:
        return {d for d in document_ids if (d, reader) in self.grants}

    def get_granted(
        self, document_ids: Collection[str], reader: str
    ) -> list[tuple[StoredDocument, Grant]]:
        return [
            (self.documents[d], self.grants[(d, reader)])
            for d in set(document_ids)
            if d in self.documents and (d, reader) in self.grants
        ]

    def save_grant(self, grant: Grant) -> None:
        if grant.document_id not in self.documents:
            raise DocumentNotFound(grant.document_id)
        self.grants[(grant.document_id, grant.reader)] = grant

    def delete_grant(self, document_id: str, reader: str) -> bool:
        return self.grants.pop((document_id, reader), None) is not None

    def set_reader_key(self, reader: str, public_key: bytes, registered_at: datetime) -> None:
        self.reader_keys[reader] = public_key

    def get_reader_key(self, reader: str) -> bytes | None:
        return self.reader_keys.get(reader)

    def get_reader_keys(self, readers: Collection[str]) -> dict[str, bytes]:
        return {r: self.reader_keys[r] for r in readers if r in self.reader_keys}
