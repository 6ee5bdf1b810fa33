"""Client-side vault operations: run by a reader's or owner's own software, never the server.

They are the only code paths that touch a private key or an unwrapped data key.
"""

from __future__ import annotations

from carbonledger.vault import crypto
from carbonledger.vault.errors import WrongReaderKey
from carbonledger.vault.keys import validate_public_key
from carbonledger.vault.model import EncryptedEnvelope


class EnvelopeOpener:
    """Opens envelopes with one reader's X25519 private key: the key is loaded once and an
    ephemeral key's exchange done once (:class:`~carbonledger.vault.crypto.KeyUnwrapper`), so
    one opener serves the many documents of a read (an export's page)."""

    def __init__(self, reader_private_key: bytes) -> None:
        self._keys = crypto.KeyUnwrapper(reader_private_key)

    def data_key(self, envelope: EncryptedEnvelope) -> bytes:
        """The envelope's data key; :class:`WrongReaderKey` if it was wrapped for another."""
        if self._keys.recipient_public != envelope.reader_public_key:
            raise WrongReaderKey(envelope.document_id)
        aad = crypto.associated_data(envelope.document_id, envelope.owner)
        return self._keys.unwrap(envelope.wrapped_key, aad, document_id=envelope.document_id)

    def open(self, envelope: EncryptedEnvelope) -> bytes:
        """As :func:`open_envelope`, with the same errors."""
        aad = crypto.associated_data(envelope.document_id, envelope.owner)
        return crypto.decrypt_document(
            self.data_key(envelope), envelope.sealed, aad, document_id=envelope.document_id
        )


def open_envelope(envelope: EncryptedEnvelope, reader_private_key: bytes) -> bytes:
    """Decrypt an envelope with the reader's X25519 private key.

    Raises :class:`WrongReaderKey` if the key is not the one the envelope was wrapped for, and
    :class:`EnvelopeAuthenticationFailed` if the ciphertext, the document id or owner, or the
    wrapped key was altered.
    """
    return EnvelopeOpener(reader_private_key).open(envelope)


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
    data_key = EnvelopeOpener(owner_private_key).data_key(owner_envelope)
    aad = crypto.associated_data(owner_envelope.document_id, owner_envelope.owner)
    crypto.decrypt_document(
        data_key, owner_envelope.sealed, aad, document_id=owner_envelope.document_id
    )
    return crypto.wrap_data_key(data_key, recipient, aad)
