"""EIP-712 messages of the CarbonLedger contracts, built and signed as the contracts check them.

Pure functions, no I/O. Every message is a frozen dataclass whose fields mirror the Solidity
struct (same names, same order); ``*_typed_data`` turns one into the ``full_message`` dict that
``eth_account`` signs, and :func:`sign_typed_data` signs such a dict with a private key.

Two EIP-712 domains exist, one per verifying contract:

* ``ClaimLedger`` (name ``"CarbonLedger ClaimLedger"``, version ``"1"``): :class:`Claim`,
  :class:`Audit`, :class:`Revocation`.
* ``OverlapSettlement`` (name ``"CarbonLedger OverlapSettlement"``, version ``"1"``):
  :class:`Consent`, :class:`Decline`, :class:`ReductionAttestation`, :class:`Citation`,
  :class:`Payment`; the settlement id is the EIP-712 struct hash of its :class:`SettlementTerms`
  (:func:`settlement_id`).

Every message carries the signer's next ``nonce`` (``nonces(account)`` on the verifying
contract; one sequential counter per account and contract) and a ``deadline`` (last valid unix
second). Byte values (``bytes32``) are :class:`bytes` of length 32; addresses are hex strings.

Claim identity: ``claim_id(firm, document_hash) == keccak256(abi.encode(firm, document_hash))``
(:func:`claim_id`), the same as ``ClaimLedger.computeClaimId``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = [
    "AUDIT_TYPES",
    "CITATION_TYPES",
    "CLAIM_LEDGER_NAME",
    "CLAIM_TYPES",
    "CONSENT_TYPES",
    "DECLINE_TYPES",
    "DOMAIN_TYPES",
    "DOMAIN_VERSION",
    "EIP712_TYPES",
    "OVERLAP_SETTLEMENT_NAME",
    "PAYMENT_TYPES",
    "REDUCTION_ATTESTATION_TYPES",
    "REVOCATION_TYPES",
    "TERMS_TYPES",
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
    "audit_typed_data",
    "citation_typed_data",
    "claim_digest",
    "claim_id",
    "claim_ledger_domain",
    "claim_typed_data",
    "consent_typed_data",
    "decline_typed_data",
    "gross_total",
    "overlap_settlement_domain",
    "pack_claim_details",
    "payment_typed_data",
    "reduction_attestation_typed_data",
    "revocation_typed_data",
    "settlement_id",
    "sign_typed_data",
    "terms_typed_data",
    "typed_data_digest",
    "unpack_claim_details",
]

CLAIM_LEDGER_NAME: Final = "CarbonLedger ClaimLedger"
OVERLAP_SETTLEMENT_NAME: Final = "CarbonLedger OverlapSettlement"
DOMAIN_VERSION: Final = "1"

TypeFields = list[dict[str, str]]
TypedData = dict[str, Any]


def _fields(spec: str) -> TypeFields:
    """``"address firm,uint8 kind"`` -> ``[{"name": "firm", "type": "address"}, ...]``."""
    out: TypeFields = []
    for part in spec.split(","):
        type_, name = part.strip().split(" ")
        out.append({"name": name, "type": type_})
    return out


CLAIM_TYPES: Final[dict[str, TypeFields]] = {
    "Claim": _fields(
        "address firm,uint8 kind,uint16 standardVersion,uint64 periodStart,uint64 periodEnd,"
        "bytes32 documentHash,bytes32 activityRoot,uint64 scope1,uint64 scope2Location,"
        "uint64 scope2Market,uint64 scope3,uint64 biogenic,bytes32 baseline,bytes32 supersedes,"
        "uint256 nonce,uint256 deadline"
    )
}
AUDIT_TYPES: Final[dict[str, TypeFields]] = {
    "Audit": _fields(
        "bytes32 claimId,address auditor,uint8 verdict,bytes32 reportHash,uint256 nonce,"
        "uint256 deadline"
    )
}
REVOCATION_TYPES: Final[dict[str, TypeFields]] = {
    "Revocation": _fields(
        "bytes32 claimId,address firm,bytes32 reasonHash,uint256 nonce,uint256 deadline"
    )
}
TERMS_TYPES: Final[dict[str, TypeFields]] = {
    "Terms": _fields(
        "address[] parties,uint16[] sharesBps,bytes32[] claimIds,uint64 overlapKgCO2e,"
        "bytes32 shipmentRoot,bytes32 projectHash,uint128 totalCost,bytes3 currency,"
        "uint64 expectedReductionKgCO2e,uint64 signingDeadline"
    )
}
CONSENT_TYPES: Final[dict[str, TypeFields]] = {
    "Consent": _fields("bytes32 settlementId,address party,uint256 nonce,uint256 deadline")
}
DECLINE_TYPES: Final[dict[str, TypeFields]] = {
    "Decline": _fields(
        "bytes32 settlementId,address party,bytes32 reasonHash,uint256 nonce,uint256 deadline"
    )
}
REDUCTION_ATTESTATION_TYPES: Final[dict[str, TypeFields]] = {
    "ReductionAttestation": _fields(
        "bytes32 settlementId,address auditor,uint64 realisedKgCO2e,bytes32 evidenceHash,"
        "uint256 nonce,uint256 deadline"
    )
}
CITATION_TYPES: Final[dict[str, TypeFields]] = {
    "Citation": _fields(
        "bytes32 settlementId,address party,bytes32 claimId,uint256 nonce,uint256 deadline"
    )
}
PAYMENT_TYPES: Final[dict[str, TypeFields]] = {
    "Payment": _fields(
        "bytes32 settlementId,address payer,uint128 amount,bytes32 referenceHash,uint256 nonce,"
        "uint256 deadline"
    )
}

DOMAIN_TYPES: Final[dict[str, TypeFields]] = {
    "EIP712Domain": _fields("string name,string version,uint256 chainId,address verifyingContract")
}
#: every struct above and the domain's, one dict (what ``GET /chain`` publishes for clients)
EIP712_TYPES: Final[dict[str, TypeFields]] = {
    **DOMAIN_TYPES,
    **CLAIM_TYPES,
    **AUDIT_TYPES,
    **REVOCATION_TYPES,
    **TERMS_TYPES,
    **CONSENT_TYPES,
    **DECLINE_TYPES,
    **REDUCTION_ATTESTATION_TYPES,
    **CITATION_TYPES,
    **PAYMENT_TYPES,
}

ZERO32: Final = b"\x00" * 32


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


def claim_ledger_domain(chain_id: int, address: str) -> Domain:
    """The domain of the ``ClaimLedger`` deployed at ``address``."""
    return Domain(CLAIM_LEDGER_NAME, chain_id, address)


def overlap_settlement_domain(chain_id: int, address: str) -> Domain:
    """The domain of the ``OverlapSettlement`` deployed at ``address``."""
    return Domain(OVERLAP_SETTLEMENT_NAME, chain_id, address)


def _b32(value: bytes) -> bytes:
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return bytes(value)


def _addr(value: str) -> str:
    return to_checksum_address(value)


class _Struct:
    """An EIP-712 struct: its message, and the same values as the contract's ABI tuple."""

    def message(self) -> dict[str, Any]:
        raise NotImplementedError

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple of the Solidity struct (the message's values, in field order)."""
        return tuple(self.message().values())


@dataclass(frozen=True)
class Claim(_Struct):
    """A footprint or reduction claim as its firm signs it (``IClaimLedger.Claim``).

    Totals are kgCO2e (``biogenic``: kg of biogenic CO2, reported apart). Periods are unix
    seconds, ``period_start`` inclusive, ``period_end`` exclusive.
    """

    firm: str
    kind: ClaimKind
    standard_version: int
    period_start: int
    period_end: int
    document_hash: bytes
    activity_root: bytes
    scope1: int
    scope2_location: int
    scope2_market: int
    scope3: int
    biogenic: int
    nonce: int
    deadline: int
    baseline: bytes = ZERO32
    supersedes: bytes = ZERO32

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (Solidity field names)."""
        return {
            "firm": _addr(self.firm),
            "kind": int(self.kind),
            "standardVersion": self.standard_version,
            "periodStart": self.period_start,
            "periodEnd": self.period_end,
            "documentHash": _b32(self.document_hash),
            "activityRoot": _b32(self.activity_root),
            "scope1": self.scope1,
            "scope2Location": self.scope2_location,
            "scope2Market": self.scope2_market,
            "scope3": self.scope3,
            "biogenic": self.biogenic,
            "baseline": _b32(self.baseline),
            "supersedes": _b32(self.supersedes),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }

    @property
    def claim_id(self) -> bytes:
        """The id the ledger gives this claim."""
        return claim_id(self.firm, self.document_hash)


@dataclass(frozen=True)
class Audit(_Struct):
    """An auditor's verdict on a claim (``IClaimLedger.Audit``)."""

    claim_id: bytes
    auditor: str
    verdict: AuditVerdict
    report_hash: bytes
    nonce: int
    deadline: int

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "claimId": _b32(self.claim_id),
            "auditor": _addr(self.auditor),
            "verdict": int(self.verdict),
            "reportHash": _b32(self.report_hash),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }


