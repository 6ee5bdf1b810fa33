"""The service's EIP-712 digest of a claim (the verifier's hand-written encoding) is the one
eth-account computes from the typed data, and recovers the signer the same way."""

from __future__ import annotations

import pytest
from eth_account import Account

from carbonledger.chain.typed_data import (
    Claim,
    ClaimKind,
    claim_digest,
    claim_ledger_domain,
    claim_typed_data,
    sign_typed_data,
)
from carbonledger.standard import keccak256
from carbonledger.verify import abi
from carbonledger.verify.core import recover_signer

DOMAIN = claim_ledger_domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")


def _claim(**changes: object) -> Claim:
    values: dict[str, object] = {
        "firm": "0x8ba1f109551bD432803012645Ac136ddd64DBA72",
        "kind": ClaimKind.REDUCTION,
        "standard_version": 3,
        "period_start": 1_704_067_200,
        "period_end": 1_735_689_600,
        "document_hash": bytes(range(32)),
        "activity_root": bytes(range(32, 64)),
        "scope1": 12_345,
        "scope2_location": 2**64 - 1,
        "scope2_market": 0,
        "scope3": 987_654_321,
        "biogenic": 7,
        "nonce": 2**200,
        "deadline": 1_800_000_000,
        "baseline": b"\xbb" * 32,
        "supersedes": b"\x5e" * 32,
    }
    values.update(changes)
    return Claim(**values)  # type: ignore[arg-type]


def _digest(claim: Claim) -> bytes:
    separator = abi.domain_separator(
        DOMAIN.chain_id, str(DOMAIN.verifying_contract), DOMAIN.name, DOMAIN.version
    )
    return abi.typed_digest(separator, keccak256(abi.CLAIM_TYPEHASH + claim.words()))


@pytest.mark.parametrize(
    "claim",
    [_claim(), _claim(kind=ClaimKind.FOOTPRINT, baseline=b"\0" * 32, supersedes=b"\0" * 32)],
    ids=["reduction-amending", "footprint"],
)
def test_the_claim_digest_is_the_typed_data_digest_and_recovers_its_signer(claim: Claim) -> None:
    assert _digest(claim) == claim_digest(DOMAIN, claim)
    signer = Account.create()
    signature = sign_typed_data(bytes(signer.key), claim_typed_data(DOMAIN, claim))
    assert recover_signer(_digest(claim), signature) == signer.address.lower()


def test_every_field_of_the_claim_is_in_its_digest() -> None:
    base = _claim()
    for field, other in [("scope3", 1), ("nonce", 1), ("supersedes", b"\0" * 32), ("kind", 0)]:
        assert _digest(_claim(**{field: other})) != _digest(base), field


def test_a_bytes32_field_of_another_length_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        _claim(supersedes=b"\x01" * 20).words()
