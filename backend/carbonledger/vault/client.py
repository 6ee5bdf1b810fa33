"""Client-side vault operations: run by a reader's or owner's own software, never the server.

They are the only code paths that touch a private key or an unwrapped data key.
"""

from __future__ import annotations

from carbonledger.vault import crypto
from carbonledger.vault.errors import WrongReaderKey
from carbonledger.vault.keys import public_key_of, validate_public_key
from carbonledger.vault.model import EncryptedEnvelope


def _data_key(envelope: EncryptedEnvelope, reader_private_key: bytes) -> bytes:
    if public_key_of(reader_private_key) != envelope.reader_public_key:
        raise WrongReaderKey(envelope.document_id)
    aad = crypto.associated_data(envelope.document_id, envelope.owner)
    return crypto.unwrap_data_key(
        envelope.wrapped_key, reader_private_key, aad, document_id=envelope.document_id
    )


def open_envelope(envelope: EncryptedEnvelope, reader_private_key: bytes) -> bytes:
    """Decrypt an envelope with the reader's X25519 private key.

    Raises :class:`WrongReaderKey` if the key is not the one the envelope was wrapped for, and
    :class:`EnvelopeAuthenticationFailed` if the ciphertext, the document id or owner, or the
    wrapped key was altered.
    """
    data_key = _data_key(envelope, reader_private_key)
    aad = crypto.associated_data(envelope.document_id, envelope.owner)
    return crypto.decrypt_document(data_key, envelope.sealed, aad, document_id=envelope.document_id)


class EnvelopeOpener:
    """:func:`open_envelope` for many envelopes of one reader (an export's documents): the
    reader's key is loaded once and an ephemeral key's exchange done once
    (:class:`~carbonledger.vault.crypto.KeyUnwrapper`)."""

    def __init__(self, reader_private_key: bytes) -> None:
        self._keys = crypto.KeyUnwrapper(reader_private_key)

    def open(self, envelope: EncryptedEnvelope) -> bytes:
        """As :func:`open_envelope`, with the same errors."""
        if self._keys.recipient_public != envelope.reader_public_key:
            raise WrongReaderKey(envelope.document_id)
        aad = crypto.associated_data(envelope.document_id, envelope.owner)
        data_key = self._keys.unwrap(envelope.wrapped_key, aad, document_id=envelope.document_id)
        return crypto.decrypt_document(
            data_key, envelope.sealed, aad, document_id=envelope.document_id
        )


def rewrap_for(
    reader_public_key: bytes, owner_envelope: EncryptedEnvelope, owner_private_key: bytes
) -> bytes:
    """Wrap the document's data key for a new reader; the owner's software runs this.

    ``owner_envelope`` is what :meth:`EvidenceVault.get` returned to the owner. The data key
    is unwrapped with the owner's private key, checked against the ciphertext (so a bad key is
    never passed on), and wrapped afresh for ``reader_public_key``. The result goes to
    :meth:`EvidenceVault.grant`.
    """
    recipient = validate_public_key(reader_public_key)
    data_key = _data_key(owner_envelope, owner_private_key)
    aad = crypto.associated_data(owner_envelope.document_id, owner_envelope.owner)
    crypto.decrypt_document(
        data_key, owner_envelope.sealed, aad, document_id=owner_envelope.document_id
    )
    return crypto.wrap_data_key(data_key, recipient, aad)
