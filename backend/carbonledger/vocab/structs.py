"""The ledger's on-chain structs, each declared once; every encoding is derived from it.

A struct is a frozen dataclass whose fields are annotated with their Solidity type
(``Address``, ``Bytes32``, ``U64`` … below) in the Solidity struct's order. From that one
declaration :class:`Struct` derives

* the EIP-712 type string, type hash and ``types`` entry (:meth:`Struct.eip712_type`),
  the struct hash (:meth:`Struct.struct_hash`) and the digest a member signs
  (:meth:`Struct.digest`), computed here without eth_account;
* the ABI tuple type (:meth:`Struct.abi_type`) and values (:meth:`Struct.as_tuple`), and the
  static words a struct occupies in calldata (:meth:`Struct.words`, :meth:`Struct.from_words`);
* the JSON form the service stores and the API returns (:meth:`Struct.to_json`,
  :meth:`Struct.from_json`): snake-case names, bytes as ``0x`` hex.

Names: the struct's Solidity name (its EIP-712 primary type) is the class name unless the
class gives one (``class SettlementTerms(Struct, type_name="Terms")``); a field's Solidity
name is the Python name in camelCase unless a :class:`Sol` marker names it
(``overlapKgCO2e``); the JSON name is the Python name unless a :class:`Json` marker names it.
Pure: no I/O, no web3 (eth-abi and eth-utils only encode and hash).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Annotated, Any, ClassVar, Final, Self

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address as _checksum
from eth_utils.crypto import keccak

from carbonledger.vocab.hashing import keccak256

__all__ = [
    "CLAIM_LEDGER_NAME",
    "DOMAIN_VERSION",
    "OVERLAP_SETTLEMENT_NAME",
    "STRUCTS",
    "TARGET_REGISTRY_NAME",
    "WORD",
    "ZERO32",
    "Audit",
    "AuditVerdict",
    "Citation",
    "Claim",
    "ClaimDetails",
    "ClaimKind",
    "Consent",
    "Decline",
    "Domain",
    "Payment",
    "ReductionAttestation",
    "Revocation",
    "SettlementTerms",
    "Struct",
    "Target",
    "TargetKind",
    "TypedData",
    "b32",
    "checksum_address",
    "claim_id",
    "claim_ledger_domain",
    "domain_separator",
    "gross_total",
    "hx",
    "overlap_settlement_domain",
    "pack_claim_details",
    "settlement_id",
    "target_registry_domain",
    "unpack_claim_details",
]


@functools.lru_cache(maxsize=1 << 16)
def checksum_address(value: str | bytes) -> str:
    """:func:`eth_utils.to_checksum_address`, remembered: a consortium has few addresses
    and the claim pipeline turns the same ones into checksummed form several times per claim
    (a keccak each). ``ValueError`` for what is not an address, as before."""
    return _checksum(value)


to_checksum_address = checksum_address

CLAIM_LEDGER_NAME: Final = "CarbonLedger ClaimLedger"
OVERLAP_SETTLEMENT_NAME: Final = "CarbonLedger OverlapSettlement"
TARGET_REGISTRY_NAME: Final = "CarbonLedger TargetRegistry"
DOMAIN_VERSION: Final = "1"
ZERO32: Final = b"\x00" * 32
WORD: Final = 32

TypeFields = list[dict[str, str]]
TypedData = dict[str, Any]


@dataclass(frozen=True)
class Sol:
    """A field's Solidity type (and its Solidity name where camelCase does not give it)."""

    type: str
    name: str | None = None


@dataclass(frozen=True)
class Json:
    """A field's name in the JSON form, where it is not the Python name."""

    name: str


Address = Annotated[str, Sol("address")]
Bytes32 = Annotated[bytes, Sol("bytes32")]
U8 = Annotated[int, Sol("uint8")]
U16 = Annotated[int, Sol("uint16")]
U32 = Annotated[int, Sol("uint32")]
Bool = Annotated[bool, Sol("bool")]
U64 = Annotated[int, Sol("uint64")]
U128 = Annotated[int, Sol("uint128")]
U256 = Annotated[int, Sol("uint256")]


class ClaimKind(IntEnum):
    """``IClaimLedger.ClaimKind``."""

    FOOTPRINT = 0
    REDUCTION = 1


class AuditVerdict(IntEnum):
    """``IClaimLedger.AuditVerdict`` (``NONE`` is refused on chain)."""

    NONE = 0
    APPROVED = 1
    REJECTED = 2


