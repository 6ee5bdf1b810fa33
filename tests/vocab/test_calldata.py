"""The word-by-word ABI encodings and decodings of the hot paths give eth-abi's bytes and
values exactly."""

from __future__ import annotations

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_account import Account
from eth_utils.crypto import keccak

from carbonledger.vocab import Claim
from carbonledger.vocab.calldata import (
    bytes_array,
    decode_static,
    encode_dynamic_args,
    is_static,
    static_array,
)
from tests.support.samples import sample

ADDRESSES = [Account.from_key(bytes([i + 1]) * 32).address for i in range(3)]


@pytest.mark.parametrize("count", [0, 1, 3, 100])
def test_claims_and_signatures_encode_as_eth_abi_encodes_them(count: int) -> None:
    claims = [sample(Claim, ADDRESSES, nonce=i, document_hash=keccak(text=str(i)))
              for i in range(count)]  # fmt: skip
    signatures = [keccak(text=f"s{i}") * 2 + bytes([27 + i % 2]) for i in range(count)]
    if signatures:
        signatures[0] = b"\x01" * 70  # any length pads as eth-abi pads it
    ours = encode_dynamic_args(static_array([c.words() for c in claims]), bytes_array(signatures))
    theirs = abi_encode(
        [f"{Claim.abi_type()}[]", "bytes[]"], [[c.as_tuple() for c in claims], signatures]
    )
    assert ours == theirs


def test_an_array_of_static_tuples_encodes_as_eth_abi_encodes_it() -> None:
    results = [(keccak(text=str(i)), i % 2 == 0, keccak(text=f"r{i}")) for i in range(5)]
    words = [c + int(p).to_bytes(32, "big") + r for c, p, r in results]
    assert encode_dynamic_args(static_array(words)) == abi_encode(
        ["(bytes32,bool,bytes32)[]"], [results]
    )


VALUES = [
    ("address", ADDRESSES[0]),
    ("uint8", 255),
    ("uint64", 2**64 - 1),
    ("uint256", 2**256 - 1),
    ("uint", 7),
    ("bool", True),
    ("bool", False),
    ("bytes32", keccak(text="x")),
    ("bytes3", b"EUR"),
]


@pytest.mark.parametrize(("abi_type", "value"), VALUES)
def test_a_static_word_decodes_to_eth_abis_value(abi_type: str, value: object) -> None:
    word = abi_encode([abi_type], [value])
    assert is_static(abi_type)
    assert decode_static(abi_type, word) == abi_decode([abi_type], word)[0]


@pytest.mark.parametrize(
    ("abi_type", "word"),
    [
        ("address", b"\x01" + b"\x00" * 31),  # dirty padding
        ("uint8", (256).to_bytes(32, "big")),  # too wide
        ("bool", (2).to_bytes(32, "big")),
        ("bytes3", b"EUR" + b"\x01" + b"\x00" * 28),
    ],
)
def test_a_word_that_is_no_valid_encoding_is_refused_as_eth_abi_refuses_it(
    abi_type: str, word: bytes
) -> None:
    with pytest.raises(DecodingError):
        decode_static(abi_type, word)


@pytest.mark.parametrize("abi_type", ["string", "bytes", "uint8[]", "(uint8,bool)", "bytes33"])
def test_dynamic_and_composite_types_are_left_to_eth_abi(abi_type: str) -> None:
    assert not is_static(abi_type)
