"""The vault's domain objects: what is stored, what is returned, and identifier rules."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from carbonledger.vault.crypto import FORMAT_VERSION, Sealed
from carbonledger.vault.errors import InvalidIdentifier

MAX_IDENTIFIER_LENGTH = 256


def check_identifier(value: str, what: str) -> str:
    """Return ``value`` unchanged if it can name a document, owner or reader.

    Any script is allowed and the value is kept byte for byte (no Unicode normalisation: the
    UTF-8 bytes are what the ciphertext is bound to). Refused: a non-string, the empty string,
    more than 256 characters, control characters (including NUL, which PostgreSQL text cannot
    hold) and lone surrogates (which have no UTF-8 form).
    """
    if not isinstance(value, str) or not value:
        raise InvalidIdentifier(f"{what} must be a non-empty string")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise InvalidIdentifier(f"{what} is longer than {MAX_IDENTIFIER_LENGTH} characters")
    if value.isascii() and value.isprintable():
        return value  # no ASCII character outside Cc is unprintable, and ASCII has no surrogate
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise InvalidIdentifier(
                f"{what} {value[:40]!r} holds a control character or lone surrogate "
                f"(U+{ord(char):04X})"
            )
    return value


class _Ciphertext:
    """A document's AES-GCM nonce and ciphertext (of a stored document or an envelope)."""

    nonce: bytes
    ciphertext: bytes

    @property
    def sealed(self) -> Sealed:
        return Sealed(nonce=self.nonce, ciphertext=self.ciphertext)


@dataclass(frozen=True)
class StoredDocument(_Ciphertext):
    """A document as stored: only ciphertext, never plaintext nor a key."""

    document_id: str
    owner: str
    nonce: bytes
    ciphertext: bytes
    created_at: datetime
    format_version: int = FORMAT_VERSION


@dataclass(frozen=True)
class Grant:
    """A reader's access to a document: the data key wrapped for the reader's public key."""

    document_id: str
    reader: str
    reader_public_key: bytes
    wrapped_key: bytes
    granted_at: datetime


@dataclass(frozen=True)
class SealedDocument:
    """A document encrypted and its data key wrapped for its readers, not yet stored
    (:meth:`carbonledger.vault.EvidenceVault.seal`)."""

    document: StoredDocument
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class DocumentRecord:
    """What the vault tells the owner about a stored document (no content)."""

    document_id: str
    owner: str
    readers: tuple[str, ...]
    ciphertext_size: int
    created_at: datetime


@dataclass(frozen=True)
class EncryptedEnvelope(_Ciphertext):
    """What one reader receives: the ciphertext and the data key wrapped for that reader.

    It opens client-side with :func:`carbonledger.vault.client.open_envelope` and the reader's
    private key. :meth:`to_json` / :meth:`from_json` give a JSON-safe form (bytes as hex).
    """

    document_id: str
    owner: str
    reader: str
    reader_public_key: bytes
    nonce: bytes
    ciphertext: bytes
    wrapped_key: bytes
    format_version: int = FORMAT_VERSION

    @classmethod
    def of(cls, document: StoredDocument, grant: Grant) -> EncryptedEnvelope:
        """What ``grant``'s reader receives of ``document``."""
        values = {**vars(document), **vars(grant)}  # shallow: their fields are immutable
        return cls(**{f.name: values[f.name] for f in fields(cls)})

    def to_json(self) -> dict[str, Any]:
        """The JSON form: bytes as hex, ``format_version`` first."""
        values = {"format_version": self.format_version, **asdict(self)}
        return {k: v.hex() if isinstance(v, bytes) else v for k, v in values.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EncryptedEnvelope:
        return cls(
            format_version=int(data["format_version"]),
            document_id=str(data["document_id"]),
            owner=str(data["owner"]),
            reader=str(data["reader"]),
            reader_public_key=bytes.fromhex(data["reader_public_key"]),
            nonce=bytes.fromhex(data["nonce"]),
            ciphertext=bytes.fromhex(data["ciphertext"]),
            wrapped_key=bytes.fromhex(data["wrapped_key"]),
        )
