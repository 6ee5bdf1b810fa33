"""Members, roles and the authenticated principal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from eth_utils.address import is_address, to_checksum_address

from carbonledger.auth.errors import (
    MalformedRequest,
    MemberNotActive,
    MemberRemoved,
    MemberSuspended,
)
from carbonledger.vocab import ROLE_BITS


class Role(StrEnum):
    """The consortium roles; the bit values are those of ``Roles`` in IMemberRegistry.sol."""

    ADMIN = "admin"
    FIRM = "firm"
    AUDITOR = "auditor"
    CHECKER = "checker"
    RELAYER = "relayer"

    @property
    def bit(self) -> int:
        return _ROLE_BITS[self]


_ROLE_BITS = {role: ROLE_BITS[role.value] for role in Role}


def roles_from_bits(bits: int) -> frozenset[Role]:
    """The roles of a MemberRegistry ``uint8 roles`` value (unknown bits are ignored)."""
    return frozenset(role for role, bit in _ROLE_BITS.items() if bits & bit)


def roles_to_bits(roles: Iterable[Role]) -> int:
    """The MemberRegistry ``uint8 roles`` value of a set of roles."""
    bits = 0
    for role in roles:
        bits |= Role(role).bit
    return bits


class MemberStatus(StrEnum):
    """A member's lifecycle (MemberRegistry's ``MemberStatus`` without ``None``)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REMOVED = "removed"


@dataclass(frozen=True)
class Member:
    """A consortium member as the MemberRegistry knows it.

    ``account`` is the member's identity (its registry address); ``signing_key`` the address
    of the key it currently signs with.
    """

    account: str
    signing_key: str
    status: MemberStatus
    roles: frozenset[Role]
    name: str = ""

    def require_active(self) -> Member:
        """This member if it is active: :class:`MemberSuspended`, :class:`MemberRemoved` or
        :class:`MemberNotActive` (403) if it is not."""
        if self.status is MemberStatus.SUSPENDED:
            raise MemberSuspended(self.account)
        if self.status is MemberStatus.REMOVED:
            raise MemberRemoved(self.account)
        if self.status is not MemberStatus.ACTIVE:
            raise MemberNotActive(self.account, str(self.status))
        return self


@dataclass(frozen=True)
class Principal:
    """An authenticated member, as a request handler sees it."""

    account: str
    key_address: str
    roles: frozenset[Role]
    expires_at: int

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles


def checksum_address(value: str, what: str = "address") -> str:
    """``value`` as an EIP-55 checksum address; :class:`MalformedRequest` if it is not one."""
    if not isinstance(value, str) or not is_address(value):
        raise MalformedRequest(f"{what} {str(value)[:60]!r} is not an Ethereum address")
    return to_checksum_address(value)
