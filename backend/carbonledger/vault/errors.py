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

from carbonledger.errors import CarbonLedgerError


class VaultError(CarbonLedgerError):
    """Root of the evidence vault's errors."""


class VaultAccessDenied(VaultError):
    """``reader`` holds no grant on ``document_id``."""

    def __init__(self, reader: str, document_id: str) -> None:
        self.reader = reader
        self.document_id = document_id
        super().__init__(f"reader {reader!r} has no access to document {document_id!r}")


class NotDocumentOwner(VaultError):
    """``caller`` tried an owner-only operation on a document owned by someone else."""

    def __init__(self, caller: str, document_id: str) -> None:
        self.caller = caller
        self.document_id = document_id
        super().__init__(f"{caller!r} is not the owner of document {document_id!r}")


class CannotRevoke(VaultError):
    """The reader's access may not be revoked (the owner itself, or an auditor)."""

    def __init__(self, reader: str, document_id: str, reason: str) -> None:
        self.reader = reader
        self.document_id = document_id
        self.reason = reason
        super().__init__(f"cannot revoke {reader!r} from document {document_id!r}: {reason}")


class AlreadyGranted(VaultError):
    """The reader already holds a grant for its current key; it is never overwritten.

    Otherwise an owner could replace an auditor's (or its own) working key wrap with one of
    a different key, silently locking the reader out: the service cannot check what a wrap
    holds. Re-granting is possible once the reader registered a new key, or after a revoke.
    """

    def __init__(self, reader: str, document_id: str) -> None:
        self.reader = reader
        self.document_id = document_id
        super().__init__(
            f"{reader!r} already holds a grant on document {document_id!r} for its current key"
        )


class DocumentNotFound(VaultError):
    """No document with this id is stored."""

    def __init__(self, document_id: str) -> None:
        self.document_id = document_id
        super().__init__(f"no document {document_id!r} in the vault")


class DocumentAlreadyExists(VaultError):
    """A document with this id is already stored; stored evidence is never overwritten."""

    def __init__(self, document_id: str) -> None:
        self.document_id = document_id
        super().__init__(f"document {document_id!r} already exists and cannot be overwritten")


class UnknownReader(VaultError):
    """The reader has not registered an X25519 public key."""

    def __init__(self, reader: str) -> None:
        self.reader = reader
        super().__init__(f"reader {reader!r} has not registered a vault public key")


class ReaderKeyMismatch(VaultError):
    """A grant was computed for another public key than the reader's registered one."""

    def __init__(self, reader: str) -> None:
        self.reader = reader
        super().__init__(
            f"the key wrapped for {reader!r} is not for the reader's registered public key "
            "(stale key? fetch the current one and wrap again)"
        )


class InvalidKey(VaultError):
    """A public or private X25519 key is malformed."""


class InvalidWrappedKey(VaultError):
    """A wrapped data key does not have the vault's wire format."""


class InvalidIdentifier(VaultError):
    """A document id, owner or reader name is empty, too long or holds control characters."""


class EnvelopeAuthenticationFailed(VaultError):
    """AES-GCM authentication failed: ciphertext, associated data or wrapped key was altered."""

    def __init__(self, document_id: str, part: str) -> None:
        self.document_id = document_id
        self.part = part
        super().__init__(
            f"document {document_id!r} failed authentication ({part}): the ciphertext, the "
            "document id/owner it is bound to, or the wrapped key was altered"
        )


class WrongReaderKey(VaultError):
    """The private key given does not belong to the reader the envelope was wrapped for."""

    def __init__(self, document_id: str) -> None:
        self.document_id = document_id
        super().__init__(
            f"the private key does not match the public key document {document_id!r} "
            "was wrapped for"
        )
