"""What the verifier reads: event topics, call selectors, calldata layout.

Independent of the compiled artifacts (an auditor needs no compiler): the Claim struct, its
type hash and its words come from :mod:`carbonledger.vocab`, the topics and selectors from
the signatures below; ``tests/verify/test_abi_and_core.py`` checks every signature here against
the compiled contracts and the real chain. Decoding is by slicing 32-byte words: every value
the verifier reads is static.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from carbonledger.standard import keccak256 as keccak
from carbonledger.vocab.constants import *  # noqa: F403
from carbonledger.vocab.structs import WORD, ZERO32, Claim, domain_separator

__all__ = ["WORD", "ZERO32", "domain_separator"]  # and the constants, for the verifier's core

CLAIM_TUPLE: Final = Claim.abi_type()
CLAIM_TYPE: Final = Claim.eip712_type()
CLAIM_TYPEHASH: Final = Claim.typehash()
CLAIM_WORDS: Final = len(Claim.spec())  # the Claim struct is 16 static words in calldata
CLAIM_BYTES: Final = CLAIM_WORDS * WORD

T = TypeVar("T")


def topic(signature: str) -> bytes:
    """The topic-0 hash of an event signature."""
    return keccak(signature.encode())


def selector(signature: str) -> bytes:
    """The 4-byte selector of a function signature."""
    return keccak(signature.encode())[:4]


# --- ClaimLedger events -----------------------------------------------------------------
EVENTS: Final[dict[str, str]] = {
    "ClaimSubmitted": "ClaimSubmitted(bytes32,address,bytes32,bytes32,uint256,uint256)",
    "ReductionBaselineLinked": "ReductionBaselineLinked(bytes32,address,bytes32)",
    "ClaimSuperseded": "ClaimSuperseded(bytes32,address,bytes32)",
    "ClaimRevoked": "ClaimRevoked(bytes32,address,bytes32)",
    "ClaimChecked": "ClaimChecked(bytes32,address,bool,bytes32)",
    "ClaimAudited": "ClaimAudited(bytes32,address,uint8,bytes32)",
}
T_SUBMITTED, T_LINKED, T_SUPERSEDED, T_REVOKED, T_CHECKED, T_AUDITED = (
    topic(signature) for signature in EVENTS.values()
)
#: Events indexed by (claimId, firm): the firm's own history.
FIRM_TOPICS: Final = (T_SUBMITTED, T_LINKED, T_SUPERSEDED, T_REVOKED)
#: Events indexed by (claimId, reviewer).
REVIEW_TOPICS: Final = (T_CHECKED, T_AUDITED)
CLAIM_TOPICS: Final = FIRM_TOPICS + REVIEW_TOPICS

# --- MemberRegistry events (topic 1 is always the member account) -------------------------
#: OverlapSettlement's citation of a party's allocation by one of its reduction claims.
ALLOCATION_CITED: Final = "AllocationCited(bytes32,address,bytes32,uint64,bytes32)"
T_ALLOCATION_CITED: Final = topic(ALLOCATION_CITED)

MEMBER_EVENTS: Final[dict[str, str]] = {
    "MemberAdmitted": "MemberAdmitted(address,bytes32,string,address,uint8)",
    "MemberRemoved": "MemberRemoved(address)",
    "MemberSuspended": "MemberSuspended(address)",
    "MemberReinstated": "MemberReinstated(address)",
    "MemberRolesChanged": "MemberRolesChanged(address,uint8,uint8)",
    "SigningKeyRotated": "SigningKeyRotated(address,address,address)",
}
MEMBER_TOPICS: Final = tuple(topic(signature) for signature in MEMBER_EVENTS.values())
T_ADMITTED, T_REMOVED, T_SUSPENDED, T_REINSTATED, T_ROLES, T_ROTATED = MEMBER_TOPICS

# --- ClaimRoots (root mode) ----------------------------------------------------------------
#: ``ClaimRoots.ClaimRootRecorded(root, relayer, count)``: topic 1 is the root.
ROOT_RECORDED: Final = "ClaimRootRecorded(bytes32,address,uint256)"
T_ROOT_RECORDED: Final = topic(ROOT_RECORDED)
#: ``ClaimLedger.claimRoots()``: the ClaimRoots contract the ledger deployed.
SEL_CLAIM_ROOTS: Final = selector("claimRoots()")

# --- functions ----------------------------------------------------------------------------
FUNCTIONS: Final[dict[str, str]] = {
    "submitClaim": f"submitClaim({CLAIM_TUPLE},bytes)",
    "submitClaims": f"submitClaims({CLAIM_TUPLE}[],bytes[])",
    "trySubmitClaims": f"trySubmitClaims({CLAIM_TUPLE}[],bytes[])",
    "claimOf": "claimOf(bytes32)",
    "memberRegistry": "memberRegistry()",
    "standardRegistry": "standardRegistry()",
    "DOMAIN_SEPARATOR": "DOMAIN_SEPARATOR()",
    "memberState": "memberState(address)",
    "signingKeyAt": "signingKeyAt(address,uint256)",
    "versionOf": "versionOf(uint16)",
}
(
    SEL_SUBMIT_CLAIM,
    SEL_SUBMIT_CLAIMS,
    SEL_TRY_SUBMIT_CLAIMS,
    SEL_CLAIM_OF,
    SEL_MEMBER_REGISTRY,
    SEL_STANDARD_REGISTRY,
    SEL_DOMAIN_SEPARATOR,
    SEL_MEMBER_STATE,
    SEL_SIGNING_KEY_AT,
    SEL_VERSION_OF,
) = (selector(signature) for signature in FUNCTIONS.values())


class AbiError(ValueError):
    """Bytes that do not decode as the expected ABI value."""


def word(data: bytes, index: int) -> int:
    """The ``index``-th 32-byte word of ``data`` as an unsigned integer."""
    start = index * WORD
    if start + WORD > len(data):
        raise AbiError(f"word {index} is past the end of {len(data)} bytes")
    return int.from_bytes(data[start : start + WORD], "big")


def address_of(word_bytes: bytes) -> str:
    """The address in a 32-byte word or topic, as lower-case ``0x`` hex."""
    return "0x" + word_bytes[-20:].hex()


def enc_address(address: str) -> bytes:
    """An address as an ABI word / topic."""
    raw = bytes.fromhex(address[2:] if address.startswith("0x") else address)
    if len(raw) != 20:
        raise AbiError(f"not a 20-byte address: {address}")
    return b"\x00" * 12 + raw


def enc_uint(value: int) -> bytes:
    return value.to_bytes(WORD, "big")


def typed_digest(domain_sep: bytes, struct_hash: bytes) -> bytes:
    """``keccak256(0x1901 || domainSeparator || structHash)``."""
    return keccak(b"\x19\x01" + domain_sep + struct_hash)


def _uint(word_bytes: bytes) -> int:
    return int.from_bytes(word_bytes, "big")


_CLAIM_INDEX: Final = {f.attr: i for i, f in enumerate(Claim.spec())}
#: the fields ``ClaimSubmitted`` packs into its ``header`` and ``scopes`` words
_PACKED_INDEX: Final = {name: _CLAIM_INDEX[name] for name, _ in Claim.HEADER + Claim.SCOPES}


class _ClaimWord(Generic[T]):
    """A field of :class:`SignedClaim`: the struct word at the field's place in ``Claim``'s
    declaration (the calldata layout), converted by ``convert``."""

    def __init__(self, convert: Callable[[bytes], T]) -> None:
        self._convert = convert
        self._index = -1

    def __set_name__(self, owner: type, name: str) -> None:
        self._index = _CLAIM_INDEX[name]

    def __get__(self, claim: SignedClaim, owner: type | None = None) -> T:
        start = self._index * WORD
        return self._convert(claim.raw[start : start + WORD])


@dataclass(frozen=True)
class SignedClaim:
    """One ``IClaimLedger.Claim`` as found in calldata, with the signature submitted with it.

    ``raw`` is the 16 calldata words of the struct: they are exactly the EIP-712 encoding of its
    fields (``ClaimLedger._hashClaim`` hashes the same bytes), so the struct hash is
    ``keccak256(CLAIM_TYPEHASH || raw)``.
    """

    raw: bytes
    signature: bytes

    firm = _ClaimWord(address_of)  # lower-case ``0x`` hex
    document_hash = _ClaimWord(bytes)
    activity_root = _ClaimWord(bytes)
    baseline = _ClaimWord(bytes)
    supersedes = _ClaimWord(bytes)
    nonce = _ClaimWord(_uint)
    deadline = _ClaimWord(_uint)

    @property
    def claim_id(self) -> bytes:
        """``keccak256(abi.encode(firm, documentHash))``."""
        return keccak(self.raw[0:32] + self.document_hash)

    def struct_hash(self) -> bytes:
        return keccak(CLAIM_TYPEHASH + self.raw)

    def packed_details(self) -> tuple[int, int]:
        """The ``(header, scopes)`` words ``ClaimSubmitted`` carries for this claim."""
        raw = self.raw
        values = {
            attr: int.from_bytes(raw[i * WORD : (i + 1) * WORD], "big")
            for attr, i in _PACKED_INDEX.items()
        }
        return Claim.pack_details(values)


def _bytes_at(args: bytes, offset: int) -> bytes:
    length = int.from_bytes(args[offset : offset + WORD], "big")
    start = offset + WORD
    if start + length > len(args):
        raise AbiError("a bytes value runs past the end of the calldata")
    return args[start : start + length]


def decode_submission(calldata: bytes) -> list[SignedClaim]:
    """The signed claims in a ``submitClaim`` / ``submitClaims`` / ``trySubmitClaims`` call.

    Raises :class:`AbiError` for any other call or malformed calldata.
    """
    sel, args = calldata[:4], calldata[4:]
    try:
        if sel == SEL_SUBMIT_CLAIM:
            if len(args) < CLAIM_BYTES + WORD:
                raise AbiError("submitClaim calldata is too short")
            sig_offset = word(args, CLAIM_WORDS)
            return [SignedClaim(args[:CLAIM_BYTES], _bytes_at(args, sig_offset))]
        if sel in (SEL_SUBMIT_CLAIMS, SEL_TRY_SUBMIT_CLAIMS):
            claims_at, sigs_at = word(args, 0), word(args, 1)
            n = int.from_bytes(args[claims_at : claims_at + WORD], "big")
            m = int.from_bytes(args[sigs_at : sigs_at + WORD], "big")
            if n != m:
                raise AbiError(f"{n} claims but {m} signatures")
            first = claims_at + WORD
            if first + n * CLAIM_BYTES > len(args):
                raise AbiError("the claims array runs past the end of the calldata")
            heads = sigs_at + WORD
            out: list[SignedClaim] = []
            for i in range(n):
                raw = args[first + i * CLAIM_BYTES : first + (i + 1) * CLAIM_BYTES]
                rel = int.from_bytes(args[heads + i * WORD : heads + (i + 1) * WORD], "big")
                out.append(SignedClaim(raw, _bytes_at(args, heads + rel)))
            return out
    except (IndexError, OverflowError) as exc:  # pragma: no cover - slicing does not raise
        raise AbiError(str(exc)) from exc
    raise AbiError(f"selector 0x{sel.hex()} is not a claim submission")


@dataclass(frozen=True)
class ClaimRecord:
    """``IClaimLedger.ClaimRecord`` as returned by ``claimOf``."""

    firm: str
    kind: int
    status: int
    check: int
    audit: int
    standard_version: int
    gross_total: int


#: ``claimOf``'s answer: the seven static words of a ``ClaimRecord``
RECORD_BYTES: Final = 7 * WORD


def decode_claim_record(data: bytes) -> ClaimRecord:
    if len(data) != RECORD_BYTES:
        raise AbiError(f"claimOf returned {len(data)} bytes, expected {RECORD_BYTES}")
    # kind, status, check, audit, standard_version, gross_total: words 1..6, in field order
    numbers = [int.from_bytes(data[i : i + WORD], "big") for i in range(WORD, RECORD_BYTES, WORD)]
    return ClaimRecord(address_of(data[0:32]), *numbers)


# --- many claimOf answers in one eth_call ---------------------------------------------------
#: claim records per :func:`claim_records_code`: its answer is returned as the code of the
#: contract it creates, which may not exceed 24,576 bytes (EIP-170): 109 records at most
RECORDS_PER_CALL: Final = 100

# the EVM opcodes the code below is written with
_PUSH1, _PUSH2, _PUSH4, _PUSH20, _PUSH32 = 0x60, 0x61, 0x63, 0x73, 0x7F
_SHL, _EQ, _AND, _MSTORE, _GAS, _STATICCALL = 0x1B, 0x14, 0x16, 0x52, 0x5A, 0xFA
_RETURNDATASIZE, _JUMPI, _JUMPDEST, _DUP1, _REVERT, _RETURN = 0x3D, 0x57, 0x5B, 0x80, 0xFD, 0xF3
_OUT: Final = 64  # where the answers are written in memory (the call's input is at 0..36)


def claim_records_code(ledger: str, claim_ids: Sequence[bytes]) -> bytes:
    """Init code that, run as a contract creation by ``eth_call`` (no ``to``), calls
    ``ledger.claimOf(id)`` for each of ``claim_ids`` (``STATICCALL``, in order) and returns
    their answers one after another, :data:`RECORD_BYTES` each; it reverts if any call fails
    or answers another size. One ``eth_call`` then stands for up to
    :data:`RECORDS_PER_CALL` of them: the node sets up its EVM once, not per claim (on anvil
    ~30 µs of the node's CPU per claim drop to ~3).

    Written out straight (no loop, one jump), so that it can be read against this
    docstring: per id, ``memory[4:36] = id`` (``memory[0:4]`` holds the selector),
    ``STATICCALL(gas, ledger, 0, 36, out, 224)``, and ``ok &= success &&
    returndatasize == 224``; at the end ``RETURN(64, 224 * n)`` if ``ok``, else
    ``REVERT``. ``claimOf`` reads storage only, whoever calls it."""
    n = len(claim_ids)
    if not 0 < n <= RECORDS_PER_CALL:
        raise ValueError(f"{n} claim ids: 1 to {RECORDS_PER_CALL} per call")
    target = bytes([_PUSH20]) + bytes.fromhex(ledger.removeprefix("0x"))
    size = bytes([_PUSH1, RECORD_BYTES])
    code = bytearray([_PUSH1, 1])  # ok
    code += bytes([_PUSH4]) + SEL_CLAIM_OF + bytes([_PUSH1, 224, _SHL, _PUSH1, 0, _MSTORE])
    for i, claim_id in enumerate(claim_ids):
        if len(claim_id) != WORD:
            raise ValueError("a claim id is 32 bytes")
        code += bytes([_PUSH32]) + claim_id + bytes([_PUSH1, 4, _MSTORE])
        code += size + bytes([_PUSH2]) + (_OUT + i * RECORD_BYTES).to_bytes(2, "big")
        code += bytes([_PUSH1, 36, _PUSH1, 0]) + target + bytes([_GAS, _STATICCALL])
        code += bytes([_RETURNDATASIZE]) + size + bytes([_EQ, _AND, _AND])
    done = len(code) + 8  # after: PUSH2 done, JUMPI, PUSH1 0, DUP1, REVERT
    code += bytes([_PUSH2]) + done.to_bytes(2, "big") + bytes([_JUMPI, _PUSH1, 0, _DUP1, _REVERT])
    code += bytes([_JUMPDEST, _PUSH2]) + (n * RECORD_BYTES).to_bytes(2, "big")
    code += bytes([_PUSH1, _OUT, _RETURN])
    return bytes(code)
