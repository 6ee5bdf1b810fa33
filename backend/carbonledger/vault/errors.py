"""Errors of the evidence vault.

Every error the vault raises on purpose derives from :class:`VaultError`. The subclasses say
what went wrong and carry the identifiers involved, so an API layer can map them to HTTP
statuses without parsing messages:

* :class:`VaultAccessDenied`, :class:`NotDocumentOwner`, :class:`CannotRevoke` -- the caller
  may not do this (403).
* :class:`DocumentNotFound`, :class:`UnknownReader` -- the thing named does not exist (404).
* :class:`DocumentAlreadyExists`, :class:`AlreadyGranted`, :class:`ReaderKeyMismatch` --
  conflicts (409).
* :class:`InvalidKey`, :class:`InvalidWrappedKey`, :class:`InvalidIdentifier` -- malformed
  input (422).
* :class:`EnvelopeAuthenticationFailed`, :class:`WrongReaderKey` -- raised client-side when an
  envelope does not open.
"""

from __future__ import annotations

from carbonledger.errors import CarbonLedgerError, error_fields


class VaultError(CarbonLedgerError):
    """Root of the evidence vault's errors."""


@error_fields
class VaultAccessDenied(VaultError):
    """``reader`` holds no grant on ``document_id``."""

    template = "reader {reader!r} has no access to document {document_id!r}"
    reader: str
    document_id: str


@error_fields
class NotDocumentOwner(VaultError):
    """``caller`` tried an owner-only operation on a document owned by someone else."""

    template = "{caller!r} is not the owner of document {document_id!r}"
    caller: str
    document_id: str


@error_fields
class CannotRevoke(VaultError):
    """The reader's access may not be revoked (the owner itself, or an auditor)."""

    template = "cannot revoke {reader!r} from document {document_id!r}: {reason}"
    reader: str
    document_id: str
    reason: str


@error_fields
class AlreadyGranted(VaultError):
    """The reader already holds a grant for its current key; it is never overwritten.

    Otherwise an owner could replace an auditor's (or its own) working key wrap with one of
    a different key, silently locking the reader out: the service cannot check what a wrap
    holds. Re-granting is possible once the reader registered a new key, or after a revoke.
    """

    template = "{reader!r} already holds a grant on document {document_id!r} for its current key"
    reader: str
    document_id: str


@error_fields
class DocumentNotFound(VaultError):
    """No document with this id is stored."""

    template = "no document {document_id!r} in the vault"
    document_id: str


@error_fields
class DocumentAlreadyExists(VaultError):
    """A document with this id is already stored; stored evidence is never overwritten."""

    template = "document {document_id!r} already exists and cannot be overwritten"
    document_id: str


@error_fields
class UnknownReader(VaultError):
    """The reader has not registered an X25519 public key."""

    template = "reader {reader!r} has not registered a vault public key"
    reader: str


@error_fields
class ReaderKeyMismatch(VaultError):
    """A grant was computed for another public key than the reader's registered one."""

    template = (
        "the key wrapped for {reader!r} is not for the reader's registered public key "
        "(stale key? fetch the current one and wrap again)"
    )
    reader: str


class InvalidKey(VaultError):
    """A public or private X25519 key is malformed."""


class InvalidWrappedKey(VaultError):
    """A wrapped data key does not have the vault's wire format."""


class InvalidIdentifier(VaultError):
    """A document id, owner or reader name is empty, too long or holds control characters."""


@error_fields
class EnvelopeAuthenticationFailed(VaultError):
    """AES-GCM authentication failed: ciphertext, associated data or wrapped key was altered."""

    template = (
        "document {document_id!r} failed authentication ({part}): the ciphertext, the "
        "document id/owner it is bound to, or the wrapped key was altered"
    )
    document_id: str
    part: str


@error_fields
class WrongReaderKey(VaultError):
    """The private key given does not belong to the reader the envelope was wrapped for."""

    template = (
        "the private key does not match the public key document {document_id!r} was wrapped for"
    )
    document_id: str
