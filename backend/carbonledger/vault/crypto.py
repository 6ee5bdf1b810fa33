"""The vault's cryptographic constructions: pure functions, no storage, no clock.

Document encryption
-------------------
Each document gets a fresh random 256-bit *data key* ``DK`` (``os.urandom``) and is encrypted
once with AES-256-GCM under a fresh random 96-bit nonce::

    AD = "CarbonLedger vault v1 document" || 0x00 || LP(utf8(document_id)) || LP(utf8(owner))
    ciphertext = AES-256-GCM-Encrypt(key=DK, nonce=N, plaintext, aad=AD)  # 16-byte tag appended

``LP(x)`` is ``x`` prefixed by its length as a 4-byte big-endian integer, so no two
(document id, owner) pairs give the same ``AD``. Moving a ciphertext to another document id
or owner makes decryption fail.

Key wrapping (ECIES / HPKE-base-like, one per reader)
-----------------------------------------------------
``DK`` is wrapped for every reader's static X25519 public key ``pkR``::

    (skE, pkE) = fresh ephemeral X25519 key pair          # per wrap, never stored
    Z          = X25519(skE, pkR)                         # all-zero Z is refused
    KEK        = HKDF-SHA256(salt = 32 zero bytes, ikm = Z,
                             info = "CarbonLedger vault v1 key wrap" || 0x00 || pkE || pkR || AD,
                             length = 32)
    wrapped    = 0x01 || pkE || Nw || AES-256-GCM-Encrypt(key=KEK, nonce=Nw, DK, aad=AD)

``Nw`` is a fresh random 96-bit nonce. The wire form is 1 + 32 + 12 + 32 + 16 = 93 bytes.
The data keys of documents sealed together for one reader (:class:`KeyWrapper`: one
request's claims, or, kept by the vault's ``Wrappers``, every document sealed for that reader
key within a minute) share one ephemeral pair, so ``Z`` is computed once for them: each wrap's
``KEK`` is still its own, as ``info`` binds the document's ``AD`` (its id and owner), and each
wrap has its own random ``Nw``; the recipient opens each wrap exactly as before. The
recipient computes ``Z = X25519(skR, pkE)``, derives the same ``KEK`` (binding both public keys,
as HPKE's ``kem_context`` does, and the document's ``AD``) and opens ``DK``. This is the HPKE
base mode idea (RFC 9180: DHKEM(X25519) + HKDF-SHA256 + AES-256-GCM) with a simpler, fixed key
schedule; it is not wire-compatible with HPKE. As in any base-mode scheme the wrap does not
authenticate its sender: integrity of the *content* against a dishonest server comes from
anchoring, not from the vault.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from carbonledger.vault.errors import (
    EnvelopeAuthenticationFailed,
    InvalidKey,
    InvalidWrappedKey,
)
from carbonledger.vault.keys import KEY_SIZE, public_key_bytes, validate_private_key

FORMAT_VERSION = 1
DOCUMENT_LABEL = b"CarbonLedger vault v1 document"
WRAP_LABEL = b"CarbonLedger vault v1 key wrap"
DATA_KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
WRAPPED_KEY_SIZE = 1 + KEY_SIZE + NONCE_SIZE + DATA_KEY_SIZE + TAG_SIZE  # 93


def _length_prefixed(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def associated_data(document_id: str, owner: str) -> bytes:
    """The AES-GCM associated data binding a ciphertext to its document id and owner."""
    return (
        DOCUMENT_LABEL
        + b"\x00"
        + _length_prefixed(document_id.encode("utf-8"))
        + _length_prefixed(owner.encode("utf-8"))
    )


def new_data_key() -> bytes:
    """A fresh random 256-bit AES key."""
    return AESGCM.generate_key(bit_length=256)


@dataclass(frozen=True)
class Sealed:
    """A document encrypted under a data key: the nonce and ciphertext (tag appended)."""

    nonce: bytes
    ciphertext: bytes


def encrypt_document(data_key: bytes, plaintext: bytes, aad: bytes) -> Sealed:
    """AES-256-GCM-encrypt ``plaintext`` under ``data_key`` with a fresh 96-bit nonce."""
    nonce = os.urandom(NONCE_SIZE)
    return Sealed(nonce=nonce, ciphertext=AESGCM(data_key).encrypt(nonce, plaintext, aad))


def decrypt_document(data_key: bytes, sealed: Sealed, aad: bytes, *, document_id: str) -> bytes:
    """Open a sealed document; :class:`EnvelopeAuthenticationFailed` if anything was altered."""
    if len(sealed.nonce) != NONCE_SIZE:
        raise EnvelopeAuthenticationFailed(document_id, "document nonce has the wrong length")
    try:
        return AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, aad)
    except InvalidTag:
        raise EnvelopeAuthenticationFailed(document_id, "document ciphertext") from None


def _kek(shared: bytes, ephemeral_public: bytes, recipient_public: bytes, aad: bytes) -> bytes:
    info = WRAP_LABEL + b"\x00" + ephemeral_public + recipient_public + aad
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def _exchange(private: X25519PrivateKey, public: bytes) -> bytes:
    try:
        return private.exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError:
        raise InvalidKey("X25519 exchange gave the all-zero secret (small-order point)") from None


class KeyWrapper:
    """Wraps data keys for one recipient under one fresh ephemeral key pair (see the module
    docstring): the X25519 work once, then per data key an HKDF and an AES-GCM encryption.
    Meant for the documents of one request; :func:`wrap_data_key` makes one per wrap."""

    def __init__(self, recipient_public_key: bytes) -> None:
        # the exchange refuses a small-order key (InvalidKey), as validate_public_key would
        self.recipient_public = public_key_bytes(recipient_public_key)
        ephemeral = X25519PrivateKey.generate()
        self.ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._shared = _exchange(ephemeral, self.recipient_public)

    def wrap(self, data_key: bytes, aad: bytes) -> bytes:
        """Wrap ``data_key`` bound to ``aad`` (93-byte wire form)."""
        if len(data_key) != DATA_KEY_SIZE:
            raise InvalidKey(f"a data key is {DATA_KEY_SIZE} bytes")
        kek = _kek(self._shared, self.ephemeral_public, self.recipient_public, aad)
        nonce = os.urandom(NONCE_SIZE)
        body = AESGCM(kek).encrypt(nonce, data_key, aad)
        return bytes([FORMAT_VERSION]) + self.ephemeral_public + nonce + body


def wrap_data_key(data_key: bytes, recipient_public_key: bytes, aad: bytes) -> bytes:
    """Wrap ``data_key`` for the holder of ``recipient_public_key`` (93-byte wire form)."""
    if len(data_key) != DATA_KEY_SIZE:
        raise InvalidKey(f"a data key is {DATA_KEY_SIZE} bytes")
    return KeyWrapper(recipient_public_key).wrap(data_key, aad)


def check_wrapped_key(wrapped: bytes) -> bytes:
    """Return ``wrapped`` if it has the wire format, else raise :class:`InvalidWrappedKey`."""
    if not isinstance(wrapped, bytes | bytearray):
        raise InvalidWrappedKey("a wrapped key is bytes")
    if len(wrapped) != WRAPPED_KEY_SIZE:
        raise InvalidWrappedKey(f"a wrapped key is {WRAPPED_KEY_SIZE} bytes, got {len(wrapped)}")
    if wrapped[0] != FORMAT_VERSION:
        raise InvalidWrappedKey(f"unknown wrapped-key format version {wrapped[0]}")
    return bytes(wrapped)


class KeyUnwrapper:
    """Opens wrapped data keys with one recipient's private key: the key is loaded once, and
    the exchange with an ephemeral key met before is not done again (a wrapper keeps its
    ephemeral pair for the documents of a request, the service's for up to a minute). What
    it keeps is what the private key gives anyway; per data key, the key-encryption key
    (bound to the document) and the AES-GCM check are still its own."""

    #: ephemeral keys whose exchange is kept (the oldest goes first)
    KEPT = 256

    def __init__(self, recipient_private_key: bytes) -> None:
        self._private = X25519PrivateKey.from_private_bytes(
            validate_private_key(recipient_private_key)
        )
        self.recipient_public = self._private.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )
        self._shared: dict[bytes, bytes] = {}

    def unwrap(self, wrapped: bytes, aad: bytes, *, document_id: str) -> bytes:
        """Open ``wrapped`` (bound to ``aad``); :class:`EnvelopeAuthenticationFailed` if it
        or ``aad`` was altered."""
        wrapped = check_wrapped_key(wrapped)
        ephemeral_public = wrapped[1 : 1 + KEY_SIZE]
        nonce = wrapped[1 + KEY_SIZE : 1 + KEY_SIZE + NONCE_SIZE]
        body = wrapped[1 + KEY_SIZE + NONCE_SIZE :]
        shared = self._shared.get(ephemeral_public)
        if shared is None:
            shared = _exchange(self._private, ephemeral_public)
            if len(self._shared) >= self.KEPT:
                del self._shared[next(iter(self._shared))]
            self._shared[ephemeral_public] = shared
        kek = _kek(shared, ephemeral_public, self.recipient_public, aad)
        try:
            return AESGCM(kek).decrypt(nonce, body, aad)
        except InvalidTag:
            raise EnvelopeAuthenticationFailed(document_id, "wrapped data key") from None


def unwrap_data_key(
    wrapped: bytes, recipient_private_key: bytes, aad: bytes, *, document_id: str
) -> bytes:
    """Open a wrapped data key with the recipient's private key."""
    return KeyUnwrapper(recipient_private_key).unwrap(wrapped, aad, document_id=document_id)
