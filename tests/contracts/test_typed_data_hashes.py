"""The contracts' own EIP-712 hashing views agree with the off-chain signer's typed data.

Each signed struct has a ``hash<Struct>`` view returning its EIP-712 struct hash; with the
contract's ``DOMAIN_SEPARATOR`` it gives the digest a signer signs. Every expected value is
derived by ``carbonledger.chain.typed_data`` (eth-account's EIP-712 encoder), never copied
from the contract.
"""

from __future__ import annotations

from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from carbonledger.chain import typed_data as td
from tests.contracts.ledger import (
    Ledger,
    attestation,
    citation,
    consent,
    decline,
    h,
    payment,
    terms_for,
)


def _struct_hash(typed: td.TypedData) -> bytes:
    return bytes(encode_typed_data(full_message=typed).body)


def _assert_hashes_agree(contract: Any, view: str, message: Any, typed: td.TypedData) -> None:
    on_chain = bytes(getattr(contract, view)(message.as_tuple()))
    assert on_chain == _struct_hash(typed)
    digest = keccak(b"\x19\x01" + bytes(contract.DOMAIN_SEPARATOR()) + on_chain)
    assert digest == td.typed_data_digest(typed)


def test_the_ledger_hashes_a_claim_as_its_firm_signs_it(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    claim = ledger.claim(firm, scope1=1_234, scope3=98_765, biogenic=7, nonce=5)
    typed = td.claim_typed_data(ledger.claim_domain, claim)
    _assert_hashes_agree(ledger.claims, "hashClaim", claim, typed)
    assert bytes(ledger.claims.claimDigest(claim.as_tuple())) == td.claim_digest(
        ledger.claim_domain, claim
    )


def test_the_ledger_hashes_a_reduction_claim_with_baseline_and_amendment(ledger: Ledger) -> None:
    claim = ledger.reduction(ledger.firms[1], h("baseline"), supersedes=h("previous"))
    typed = td.claim_typed_data(ledger.claim_domain, claim)
    _assert_hashes_agree(ledger.claims, "hashClaim", claim, typed)


def test_the_ledger_hashes_an_audit_as_its_auditor_signs_it(ledger: Ledger) -> None:
    audit, _ = ledger.audit(h("claim"), td.AuditVerdict.REJECTED, nonce=3)
    typed = td.audit_typed_data(ledger.claim_domain, audit)
    _assert_hashes_agree(ledger.claims, "hashAudit", audit, typed)


def test_the_ledger_hashes_a_revocation_as_its_firm_signs_it(ledger: Ledger) -> None:
    revocation, _ = ledger.revocation(h("claim"), ledger.firms[2], nonce=9)
    typed = td.revocation_typed_data(ledger.claim_domain, revocation)
    _assert_hashes_agree(ledger.claims, "hashRevocation", revocation, typed)


def test_the_settlement_hashes_every_signed_message_as_its_signer_signs_it(
    ledger: Ledger,
) -> None:
    sid = h("settlement")
    party, auditor = ledger.firms[0], ledger.auditor
    domain = ledger.settlement_domain
    signed: list[tuple[str, Any, Any]] = [
        ("hashConsent", consent(ledger, sid, party, nonce=1)[0], td.consent_typed_data),
        ("hashDecline", decline(ledger, sid, party, nonce=2)[0], td.decline_typed_data),
        (
            "hashReductionAttestation",
            attestation(ledger, sid, 12_345, auditor, nonce=3)[0],
            td.reduction_attestation_typed_data,
        ),
        (
            "hashCitation",
            citation(ledger, sid, party, h("reduction"), nonce=4)[0],
            td.citation_typed_data,
        ),
        ("hashPayment", payment(ledger, sid, party, 500_001, nonce=5)[0], td.payment_typed_data),
    ]
    for view, message, builder in signed:
        _assert_hashes_agree(ledger.settlement, view, message, builder(domain, message))


def test_the_settlement_id_is_the_struct_hash_of_the_terms(ledger: Ledger) -> None:
    terms = terms_for(ledger, ledger.firms[:2], [h("claim-a"), h("claim-b")])
    typed = td.terms_typed_data(ledger.settlement_domain, terms)
    assert bytes(ledger.settlement.hashTerms(terms.as_tuple())) == _struct_hash(typed)
    assert bytes(ledger.settlement.hashTerms(terms.as_tuple())) == td.settlement_id(terms)
