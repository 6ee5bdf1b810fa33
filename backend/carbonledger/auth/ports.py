"""The authentication package's ports and their in-memory fakes.

* :class:`MembershipPort` -- who is a member, with which key, roles and status. The lead
  implements it over the MemberRegistry contract; :class:`InMemoryMembership` is the fake.
* :class:`NonceStore` -- which login challenges were already used (single-use). The real one
  is :class:`carbonledger.auth.sql.SqlNonceStore`; :class:`InMemoryNonceStore` is the fake.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from carbonledger.auth.model import Member, checksum_address


class MembershipPort(Protocol):
    """Read access to the consortium's membership."""

    def member_of(self, key_address: str) -> Member | None:
        """The member whose *current* signing key is ``key_address`` (any status), or ``None``.

        ``key_address`` is an EIP-55 checksum address. A key that was rotated away from
        gives ``None``.
        """
        ...


class NonceStore(Protocol):
    """Single-use bookkeeping of login challenge nonces."""

    def consume(self, nonce: bytes, expires_at: int) -> bool:
        """Mark ``nonce`` used; ``True`` the first time, ``False`` ever after (atomically).

        ``expires_at`` tells how long the record must be kept: after it, the challenge is
        refused as expired anyway.
        """
        ...

    def purge_expired(self, now: int) -> int:
        """Forget nonces whose challenge expired before ``now``; the number forgotten."""
        ...


class InMemoryMembership:
    """A :class:`MembershipPort` over a list of members (tests, demos)."""

    def __init__(self, members: Iterable[Member] = ()) -> None:
        self._by_key: dict[str, Member] = {}
        for member in members:
            self.put(member)

    def put(self, member: Member) -> None:
        """Add or replace a member (replacing also drops its previous key)."""
        self._by_key = {k: m for k, m in self._by_key.items() if m.account != member.account}
        self._by_key[checksum_address(member.signing_key)] = member

    def member_of(self, key_address: str) -> Member | None:
        return self._by_key.get(key_address)


class InMemoryNonceStore:
    """A :class:`NonceStore` in a dictionary (one process only)."""

    def __init__(self) -> None:
        self.used: dict[bytes, int] = {}

    def consume(self, nonce: bytes, expires_at: int) -> bool:
        if nonce in self.used:
            return False
        self.used[nonce] = expires_at
        return True

    def purge_expired(self, now: int) -> int:
        stale = [nonce for nonce, expires_at in self.used.items() if expires_at < now]
        for nonce in stale:
            del self.used[nonce]
        return len(stale)