@dataclass(frozen=True)
class Field:
    """One field of a struct: its Python, Solidity and JSON names, its types."""

    attr: str
    sol_type: str
    sol_name: str
    json_name: str
    py_type: Any  # the annotation without its markers (int, bytes, str, an IntEnum, tuple[...])


def hx(raw: bytes) -> str:
    """Bytes as ``0x`` hex (ids, hashes: the JSON form)."""
    return "0x" + bytes(raw).hex()


def b32(value: str) -> bytes:
    """``0x`` hex back to bytes (a ``bytes32`` id or hash)."""
    return bytes.fromhex(value.removeprefix("0x"))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _to_abi(sol_type: str, value: Any) -> Any:
    if sol_type.endswith("[]"):
        return [_to_abi(sol_type[:-2], v) for v in value]
    if sol_type == "address":
        return to_checksum_address(value)
    if sol_type == "bool":
        return bool(value)
    if sol_type.startswith("bytes"):
        raw = value.encode("ascii") if isinstance(value, str) else bytes(value)
        if len(raw) != int(sol_type[5:]):
            raise ValueError(f"expected {sol_type[5:]} bytes for {sol_type}, got {len(raw)}")
        return raw
    return int(value)


def _word(sol_type: str, value: Any) -> bytes:
    """One static value as its 32-byte ABI word (EIP-712 ``encodeData`` of an atomic value).

    Written out rather than through eth-abi: the claim pipeline and the verifier encode every
    claim's 16 words on their hot path. ``ValueError`` / ``OverflowError`` for a value the
    type cannot hold."""
    return _word_encoder(sol_type)(value)


def _address_word(value: Any) -> bytes:
    raw = bytes.fromhex(str(value).removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte address: {value}")
    return b"\x00" * 12 + raw


def _bool_word(value: Any) -> bytes:
    return int(bool(value)).to_bytes(WORD, "big")


@functools.cache
def _word_encoder(sol_type: str) -> typing.Callable[[Any], bytes]:
    """:func:`_word` for one type, its branches taken once per type instead of per value."""
    if sol_type == "address":
        return _address_word
    if sol_type == "bool":
        return _bool_word
    if sol_type.startswith("uint"):
        bits = int(sol_type[4:])

        def uint_word(value: Any) -> bytes:
            number = int(value)
            if number < 0 or number.bit_length() > bits:
                raise OverflowError(f"{number} does not fit a {sol_type}")
            return number.to_bytes(WORD, "big")

        return uint_word

    def bytes_word(value: Any) -> bytes:
        raw = _to_abi(sol_type, value)  # bytesN: length checked, padded on the right
        return bytes(raw) + b"\x00" * (WORD - len(raw))

    return bytes_word


def _from_abi(py_type: Any, value: Any) -> Any:
    if typing.get_origin(py_type) is tuple:
        (inner, _) = typing.get_args(py_type)
        return tuple(_from_abi(inner, v) for v in value)
    if py_type is str:
        return value.decode("ascii") if isinstance(value, bytes) else to_checksum_address(value)
    if py_type is bytes:
        return bytes(value)
    return py_type(value)


def _to_json(value: Any) -> Any:
    kind = type(value)
    if kind is int or kind is str:  # most fields: returned as they are, without the tests below
        return value
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, IntEnum):
        return int(value)
    return value


def _hex_bytes(value: Any) -> bytes:
    return bytes.fromhex(str(value).removeprefix("0x"))


def _from_json(py_type: Any, sol_type: str, value: Any) -> Any:
    if typing.get_origin(py_type) is tuple:
        (inner, _) = typing.get_args(py_type)
        return tuple(_from_json(inner, sol_type.removesuffix("[]"), v) for v in value)
    if py_type is bytes:
        return bytes.fromhex(str(value).removeprefix("0x"))
    if sol_type == "address":
        return to_checksum_address(str(value))
    if py_type is str:
        return str(value)
    return py_type(int(value))


