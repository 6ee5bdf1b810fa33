"""Every encoding of every declared struct is derived from its one declaration, and agrees
with an independent implementation (eth-account's EIP-712 encoder) and with itself."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from carbonledger.chain.typed_data import sign_typed_data, typed_data_digest
from carbonledger.vocab import (
    STRUCTS,
    Claim,
    Consent,
    SettlementTerms,
    Struct,
    claim_ledger_domain,
    recover_signer,
    sign_digest,
    unpack_claim_details,
)
from carbonledger.vocab.structs import U256
from tests.support.samples import sample

ADDRESSES = [Account.from_key(bytes([i + 1]) * 32).address for i in range(3)]
DOMAIN = claim_ledger_domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
ALL = sorted(STRUCTS, key=lambda cls: cls.TYPE_NAME)


def test_a_structs_eip712_name_is_its_class_name_unless_the_class_gives_one() -> None:
    @dataclass(frozen=True)
    class Ping(Struct, type_name="Pong"):
        count: U256

    @dataclass(frozen=True)
    class Echo(Ping):
        pass

    assert (Consent.TYPE_NAME, SettlementTerms.TYPE_NAME) == ("Consent", "Terms")
    assert Ping.eip712_type() == "Pong(uint256 count)"
    assert Echo.eip712_type() == "Echo(uint256 count)"


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.TYPE_NAME)
def test_the_struct_hash_and_digest_are_the_ones_eth_account_computes(cls: type[Struct]) -> None:
    item = sample(cls, ADDRESSES)
    typed = item.typed_data(DOMAIN)
    assert item.struct_hash() == bytes(encode_typed_data(full_message=typed).body)
    assert item.digest(DOMAIN) == typed_data_digest(typed)


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.TYPE_NAME)
def test_every_field_changes_the_struct_hash(cls: type[Struct]) -> None:
    base = sample(cls, ADDRESSES)
    other = sample(cls, [*reversed(ADDRESSES), "0x" + "ab" * 20])
    for f in cls.spec():
        changed = cls(**{**{g.attr: getattr(base, g.attr) for g in cls.spec()},
                         f.attr: getattr(other, f.attr)})  # fmt: skip
        if getattr(changed, f.attr) != getattr(base, f.attr):
            assert changed.struct_hash() != base.struct_hash(), f.attr


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.TYPE_NAME)
def test_the_json_and_abi_forms_read_back_to_the_same_struct(cls: type[Struct]) -> None:
    item = sample(cls, ADDRESSES)
    assert cls.from_json(item.to_json()) == item
    assert cls.from_tuple(item.as_tuple()) == item
    assert list(item.message()) == [f["name"] for f in cls.eip712_fields()]


@pytest.mark.parametrize(
    "cls", [c for c in ALL if c is not SettlementTerms], ids=lambda c: c.TYPE_NAME
)
def test_a_static_struct_reads_back_from_its_calldata_words(cls: type[Struct]) -> None:
    item = sample(cls, ADDRESSES)
    assert len(item.words()) == 32 * len(cls.spec())
    assert cls.from_words(item.words()) == item


def test_the_claim_json_keeps_the_stored_names() -> None:
    """Rows stored before the vocabulary existed still read back (same keys)."""
    keys = set(sample(Claim, ADDRESSES).to_json())
    assert keys == {
        "firm", "kind", "standard_version", "period_start", "period_end", "document_hash",
        "activity_root", "scope1", "scope2_location", "scope2_market", "scope3", "biogenic",
        "nonce", "deadline", "baseline", "supersedes",
    }  # fmt: skip


def test_the_terms_json_keeps_the_api_names() -> None:
    data = sample(SettlementTerms, ADDRESSES).to_json()
    assert "overlap_kgco2e" in data and "expected_reduction_kgco2e" in data
    assert data["currency"] == "EUR"


def test_the_packed_claim_words_unpack_to_the_claim() -> None:
    claim = sample(Claim, ADDRESSES)
    details = unpack_claim_details(*claim.packed_details())
    for name, _ in Claim.HEADER + Claim.SCOPES:
        assert getattr(details, name) == getattr(claim, name), name


def test_signing_and_recovery_follow_the_contracts_rules() -> None:
    key = Account.from_key(b"\x07" * 32)
    claim = sample(Claim, ADDRESSES)
    signature = sign_digest(bytes(key.key), claim.digest(DOMAIN))
    assert signature == sign_typed_data(bytes(key.key), claim.typed_data(DOMAIN))
    assert recover_signer(claim.digest(DOMAIN), signature) == key.address.lower()
    assert signature[64] in (27, 28)
    assert (
        recover_signer(claim.digest(DOMAIN), signature[:64] + bytes([signature[64] - 27])) is None
    )


def test_a_value_too_wide_for_its_type_cannot_be_encoded() -> None:
    claim = sample(Claim, ADDRESSES)
    wide = Claim(**{**{f.attr: getattr(claim, f.attr) for f in Claim.spec()}, "scope1": 1 << 64})
    with pytest.raises(OverflowError, match="uint64"):
        wide.words()


@pytest.mark.parametrize(
    "cls", [c for c in ALL if c is not SettlementTerms], ids=lambda c: c.TYPE_NAME
)
def test_a_static_structs_words_read_from_its_json_are_its_words(cls: type[Struct]) -> None:
    item = sample(cls, ADDRESSES)
    assert cls.words_of_json(item.to_json()) == item.words()


@pytest.mark.parametrize(
    "cls", [c for c in ALL if c is not SettlementTerms], ids=lambda c: c.TYPE_NAME
)
def test_a_static_structs_digest_read_from_its_json_is_the_one_eth_account_computes(
    cls: type[Struct],
) -> None:
    item = sample(cls, ADDRESSES)
    assert cls.digest_of_json(item.to_json(), DOMAIN) == typed_data_digest(item.typed_data(DOMAIN))


def test_a_struct_with_an_array_has_no_digest_from_its_words() -> None:
    terms = sample(SettlementTerms, ADDRESSES)
    with pytest.raises(TypeError, match="not a static struct"):
        SettlementTerms.digest_of_json(terms.to_json(), DOMAIN)
