"""Client-side login helper: what a member's software (or a test) runs to sign a challenge."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data

from carbonledger.auth.challenge import LoginChallenge


def sign_challenge(challenge: LoginChallenge, private_key: str | bytes) -> bytes:
    """The 65-byte EIP-712 signature of ``challenge`` by the member key ``private_key``.

    Wallets do the same with ``eth_signTypedData_v4`` over ``challenge.typed_data()``.
    """
    signable = encode_typed_data(full_message=challenge.typed_data())
    signature: bytes = bytes(Account.sign_message(signable, private_key).signature)
    return signature
