"""Login challenges: EIP-712 typed data, stateless authenticated nonces, signer recovery.

The message a member signs (``eth_signTypedData_v4``)::

    domain  = EIP712Domain(string name = "CarbonLedger", string version = "1",
                           uint256 chainId [, address verifyingContract])
    message = Login(address member, bytes32 nonce, uint64 expiresAt, string audience)

``chainId`` is the ledger's chain id, ``verifyingContract`` (when configured) the
MemberRegistry address and ``audience`` the API's origin, so a signature for one deployment,
chain or API is worthless at another. Wallets show every field to the user.

The nonce is 32 bytes: 16 random bytes followed by the first 16 bytes of
``HMAC-SHA256(challenge_key, "CarbonLedger login challenge v1" || 0x00 || random16 ||
member(20 bytes) || expiresAt(uint64 BE) || chainId(uint256 BE) || verifyingContract(20 bytes
or empty) || utf8(audience))``. The server therefore stores nothing when it issues a
challenge (an unauthenticated caller cannot fill its storage) and still knows, at login, that
it issued exactly this (member, nonce, expiry) for this audience and chain. Single use is
enforced by recording the nonce once a login succeeds
(:class:`~carbonledger.auth.ports.NonceStore`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

from carbonledger.auth.errors import InvalidSignature

DOMAIN_NAME = "CarbonLedger"
DOMAIN_VERSION = "1"
NONCE_LABEL = b"CarbonLedger login challenge v1"
NONCE_SIZE = 32
_RANDOM_SIZE = 16

LOGIN_TYPE = [
    {"name": "member", "type": "address"},
    {"name": "nonce", "type": "bytes32"},
    {"name": "expiresAt", "type": "uint64"},
    {"name": "audience", "type": "string"},
]


@dataclass(frozen=True)
class LoginChallenge:
    """A challenge for ``member`` (a checksum key address) to sign before ``expires_at``."""

    member: str
    nonce: bytes
    expires_at: int
    audience: str
    chain_id: int
    verifying_contract: str | None = None

    def typed_data(self) -> dict[str, Any]:
        """The full EIP-712 message, as ``eth_signTypedData_v4`` takes it."""
        domain_type = [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
        ]
        domain: dict[str, Any] = {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
        }
        if self.verifying_contract is not None:
            domain_type.append({"name": "verifyingContract", "type": "address"})
            domain["verifyingContract"] = self.verifying_contract
        return {
            "types": {"EIP712Domain": domain_type, "Login": LOGIN_TYPE},
            "primaryType": "Login",
            "domain": domain,
            "message": {
                "member": self.member,
                "nonce": "0x" + self.nonce.hex(),
                "expiresAt": self.expires_at,
                "audience": self.audience,
            },
        }

    def to_json(self) -> dict[str, Any]:
        """What the challenge endpoint returns: the fields to send back, and the typed data."""
        return {
            "member": self.member,
            "nonce": "0x" + self.nonce.hex(),
            "expiresAt": self.expires_at,
            "typedData": self.typed_data(),
        }


def _nonce_mac(
    key: bytes,
    random_part: bytes,
    member: str,
    expires_at: int,
    audience: str,
    chain_id: int,
    verifying_contract: str | None,
) -> bytes:
    message = b"".join(
        [
            NONCE_LABEL,
            b"\x00",
            random_part,
            bytes.fromhex(member[2:]),
            expires_at.to_bytes(8, "big"),
            chain_id.to_bytes(32, "big"),
            bytes.fromhex(verifying_contract[2:]) if verifying_contract else b"",
            audience.encode("utf-8"),
        ]
    )
    return hmac.new(key, message, hashlib.sha256).digest()[:_RANDOM_SIZE]


def new_challenge(
    key: bytes,
    member: str,
    expires_at: int,
    audience: str,
    chain_id: int,
    verifying_contract: str | None = None,
) -> LoginChallenge:
    """A challenge with a fresh authenticated nonce (``member`` is a checksum address)."""
    random_part = os.urandom(_RANDOM_SIZE)
    mac = _nonce_mac(key, random_part, member, expires_at, audience, chain_id, verifying_contract)
    return LoginChallenge(
        member=member,
        nonce=random_part + mac,
        expires_at=expires_at,
        audience=audience,
        chain_id=chain_id,
        verifying_contract=verifying_contract,
    )


def nonce_is_authentic(key: bytes, challenge: LoginChallenge) -> bool:
    """Whether this server issued ``challenge`` with exactly these fields (constant time)."""
    if len(challenge.nonce) != NONCE_SIZE or not 0 <= challenge.expires_at < 2**64:
        return False
    expected = _nonce_mac(
        key,
        challenge.nonce[:_RANDOM_SIZE],
        challenge.member,
        challenge.expires_at,
        challenge.audience,
        challenge.chain_id,
        challenge.verifying_contract,
    )
    return hmac.compare_digest(expected, challenge.nonce[_RANDOM_SIZE:])


def recover_signer(challenge: LoginChallenge, signature: bytes) -> str:
    """The checksum address that signed ``challenge``'s typed data.

    Raises :class:`InvalidSignature` for a signature that is not 65 bytes or recovers nothing.
    """
    if len(signature) != 65:
        raise InvalidSignature(challenge.member, f"expected 65 bytes, got {len(signature)}")
    try:
        signable = encode_typed_data(full_message=challenge.typed_data())
        signer: str = Account.recover_message(signable, signature=signature)
    except Exception as error:  # eth-keys / eth-utils raise several unrelated types
        raise InvalidSignature(challenge.member, f"no signer can be recovered ({error})") from None
    return signer
