"""Checks every relayed, member-signed message goes through before the service relays it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import ClassVar

from carbonledger.chain.errors import ChainRefused
from carbonledger.chain.gateway import Anchored, MemberState
from carbonledger.chain.sender import TransactionFailed
from carbonledger.services.errors import Conflict, InvalidRequest, NotPermitted, SignatureMismatch
from carbonledger.services.ports import LedgerPort
from carbonledger.vocab import Domain, Struct, recover_checksummed


def check_signer(
    ledger: LedgerPort,
    account: str,
    role: int,
    role_name: str,
    message: Struct,
    domain: Domain,
    signature: bytes,
    what: str = "the signature",
) -> None:
    """``account`` is an active member with ``role`` and ``signature`` is its current key's
    over ``message`` (the contracts' rules: 65 bytes, v 27/28, low s)."""
    state = active_member(ledger, account, role, role_name)
    check_signature(account, state, message, domain, signature, what)


def active_member(ledger: LedgerPort, account: str, role: int, role_name: str) -> MemberState:
    """``account``'s state on chain, when it is an active member with ``role``."""
    state = ledger.member_state(account)
    if state.status != "active" or not state.roles & role:
        raise NotPermitted(f"{account} is not an active {role_name}")
    return state


def check_signature(
    account: str, state: MemberState, message: Struct, domain: Domain, signature: bytes, what: str
) -> None:
    """``signature`` is the current key (in ``state``) of ``account`` over ``message`` (for
    several messages of one member, its state read once: :func:`active_member`)."""
    signer = recover_checksummed(message.digest(domain), bytes(signature))
    if signer is None:
        raise SignatureMismatch(f"{what} is malformed (65 bytes r, s, v; low s; v 27 or 28)")
    if signer != state.signing_key:
        raise SignatureMismatch(
            f"{what} is not {account}'s current key over this message (signed by {signer})"
        )


def check_deadline(deadline: int, clock: Callable[[], float]) -> None:
    if deadline < clock():
        raise InvalidRequest(
            "the signature's deadline has passed",
            [{"field": "deadline", "message": "in the past"}],
        )


def relay_or_conflict(
    ledger: LedgerPort, contract: str, function: str, args: list[object], what: str
) -> Anchored:
    """Relay a signed message; the chain's refusal is a :class:`Conflict` naming its error."""
    try:
        return ledger.relay(contract, function, args, what)
    except (ChainRefused, TransactionFailed) as exc:
        raise Conflict(str(exc)) from None


@dataclass(eq=False, repr=False)
class SignedRelay:
    """A service that relays messages members sign in one contract's EIP-712 domain
    (``contract``): the contract's own checks, made before the relay so that a bad message
    is a clear 4xx rather than a refused transaction. A subclass says where the domain and
    each account's next nonce come from."""

    contract: ClassVar[str]

    ledger: LedgerPort
    _: KW_ONLY
    clock: Callable[[], float] = time.time

    def domain(self) -> Domain:
        raise NotImplementedError

    def nonce(self, account: str) -> int:
        raise NotImplementedError

    def _check_signer(
        self, account: str, role: int, role_name: str, message: Struct, signature: bytes
    ) -> None:
        check_signer(self.ledger, account, role, role_name, message, self.domain(), signature)

    def _check_nonce(self, account: str, nonce: int) -> None:
        expected = self.nonce(account)
        if nonce != expected:
            raise Conflict(
                f"nonce {nonce} is not the next {self.contract} nonce of {account} "
                f"(expected {expected})"
            )

    def _check_deadline(self, deadline: int) -> None:
        check_deadline(deadline, self.clock)

    def _relay(self, function: str, args: list[object], what: str) -> Anchored:
        return relay_or_conflict(self.ledger, self.contract, function, args, what)
