"""Signing and signer recovery with the contracts' rules (OpenZeppelin ``ECDSA.tryRecover``).

A signature is 65 bytes ``r || s || v`` with ``v`` 27 or 28 and ``s`` in the lower half of
the curve order; anything else recovers to ``None``, as the contracts refuse it. The service,
the independent verifier and the client all recover through :func:`recover_signer`.
"""

from __future__ import annotations

import coincurve
from eth_utils.address import to_checksum_address

from carbonledger.vocab.constants import SECP256K1_N
from carbonledger.vocab.hashing import keccak256

__all__ = ["recover_checksummed", "recover_signer", "sign_digest"]


def recover_signer(digest: bytes, signature: bytes) -> str | None:
    """The address (lower-case hex) whose key made ``signature`` over ``digest``, or ``None``
    for a signature the contracts would not accept."""
    if len(signature) != 65:
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= SECP256K1_N // 2:
        return None
    try:
        public = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([v - 27]), digest, hasher=None
        )
    except (ValueError, TypeError):
        return None
    return "0x" + keccak256(public.format(compressed=False)[1:])[-20:].hex()


def recover_checksummed(digest: bytes, signature: bytes) -> str | None:
    """:func:`recover_signer` as a checksummed address."""
    signer = recover_signer(digest, signature)
    return None if signer is None else to_checksum_address(signer)


def sign_digest(private_key: bytes | str | coincurve.PrivateKey, digest: bytes) -> bytes:
    """Sign a 32-byte digest: ``r || s || v`` (``v`` 27/28, low ``s``: RFC 6979, as
    eth_account signs). A signer that signs often passes its ``coincurve.PrivateKey``: making
    one from the raw key derives the public key, several times the cost of signing."""
    if isinstance(private_key, coincurve.PrivateKey):
        key = private_key
    else:
        raw = (
            bytes.fromhex(private_key.removeprefix("0x"))
            if isinstance(private_key, str)
            else private_key
        )
        key = coincurve.PrivateKey(bytes(raw))
    signed = key.sign_recoverable(digest, hasher=None)
    return signed[:64] + bytes([signed[64] + 27])