@dataclass(frozen=True)
class Revocation(_Struct):
    """A firm's revocation of one of its claims (``IClaimLedger.Revocation``)."""

    claim_id: bytes
    firm: str
    reason_hash: bytes
    nonce: int
    deadline: int

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "claimId": _b32(self.claim_id),
            "firm": _addr(self.firm),
            "reasonHash": _b32(self.reason_hash),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }


@dataclass(frozen=True)
class SettlementTerms(_Struct):
    """A settlement proposal (``IOverlapSettlement.Terms``); its struct hash is the settlement id.

    ``currency`` is the ISO-4217 code (three upper-case ASCII letters, e.g. ``"EUR"``);
    ``total_cost`` is in minor units of it; ``shares_bps`` sum to 10,000.
    """

    parties: tuple[str, ...]
    shares_bps: tuple[int, ...]
    claim_ids: tuple[bytes, ...]
    overlap_kg_co2e: int
    shipment_root: bytes
    project_hash: bytes
    total_cost: int
    currency: str
    expected_reduction_kg_co2e: int
    signing_deadline: int

    def currency_bytes(self) -> bytes:
        """The currency code as ``bytes3``."""
        raw = self.currency.encode("ascii")
        if len(raw) != 3:
            raise ValueError(f"currency must be 3 letters, got {self.currency!r}")
        return raw

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "parties": [_addr(p) for p in self.parties],
            "sharesBps": list(self.shares_bps),
            "claimIds": [_b32(c) for c in self.claim_ids],
            "overlapKgCO2e": self.overlap_kg_co2e,
            "shipmentRoot": _b32(self.shipment_root),
            "projectHash": _b32(self.project_hash),
            "totalCost": self.total_cost,
            "currency": self.currency_bytes(),
            "expectedReductionKgCO2e": self.expected_reduction_kg_co2e,
            "signingDeadline": self.signing_deadline,
        }


