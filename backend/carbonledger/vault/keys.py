"""X25519 reader keys: generation, validation and raw-hex serialisation.

A vault reader (a member firm, an auditor, a partner) holds an X25519 key pair. It registers
the 32-byte public key with the vault and keeps the private key in its own software; the
service never sees it. Both halves serialise as the raw 32 bytes written as 64 lowercase hex
digits (an optional ``0x`` prefix is accepted on input).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from carbonledger.vault.errors import InvalidKey

KEY_SIZE = 32


def _from_hex(text: str, what: str) -> bytes:
    raw = text.strip().removeprefix("0x").removeprefix("0X")
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        raise InvalidKey(f"{what} is not hex: {text[:80]!r}") from None
    if len(value) != KEY_SIZE:
        raise InvalidKey(f"{what} must be {KEY_SIZE} bytes (64 hex digits), got {len(value)}")
    return value


def validate_public_key(public_key: bytes) -> bytes:
    """Return ``public_key`` if it is a usable X25519 public key, else raise :class:`InvalidKey`.

    A usable key is 32 bytes and not a small-order point: an ECDH with it must not give the
    all-zero shared secret (RFC 7748 section 6.1), which would make every key wrapped for it
    readable by anyone.
    """
    public_key = public_key_bytes(public_key)
    try:
        X25519PrivateKey.generate().exchange(X25519PublicKey.from_public_bytes(public_key))
    except ValueError:
        raise InvalidKey("the X25519 public key is a small-order point") from None
    return public_key


def public_key_bytes(public_key: bytes) -> bytes:
    """Return ``public_key`` if it has the form of an X25519 public key (32 bytes), else raise
    :class:`InvalidKey`; whether it is a small-order point is :func:`validate_public_key`'s
    question (or the exchange's, which refuses one too)."""
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != KEY_SIZE:
        raise InvalidKey(f"an X25519 public key is {KEY_SIZE} bytes")
    return bytes(public_key)


def validate_private_key(private_key: bytes) -> bytes:
    """Return ``private_key`` if it is 32 bytes, else raise :class:`InvalidKey`."""
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != KEY_SIZE:
        raise InvalidKey(f"an X25519 private key is {KEY_SIZE} bytes")
    return bytes(private_key)


def public_key_of(private_key: bytes) -> bytes:
    """The 32-byte X25519 public key belonging to ``private_key``."""
    key = X25519PrivateKey.from_private_bytes(validate_private_key(private_key))
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_from_hex(text: str) -> bytes:
    """Parse and validate a public key written as 64 hex digits."""
    return validate_public_key(_from_hex(text, "X25519 public key"))


def private_key_from_hex(text: str) -> bytes:
    """Parse a private key written as 64 hex digits."""
    return _from_hex(text, "X25519 private key")


def key_to_hex(key: bytes) -> str:
    """Write a 32-byte key as 64 lowercase hex digits (no prefix)."""
    if len(key) != KEY_SIZE:
        raise InvalidKey(f"an X25519 key is {KEY_SIZE} bytes")
    return bytes(key).hex()


@dataclass(frozen=True)
class VaultKeyPair:
    """A reader's X25519 key pair (raw 32-byte halves). ``repr`` never shows the private key."""

    private_key: bytes = field(repr=False)
    public_key: bytes

    @classmethod
    def generate(cls) -> VaultKeyPair:
        """A fresh key pair from the operating system's CSPRNG."""
        key = X25519PrivateKey.generate()
        return cls(
            private_key=key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
            public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        )

    @classmethod
    def from_private_hex(cls, text: str) -> VaultKeyPair:
        """Rebuild a key pair from its private half written as 64 hex digits."""
        private_key = private_key_from_hex(text)
        return cls(private_key=private_key, public_key=public_key_of(private_key))

    @property
    def private_hex(self) -> str:
        return key_to_hex(self.private_key)

    @property
    def public_hex(self) -> str:
        return key_to_hex(self.public_key)


def generate_keypair() -> VaultKeyPair:
    """A fresh X25519 key pair for a vault reader."""
    return VaultKeyPair.generate()
