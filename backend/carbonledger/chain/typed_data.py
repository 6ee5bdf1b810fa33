"""EIP-712 typed data of the CarbonLedger contracts, signed as the contracts check them.

The structs, domains and hashes are declared in :mod:`carbonledger.vocab` (re-exported here
for the chain adapter's callers); this module adds only signing with eth_account, the way a
wallet signs ``eth_signTypedData_v4``. Two domains exist, one per verifying contract:
``ClaimLedger`` (Claim, Audit, Revocation) and ``OverlapSettlement`` (Consent, Decline,
ReductionAttestation, Citation, Payment; the settlement id is the struct hash of its Terms).
"""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from carbonledger.vocab import structs
from carbonledger.vocab.structs import *  # noqa: F403
from carbonledger.vocab.structs import EIP712_DOMAIN_FIELDS, Claim, Domain, Struct, TypedData

__all__ = [
    *structs.__all__,
    "audit_typed_data",
    "citation_typed_data",
    "claim_digest",
    "claim_typed_data",
    "consent_typed_data",
    "decline_typed_data",
    "eip712_types",
    "payment_typed_data",
    "reduction_attestation_typed_data",
    "revocation_typed_data",
    "sign_typed_data",
    "terms_typed_data",
    "typed_data",
    "typed_data_digest",
]


def typed_data(domain: Domain, struct: Struct) -> TypedData:
    """Typed data of any declared struct under ``domain``."""
    return struct.typed_data(domain)


# One name per struct, as callers and the docs know them; all the same derivation.
claim_typed_data = audit_typed_data = revocation_typed_data = terms_typed_data = typed_data
consent_typed_data = decline_typed_data = reduction_attestation_typed_data = typed_data
citation_typed_data = payment_typed_data = typed_data


def sign_typed_data(private_key: bytes | str, typed: TypedData) -> bytes:
    """Sign ``typed`` with ``private_key``; returns the 65-byte ``r || s || v`` signature."""
    signed = Account.sign_message(encode_typed_data(full_message=typed), private_key)
    return bytes(signed.signature)


def typed_data_digest(typed: TypedData) -> bytes:
    """The EIP-712 digest ``keccak256(0x1901 || domainSeparator || hashStruct(message))``."""
    signable = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def claim_digest(domain: Domain, claim: Claim) -> bytes:
    """The digest a firm signs for ``claim`` (equals ``ClaimLedger.claimDigest``), as a
    wallet computes it from the typed data: a second derivation beside ``Claim.digest``."""
    return typed_data_digest(claim.typed_data(domain))


def eip712_types() -> dict[str, list[dict[str, str]]]:
    """Every declared struct's ``types`` entry and the domain's, in one dict (what
    ``GET /chain`` publishes, so a client signs with the service's own definitions)."""
    return {
        "EIP712Domain": list(EIP712_DOMAIN_FIELDS),
        **{struct.TYPE_NAME: struct.eip712_fields() for struct in structs.STRUCTS},
    }