@dataclass(frozen=True)
class Consent(_Struct):
    """A party's signature that it agrees to a settlement (``IOverlapSettlement.Consent``)."""

    settlement_id: bytes
    party: str
    nonce: int
    deadline: int

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "settlementId": _b32(self.settlement_id),
            "party": _addr(self.party),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }


@dataclass(frozen=True)
class Decline(_Struct):
    """A party declining a proposed settlement (``IOverlapSettlement.Decline``)."""

    settlement_id: bytes
    party: str
    reason_hash: bytes
    nonce: int
    deadline: int

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "settlementId": _b32(self.settlement_id),
            "party": _addr(self.party),
            "reasonHash": _b32(self.reason_hash),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }


@dataclass(frozen=True)
class ReductionAttestation(_Struct):
    """An auditor's attestation of a realised reduction (``ReductionAttestation``)."""

    settlement_id: bytes
    auditor: str
    realised_kg_co2e: int
    evidence_hash: bytes
    nonce: int
    deadline: int

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "settlementId": _b32(self.settlement_id),
            "auditor": _addr(self.auditor),
            "realisedKgCO2e": self.realised_kg_co2e,
            "evidenceHash": _b32(self.evidence_hash),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }


@dataclass(frozen=True)
class Citation(_Struct):
    """A party citing its allocation in a reduction claim (``IOverlapSettlement.Citation``)."""

    settlement_id: bytes
    party: str
    claim_id: bytes
    nonce: int
    deadline: int

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "settlementId": _b32(self.settlement_id),
            "party": _addr(self.party),
            "claimId": _b32(self.claim_id),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }


@dataclass(frozen=True)
class Payment(_Struct):
    """A payer's record of a payment towards its cost share (``IOverlapSettlement.Payment``)."""

    settlement_id: bytes
    payer: str
    amount: int
    reference_hash: bytes
    nonce: int
    deadline: int

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "settlementId": _b32(self.settlement_id),
            "payer": _addr(self.payer),
            "amount": self.amount,
            "referenceHash": _b32(self.reference_hash),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }


def _typed(
    domain: Domain, types: dict[str, TypeFields], primary: str, message: dict[str, Any]
) -> TypedData:
    all_types: dict[str, TypeFields] = {**DOMAIN_TYPES, **types}
    return {
        "types": all_types,
        "primaryType": primary,
        "domain": domain.as_dict(),
        "message": message,
    }


def claim_typed_data(domain: Domain, claim: Claim) -> TypedData:
    """Typed data of a :class:`Claim` under the ``ClaimLedger`` domain."""
    return _typed(domain, CLAIM_TYPES, "Claim", claim.message())


def audit_typed_data(domain: Domain, audit: Audit) -> TypedData:
    """Typed data of an :class:`Audit` under the ``ClaimLedger`` domain."""
    return _typed(domain, AUDIT_TYPES, "Audit", audit.message())


