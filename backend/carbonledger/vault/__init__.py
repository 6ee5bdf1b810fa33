"""The evidence vault: documents and evidence files encrypted at rest, readable per grant.

Server side: :class:`EvidenceVault` over a :class:`VaultRepository`
(``carbonledger.vault.sql.SqlVaultRepository``, imported from there so that the package needs
no database library, or :class:`InMemoryVaultRepository`). Client side (the member's
own software): :func:`open_envelope`, :func:`rewrap_for`, :class:`VaultKeyPair`. The
constructions are documented in :mod:`carbonledger.vault.crypto`.
"""

from carbonledger.vault.client import EnvelopeOpener, open_envelope, rewrap_for
from carbonledger.vault.errors import (
    AlreadyGranted,
    CannotRevoke,
    DocumentAlreadyExists,
    DocumentNotFound,
    EnvelopeAuthenticationFailed,
    InvalidIdentifier,
    InvalidKey,
    InvalidWrappedKey,
    NotDocumentOwner,
    ReaderKeyMismatch,
    UnknownReader,
    VaultAccessDenied,
    VaultError,
    WrongReaderKey,
)
from carbonledger.vault.keys import (
    VaultKeyPair,
    generate_keypair,
    key_to_hex,
    private_key_from_hex,
    public_key_from_hex,
    public_key_of,
)
from carbonledger.vault.model import (
    DocumentRecord,
    EncryptedEnvelope,
    Grant,
    SealedDocument,
    StoredDocument,
)
from carbonledger.vault.repository import InMemoryVaultRepository, VaultRepository
from carbonledger.vault.service import (
    AuditorDirectory,
    EvidenceVault,
    ReaderKeys,
    StaticAuditors,
    Wrappers,
)

__all__ = [
    "AlreadyGranted",
    "AuditorDirectory",
    "CannotRevoke",
    "DocumentAlreadyExists",
    "DocumentNotFound",
    "DocumentRecord",
    "EncryptedEnvelope",
    "EnvelopeAuthenticationFailed",
    "EnvelopeOpener",
    "EvidenceVault",
    "Grant",
    "InMemoryVaultRepository",
    "InvalidIdentifier",
    "InvalidKey",
    "InvalidWrappedKey",
    "NotDocumentOwner",
    "ReaderKeyMismatch",
    "ReaderKeys",
    "SealedDocument",
    "StaticAuditors",
    "StoredDocument",
    "UnknownReader",
    "VaultAccessDenied",
    "VaultError",
    "VaultKeyPair",
    "VaultRepository",
    "Wrappers",
    "WrongReaderKey",
    "generate_keypair",
    "key_to_hex",
    "open_envelope",
    "private_key_from_hex",
    "public_key_from_hex",
    "public_key_of",
    "rewrap_for",
]
