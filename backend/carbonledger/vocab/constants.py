"""Roles, statuses and limits of the ledger contracts, as the interfaces declare them.

Enum names are indexed by their Solidity value (``CLAIM_STATUS_NAMES[2] == "superseded"``).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACCEPTED",
    "ADMIN_ROLE",
    "ANCHORED",
    "AUDITOR_ROLE",
    "CHECKED",
    "CHECKER_ROLE",
    "CHECK_NAMES",
    "CLAIM_ACTIVE",
    "CLAIM_REVOKED",
    "CLAIM_STATES",
    "CLAIM_STATUS_NAMES",
    "CLAIM_SUPERSEDED",
    "FIRM_ROLE",
    "KIND_NAMES",
    "MAX_U64",
    "MAX_U128",
    "MEMBER_ACTIVE",
    "MEMBER_STATUS_NAMES",
    "REFUSED",
    "RELAYER_ROLE",
    "ROLE_BITS",
    "SECP256K1_N",
    "SETTLEMENT_STATUS_NAMES",
    "VERDICT_NAMES",
    "VERSION_STATUS_NAMES",
    "ZERO_ADDRESS",
    "name_of",
    "role_bits",
    "roles_of",
]

# --- IMemberRegistry roles (bit flags) ------------------------------------------------------
ADMIN_ROLE: Final = 1 << 0
FIRM_ROLE: Final = 1 << 1
AUDITOR_ROLE: Final = 1 << 2
CHECKER_ROLE: Final = 1 << 3
RELAYER_ROLE: Final = 1 << 4
ROLE_BITS: Final[dict[str, int]] = {
    "admin": ADMIN_ROLE,
    "firm": FIRM_ROLE,
    "auditor": AUDITOR_ROLE,
    "checker": CHECKER_ROLE,
    "relayer": RELAYER_ROLE,
}

# --- enums, indexed by value ----------------------------------------------------------------
KIND_NAMES: Final = ("footprint", "reduction")
CLAIM_STATUS_NAMES: Final = ("none", "active", "superseded", "revoked")
CHECK_NAMES: Final = ("none", "passed", "failed")
VERDICT_NAMES: Final = ("none", "approved", "rejected")
MEMBER_STATUS_NAMES: Final = ("none", "active", "suspended", "removed")
VERSION_STATUS_NAMES: Final = ("none", "active", "retired")
SETTLEMENT_STATUS_NAMES: Final = ("none", "proposed", "agreed", "declined", "settled", "expired")
CLAIM_ACTIVE, CLAIM_SUPERSEDED, CLAIM_REVOKED = 1, 2, 3
MEMBER_ACTIVE: Final = 1

# --- a claim's state in the service, as the API shows it ------------------------------------
#: accepted (stored, on its way to the chain), anchored (on chain, or under a recorded root),
#: checked (its check recorded on chain), refused (the chain refused it)
ACCEPTED: Final = "accepted"
ANCHORED: Final = "anchored"
CHECKED: Final = "checked"
REFUSED: Final = "refused"
CLAIM_STATES: Final = (ACCEPTED, ANCHORED, CHECKED, REFUSED)

# --- limits ---------------------------------------------------------------------------------
MAX_U64: Final = (1 << 64) - 1
MAX_U128: Final = (1 << 128) - 1
#: the secp256k1 group order (signatures need s <= n / 2, OpenZeppelin ECDSA)
SECP256K1_N: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ZERO_ADDRESS: Final = "0x" + "00" * 20


def name_of(names: tuple[str, ...], value: int) -> str:
    """The name of an enum value, ``"none"`` for one the names do not know."""
    return names[value] if 0 <= value < len(names) else "none"


def roles_of(bits: int) -> tuple[str, ...]:
    """The role names in a role bit set."""
    return tuple(name for name, bit in ROLE_BITS.items() if bits & bit)


def role_bits(roles: list[str] | tuple[str, ...]) -> int:
    """The role bit set of role names (each a key of :data:`ROLE_BITS`)."""
    bits = 0
    for role in roles:
        bits |= ROLE_BITS[role]
    return bits