def revocation_typed_data(domain: Domain, revocation: Revocation) -> TypedData:
    """Typed data of a :class:`Revocation` under the ``ClaimLedger`` domain."""
    return _typed(domain, REVOCATION_TYPES, "Revocation", revocation.message())


def terms_typed_data(domain: Domain, terms: SettlementTerms) -> TypedData:
    """Typed data of :class:`SettlementTerms` (hashed for the id, never signed itself)."""
    return _typed(domain, TERMS_TYPES, "Terms", terms.message())


def consent_typed_data(domain: Domain, consent: Consent) -> TypedData:
    """Typed data of a :class:`Consent` under the ``OverlapSettlement`` domain."""
    return _typed(domain, CONSENT_TYPES, "Consent", consent.message())


def decline_typed_data(domain: Domain, decline: Decline) -> TypedData:
    """Typed data of a :class:`Decline` under the ``OverlapSettlement`` domain."""
    return _typed(domain, DECLINE_TYPES, "Decline", decline.message())


def reduction_attestation_typed_data(
    domain: Domain, attestation: ReductionAttestation
) -> TypedData:
    """Typed data of a :class:`ReductionAttestation` under the ``OverlapSettlement`` domain."""
    return _typed(
        domain, REDUCTION_ATTESTATION_TYPES, "ReductionAttestation", attestation.message()
    )


def citation_typed_data(domain: Domain, citation: Citation) -> TypedData:
    """Typed data of a :class:`Citation` under the ``OverlapSettlement`` domain."""
    return _typed(domain, CITATION_TYPES, "Citation", citation.message())


def payment_typed_data(domain: Domain, payment: Payment) -> TypedData:
    """Typed data of a :class:`Payment` under the ``OverlapSettlement`` domain."""
    return _typed(domain, PAYMENT_TYPES, "Payment", payment.message())


def sign_typed_data(private_key: bytes | str, typed_data: TypedData) -> bytes:
    """Sign ``typed_data`` with ``private_key``; returns the 65-byte ``r || s || v`` signature."""
    signed = Account.sign_message(encode_typed_data(full_message=typed_data), private_key)
    return bytes(signed.signature)


def typed_data_digest(typed_data: TypedData) -> bytes:
    """The EIP-712 digest ``keccak256(0x1901 || domainSeparator || hashStruct(message))``."""
    signable = encode_typed_data(full_message=typed_data)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def claim_digest(domain: Domain, claim: Claim) -> bytes:
    """The digest a firm signs for ``claim`` (equals ``ClaimLedger.claimDigest``)."""
    return typed_data_digest(claim_typed_data(domain, claim))


def claim_id(firm: str, document_hash: bytes) -> bytes:
    """``keccak256(abi.encode(firm, documentHash))``, the ledger's claim id."""
    return keccak(abi_encode(["address", "bytes32"], [_addr(firm), _b32(document_hash)]))


def settlement_id(
    terms: SettlementTerms, chain_id: int = 1, address: str = "0x" + "00" * 20
) -> bytes:
    """The settlement id: the EIP-712 struct hash of ``terms`` (independent of the domain).

    ``chain_id`` and ``address`` only fill the domain that ``eth_account`` requires; they do
    not enter the struct hash.
    """
    typed = terms_typed_data(overlap_settlement_domain(chain_id, address), terms)
    return bytes(encode_typed_data(full_message=typed).body)


def gross_total(claim: Claim) -> int:
    """The gross total the ledger stores: ``scope1 + scope2_market + scope3`` (kgCO2e)."""
    return claim.scope1 + claim.scope2_market + claim.scope3


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


_U64: Final = (1 << 64) - 1


def unpack_claim_details(header: int, scopes: int) -> ClaimDetails:
    """Decode ``ClaimSubmitted``'s ``header`` and ``scopes`` (same as ``unpackClaimDetails``)."""
    return ClaimDetails(
        kind=ClaimKind(header & 0xFF),
        standard_version=(header >> 8) & 0xFFFF,
        period_start=(header >> 24) & _U64,
        period_end=(header >> 88) & _U64,
        biogenic=(header >> 152) & _U64,
        scope1=scopes & _U64,
        scope2_location=(scopes >> 64) & _U64,
        scope2_market=(scopes >> 128) & _U64,
        scope3=(scopes >> 192) & _U64,
    )


def pack_claim_details(claim: Claim) -> tuple[int, int]:
    """The ``(header, scopes)`` words the ledger emits for ``claim``."""
    header = (
        int(claim.kind)
        | claim.standard_version << 8
        | claim.period_start << 24
        | claim.period_end << 88
        | claim.biogenic << 152
    )
    scopes = (
        claim.scope1
        | claim.scope2_location << 64
        | claim.scope2_market << 128
        | claim.scope3 << 192
    )
    return header, scopes