class Struct:
    """Base of the declared structs; see the module docstring."""

    #: the Solidity struct's name (the EIP-712 primary type): see the module docstring
    TYPE_NAME: ClassVar[str]

    def __init_subclass__(cls, type_name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TYPE_NAME = type_name or cls.__name__

    @classmethod
    @functools.cache
    def spec(cls) -> tuple[Field, ...]:
        hints = typing.get_type_hints(cls, include_extras=True)
        out: list[Field] = []
        for f in fields(cls):  # type: ignore[arg-type]  # every Struct is a dataclass
            hint = hints[f.name]
            markers = getattr(hint, "__metadata__", ())
            sol = next(m for m in markers if isinstance(m, Sol) and m.type)
            sol_name = next((m.name for m in markers if isinstance(m, Sol) and m.name), None)
            json_name = next((m.name for m in markers if isinstance(m, Json)), f.name)
            py_type = typing.get_args(hint)[0] if markers else hint
            out.append(Field(f.name, sol.type, sol_name or _camel(f.name), json_name, py_type))
        return tuple(out)

    # --- EIP-712 ---
    @classmethod
    def eip712_fields(cls) -> TypeFields:
        """The ``types`` entry: ``[{"name": "firm", "type": "address"}, ...]``."""
        return [{"name": f.sol_name, "type": f.sol_type} for f in cls.spec()]

    @classmethod
    def eip712_type(cls) -> str:
        """``Claim(address firm,uint8 kind,...)``, as ``encodeType`` gives it."""
        inner = ",".join(f"{f.sol_type} {f.sol_name}" for f in cls.spec())
        return f"{cls.TYPE_NAME}({inner})"

    @classmethod
    @functools.cache
    def typehash(cls) -> bytes:
        return keccak(cls.eip712_type().encode())

    def message(self) -> dict[str, Any]:
        """The EIP-712 message: Solidity names, ABI values."""
        return {f.sol_name: _to_abi(f.sol_type, getattr(self, f.attr)) for f in self.spec()}

    @classmethod
    @functools.cache
    def _hash_plan(cls) -> tuple[tuple[str, typing.Callable[[Any], bytes], bool], ...]:
        """Per field: its attribute, the word encoder of its (item) type, whether an array."""
        return tuple(
            (f.attr, _word_encoder(f.sol_type.removesuffix("[]")), f.sol_type.endswith("[]"))
            for f in cls.spec()
        )

    def struct_hash(self) -> bytes:
        """EIP-712 ``hashStruct``: ``keccak256(typeHash || encodeData(s))``; an array field's
        word is the keccak of its items' words."""
        parts = [self.typehash()]
        for attr, encode, array in self._hash_plan():
            value = getattr(self, attr)
            parts.append(keccak256(b"".join(map(encode, value))) if array else encode(value))
        return keccak256(b"".join(parts))

    def digest(self, domain: Domain) -> bytes:
        """``keccak256(0x1901 || domainSeparator || hashStruct(s))``: what a member signs."""
        return keccak256(b"\x19\x01" + domain.separator() + self.struct_hash())

    @classmethod
    def digest_of_json(cls, data: Mapping[str, Any], domain: Domain) -> bytes:
        """:meth:`digest` of the struct whose JSON form is ``data``, without building it: a
        static struct's ``encodeData`` is its calldata words (:meth:`words_of_json`), so its
        hash is ``keccak256(typeHash || words)`` (the root builder hashes every stored claim
        this way). ``TypeError`` for a struct with an array field."""
        if any(array for _, _, array in cls._hash_plan()):
            raise TypeError(f"{cls.TYPE_NAME} is not a static struct")
        struct_hash = keccak256(cls.typehash() + cls.words_of_json(data))
        return keccak256(b"\x19\x01" + domain.separator() + struct_hash)

    def typed_data(self, domain: Domain) -> TypedData:
        """The ``eth_signTypedData_v4`` / eth_account ``full_message`` of this struct."""
        return {
            "types": {"EIP712Domain": EIP712_DOMAIN_FIELDS, self.TYPE_NAME: self.eip712_fields()},
            "primaryType": self.TYPE_NAME,
            "domain": domain.as_dict(),
            "message": self.message(),
        }

    # --- ABI ---
    @classmethod
    def abi_type(cls) -> str:
        """The tuple type: ``(address,uint8,...)``."""
        return "(" + ",".join(f.sol_type for f in cls.spec()) + ")"

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple of the Solidity struct (the message's values, in field order)."""
        return tuple(self.message().values())

    @classmethod
    def from_tuple(cls, values: tuple[Any, ...] | list[Any]) -> Self:
        kwargs = {f.attr: _from_abi(f.py_type, v) for f, v in zip(cls.spec(), values, strict=True)}
        return cls(**kwargs)

    def words(self) -> bytes:
        """The static struct's words in calldata, which are also its EIP-712 ``encodeData``
        (``ClaimLedger`` hashes these very bytes)."""
        return b"".join(_word(f.sol_type, getattr(self, f.attr)) for f in self.spec())

    @classmethod
    @functools.cache
    def _json_plan(cls) -> tuple[tuple[str, typing.Callable[[Any], bytes], bool], ...]:
        """Per field: its JSON name, its word encoder, whether its JSON form is hex bytes."""
        return tuple(
            (f.json_name, _word_encoder(f.sol_type), f.py_type is bytes) for f in cls.spec()
        )

    @classmethod
    def words_of_json(cls, data: Mapping[str, Any]) -> bytes:
        """:meth:`words` of the struct whose JSON form is ``data``, without building the
        struct (``cls.from_json(data).words()``, a third of the cost: the relayer encodes
        every stored claim this way, and root mode's worker hashes them)."""
        return b"".join(
            encode(_hex_bytes(data[name]) if hex_bytes else data[name])
            for name, encode, hex_bytes in cls._json_plan()
        )

    @classmethod
    def from_words(cls, raw: bytes) -> Self:
        (values,) = abi_decode([cls.abi_type()], bytes(raw))
        return cls.from_tuple(values)

    # --- JSON ---
    def to_json(self) -> dict[str, Any]:
        """The JSON form (snake-case names, bytes as ``0x`` hex, enums as numbers)."""
        return {f.json_name: _to_json(getattr(self, f.attr)) for f in self.spec()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        kwargs = {f.attr: _from_json(f.py_type, f.sol_type, data[f.json_name]) for f in cls.spec()}
        return cls(**kwargs)


EIP712_DOMAIN_FIELDS: Final[TypeFields] = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
DOMAIN_TYPEHASH: Final = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)


@dataclass(frozen=True)
class Domain:
    """An EIP-712 domain: the verifying contract on one chain."""

    name: str
    chain_id: int
    verifying_contract: str
    version: str = DOMAIN_VERSION

    def as_dict(self) -> dict[str, Any]:
        """The ``domain`` entry of a typed-data dict."""
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }

    def separator(self) -> bytes:
        """The domain separator (OpenZeppelin ``EIP712._buildDomainSeparator``)."""
        return domain_separator(self.chain_id, self.verifying_contract, self.name, self.version)


@functools.cache
def domain_separator(chain_id: int, verifying_contract: str, name: str, version: str) -> bytes:
    return keccak(
        DOMAIN_TYPEHASH
        + keccak(name.encode())
        + keccak(version.encode())
        + abi_encode(["uint256", "address"], [chain_id, to_checksum_address(verifying_contract)])
    )


def claim_ledger_domain(chain_id: int, address: str) -> Domain:
    """The domain of the ``ClaimLedger`` deployed at ``address``."""
    return Domain(CLAIM_LEDGER_NAME, chain_id, address)


def overlap_settlement_domain(chain_id: int, address: str) -> Domain:
    """The domain of the ``OverlapSettlement`` deployed at ``address``."""
    return Domain(OVERLAP_SETTLEMENT_NAME, chain_id, address)


def claim_id(firm: str, document_hash: bytes) -> bytes:
    """``keccak256(abi.encode(firm, documentHash))``, the ledger's claim id (the two words
    written out, as :meth:`Struct.struct_hash` does: this runs several times per claim)."""
    if not isinstance(document_hash, bytes | bytearray) or len(document_hash) > WORD:
        raise ValueError(f"a bytes32 document hash is at most {WORD} bytes")
    word = bytes(document_hash) + b"\x00" * (WORD - len(document_hash))
    return keccak256(_word("address", checksum_address(firm)) + word)


# --- ClaimLedger ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Claim(Struct):
    """A footprint or reduction claim as its firm signs it (``IClaimLedger.Claim``).

    Totals are kgCO2e (``biogenic``: kg of biogenic CO2, reported apart). Periods are unix
    seconds, ``period_start`` inclusive, ``period_end`` exclusive.
    """

    firm: Address
    kind: Annotated[ClaimKind, Sol("uint8")]
    standard_version: U16
    period_start: U64
    period_end: U64
    document_hash: Bytes32
    activity_root: Bytes32
    scope1: U64
    scope2_location: U64
    scope2_market: U64
    scope3: U64
    biogenic: U64
    baseline: Bytes32 = ZERO32
    supersedes: Bytes32 = ZERO32
    nonce: U256
    deadline: U256

    #: the two words ``ClaimSubmitted`` packs the claim's details into: (field, bits), from
    #: the lowest bits up (``ClaimLedger``'s ``_header`` / ``_scopes``)
    HEADER: ClassVar[tuple[tuple[str, int], ...]] = (
        ("kind", 8),
        ("standard_version", 16),
        ("period_start", 64),
        ("period_end", 64),
        ("biogenic", 64),
    )
    SCOPES: ClassVar[tuple[tuple[str, int], ...]] = (
        ("scope1", 64),
        ("scope2_location", 64),
        ("scope2_market", 64),
        ("scope3", 64),
    )

    @property
    def claim_id(self) -> bytes:
        """The id the ledger gives this claim."""
        return claim_id(self.firm, self.document_hash)

    @property
    def gross_total(self) -> int:
        """What the ledger stores: ``scope1 + scope2_market + scope3`` (kgCO2e)."""
        return self.scope1 + self.scope2_market + self.scope3

    def packed_details(self) -> tuple[int, int]:
        """The ``(header, scopes)`` words the ledger emits for this claim."""
        names = [name for name, _ in self.HEADER + self.SCOPES]
        return self.pack_details({name: int(getattr(self, name)) for name in names})

    @classmethod
    def pack_details(cls, values: Mapping[str, int]) -> tuple[int, int]:
        """``(header, scopes)`` of the field values in ``values`` (by Python name)."""
        return _pack(values, cls.HEADER), _pack(values, cls.SCOPES)


def _pack(values: Mapping[str, int], layout: tuple[tuple[str, int], ...]) -> int:
    word, shift = 0, 0
    for name, bits in layout:
        word |= values[name] << shift
        shift += bits
    return word


def _unpack(word: int, layout: tuple[tuple[str, int], ...]) -> dict[str, int]:
    out, shift = {}, 0
    for name, bits in layout:
        out[name] = (word >> shift) & ((1 << bits) - 1)
        shift += bits
    return out


@dataclass(frozen=True)
class ClaimDetails:
    """The packed ``header`` and ``scopes`` words of the ``ClaimSubmitted`` event, decoded."""

    kind: ClaimKind
    standard_version: int
    period_start: int
    period_end: int
    biogenic: int
    scope1: int
    scope2_location: int
    scope2_market: int
    scope3: int


def unpack_claim_details(header: int, scopes: int) -> ClaimDetails:
    """Decode ``ClaimSubmitted``'s ``header`` and ``scopes`` (same as ``unpackClaimDetails``)."""
    values = {**_unpack(header, Claim.HEADER), **_unpack(scopes, Claim.SCOPES)}
    kind = ClaimKind(values.pop("kind"))
    return ClaimDetails(kind=kind, **values)


def pack_claim_details(claim: Claim) -> tuple[int, int]:
    """The ``(header, scopes)`` words the ledger emits for ``claim``."""
    return claim.packed_details()


@dataclass(frozen=True)
class Audit(Struct):
    """An auditor's verdict on a claim (``IClaimLedger.Audit``)."""

    claim_id: Bytes32
    auditor: Address
    verdict: Annotated[AuditVerdict, Sol("uint8")]
    report_hash: Bytes32
    nonce: U256
    deadline: U256


@dataclass(frozen=True)
class Revocation(Struct):
    """A firm's revocation of one of its claims (``IClaimLedger.Revocation``)."""

    claim_id: Bytes32
    firm: Address
    reason_hash: Bytes32
    nonce: U256
    deadline: U256


# --- OverlapSettlement ---------------------------------------------------------------------
@dataclass(frozen=True)
class SettlementTerms(Struct, type_name="Terms"):
    """A settlement proposal (``IOverlapSettlement.Terms``); its struct hash is the settlement id.

    ``currency`` is the ISO-4217 code (three upper-case ASCII letters, e.g. ``"EUR"``);
    ``total_cost`` is in minor units of it; ``shares_bps`` sum to 10,000.
    """

    parties: Annotated[tuple[str, ...], Sol("address[]")]
    shares_bps: Annotated[tuple[int, ...], Sol("uint16[]")]
    claim_ids: Annotated[tuple[bytes, ...], Sol("bytes32[]")]
    overlap_kg_co2e: Annotated[int, Sol("uint64", "overlapKgCO2e"), Json("overlap_kgco2e")]
    shipment_root: Bytes32
    project_hash: Bytes32
    total_cost: U128
    currency: Annotated[str, Sol("bytes3")]
    expected_reduction_kg_co2e: Annotated[
        int, Sol("uint64", "expectedReductionKgCO2e"), Json("expected_reduction_kgco2e")
    ]
    signing_deadline: U64

    def currency_bytes(self) -> bytes:
        """The currency code as ``bytes3``."""
        raw = self.currency.encode("ascii")
        if len(raw) != 3:
            raise ValueError(f"currency must be 3 letters, got {self.currency!r}")
        return raw

    @property
    def settlement_id(self) -> bytes:
        """The struct hash (independent of any domain)."""
        return self.struct_hash()


@dataclass(frozen=True)
class Consent(Struct):
    """A party's signature that it agrees to a settlement (``IOverlapSettlement.Consent``)."""

    settlement_id: Bytes32
    party: Address
    nonce: U256
    deadline: U256


@dataclass(frozen=True)
class Decline(Struct):
    """A party declining a proposed settlement (``IOverlapSettlement.Decline``)."""

    settlement_id: Bytes32
    party: Address
    reason_hash: Bytes32
    nonce: U256
    deadline: U256


@dataclass(frozen=True)
class ReductionAttestation(Struct):
    """An auditor's attestation of a realised reduction (``ReductionAttestation``)."""

    settlement_id: Bytes32
    auditor: Address
    realised_kg_co2e: Annotated[int, Sol("uint64", "realisedKgCO2e")]
    evidence_hash: Bytes32
    nonce: U256
    deadline: U256


@dataclass(frozen=True)
class Citation(Struct):
    """A party citing its allocation in a reduction claim (``IOverlapSettlement.Citation``)."""

    settlement_id: Bytes32
    party: Address
    claim_id: Bytes32
    nonce: U256
    deadline: U256


@dataclass(frozen=True)
class Payment(Struct):
    """A payer's record of a payment towards its cost share (``IOverlapSettlement.Payment``)."""

    settlement_id: Bytes32
    payer: Address
    amount: U128
    reference_hash: Bytes32
    nonce: U256
    deadline: U256


# --- TargetRegistry ------------------------------------------------------------------------
class TargetKind(IntEnum):
    """``ITargetRegistry.TargetKind`` (SBTi-style)."""

    NEAR_TERM = 0
    NET_ZERO = 1


@dataclass(frozen=True)
class Target(Struct):
    """A firm's signed reduction target (``ITargetRegistry.Target``); its struct hash is its id.

    ``coverage``: bits 0-2 scopes 1-3, bit ``2 + c`` Scope 3 category ``c`` (1..15)."""

    firm: Address
    base_claim_id: Bytes32
    base_year: U16
    target_year: U16
    reduction_bps: U16
    kind: U8
    coverage: U32
    audited_only: Bool
    document_hash: Bytes32
    nonce: U256
    deadline: U256

    @staticmethod
    def coverage_bits(scopes: tuple[int, ...], categories: tuple[int, ...] = ()) -> int:
        """The ``coverage`` flags of ``scopes`` (1..3) and Scope 3 ``categories`` (1..15)."""
        return sum(1 << (s - 1) for s in set(scopes)) + sum(1 << (2 + c) for c in set(categories))

    @staticmethod
    def coverage_of(bits: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """``(scopes, categories)`` back from ``coverage`` flags."""
        scopes = tuple(s for s in (1, 2, 3) if bits >> (s - 1) & 1)
        return scopes, tuple(c for c in range(1, 16) if bits >> (2 + c) & 1)


def target_registry_domain(chain_id: int, address: str) -> Domain:
    """The domain of the ``TargetRegistry`` deployed at ``address``."""
    return Domain(TARGET_REGISTRY_NAME, chain_id, address)


#: every struct and the contract whose domain signs (or hashes) it
STRUCTS: Final[dict[type[Struct], str]] = {
    Claim: "ClaimLedger",
    Audit: "ClaimLedger",
    Revocation: "ClaimLedger",
    SettlementTerms: "OverlapSettlement",
    Consent: "OverlapSettlement",
    Decline: "OverlapSettlement",
    ReductionAttestation: "OverlapSettlement",
    Citation: "OverlapSettlement",
    Payment: "OverlapSettlement",
    Target: "TargetRegistry",
}


def settlement_id(terms: SettlementTerms, *_domain: object) -> bytes:
    """The settlement id: the EIP-712 struct hash of ``terms`` (independent of the domain)."""
    return terms.struct_hash()


def gross_total(claim: Claim) -> int:
    """The gross total the ledger stores: ``scope1 + scope2_market + scope3`` (kgCO2e)."""
    return claim.gross_total
