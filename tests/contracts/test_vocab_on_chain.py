"""Every struct of :mod:`carbonledger.vocab` against the compiled contracts on a real chain.

For each declared struct: its ABI tuple and EIP-712 field list are the compiled ABI's (names,
types, order, from the ``hash<Struct>`` view's input); its struct hash is the contract's own
(``hash<Struct>``); its digest under the vocabulary's domain separator is the one the
contract checks signatures against (the contract's ``DOMAIN_SEPARATOR``). The packed claim
words are those ``ClaimSubmitted`` carries and ``unpackClaimDetails`` reads back.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from eth_utils.crypto import keccak

from carbonledger.chain.artifacts import load_artifacts
from carbonledger.vocab import (
    STRUCTS,
    Claim,
    SettlementTerms,
    Struct,
    claim_ledger_domain,
    overlap_settlement_domain,
    target_registry_domain,
)
from tests.contracts.ledger import Ledger, emitted
from tests.support.samples import sample

ROOT = Path(__file__).resolve().parents[2]
ALL = sorted(STRUCTS, key=lambda cls: cls.TYPE_NAME)


def _view(cls: type[Struct]) -> str:
    return f"hash{cls.TYPE_NAME}"


def _components(artifacts: dict[str, Any], cls: type[Struct]) -> list[dict[str, Any]]:
    abi = artifacts[STRUCTS[cls]].abi
    (item,) = [i for i in abi if i.get("type") == "function" and i.get("name") == _view(cls)]
    (struct,) = item["inputs"]
    assert str(struct["internalType"]).endswith(f".{cls.TYPE_NAME}")
    return list(struct["components"])


@functools.cache
def _artifacts() -> dict[str, Any]:
    # not a module-scoped fixture: ape would snapshot the chain around it, before the
    # session's deployment, and revert that deployment for the modules after this one
    return dict(load_artifacts(ROOT))


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.TYPE_NAME)
def test_the_declaration_is_the_compiled_struct(cls: type[Struct]) -> None:
    components = _components(_artifacts(), cls)
    assert cls.eip712_fields() == [{"name": c["name"], "type": c["type"]} for c in components]
    assert cls.abi_type() == "(" + ",".join(c["type"] for c in components) + ")"


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.TYPE_NAME)
def test_the_contract_hashes_the_struct_as_the_vocabulary_does(
    ledger: Ledger, cls: type[Struct]
) -> None:
    contract = {
        "ClaimLedger": ledger.claims,
        "OverlapSettlement": ledger.settlement,
        "TargetRegistry": ledger.targets,
    }[STRUCTS[cls]]
    addresses = [m.address for m in ledger.firms]
    item = sample(cls, addresses)
    on_chain = bytes(getattr(contract, _view(cls))(item.as_tuple()))
    assert on_chain == item.struct_hash()
    domain = {
        "ClaimLedger": claim_ledger_domain,
        "OverlapSettlement": overlap_settlement_domain,
        "TargetRegistry": target_registry_domain,
    }[STRUCTS[cls]](ledger.chain_id, str(contract.address))
    assert bytes(contract.DOMAIN_SEPARATOR()) == domain.separator()
    assert item.digest(domain) == keccak(b"\x19\x01" + domain.separator() + on_chain)
    if cls is not SettlementTerms:  # dynamic arrays: no fixed calldata words
        assert cls.from_words(item.words()) == item


def test_the_claim_digest_is_the_contracts(ledger: Ledger) -> None:
    claim = sample(Claim, [m.address for m in ledger.firms])
    assert bytes(ledger.claims.claimDigest(claim.as_tuple())) == claim.digest(ledger.claim_domain)


def test_the_packed_claim_words_are_the_ones_the_contract_emits_and_reads(
    ledger: Ledger,
) -> None:
    # full-width words where the ledger allows them (the gross total is capped at 2**48 - 1)
    claim = ledger.claim(
        ledger.firms[0], scope1=2**46 + 1, scope2_location=2**64 - 1, scope3=2**45 + 5,
        biogenic=2**64 - 1,
    )  # fmt: skip
    tx = ledger.submit(claim)
    (event,) = emitted(tx, ledger.claims.ClaimSubmitted)
    header, scopes = claim.packed_details()
    assert (int(event["header"]), int(event["scopes"])) == (header, scopes)
    unpacked = ledger.claims.unpackClaimDetails(header, scopes)
    names = [name for name, _ in Claim.HEADER + Claim.SCOPES]  # unpackClaimDetails' order
    assert [int(v) for v in unpacked] == [int(getattr(claim, n)) for n in names]
