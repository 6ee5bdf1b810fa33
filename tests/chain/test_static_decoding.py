"""The gateway's word-by-word decoder of static outputs (``vocab.calldata.decode_static`` per
word) gives what eth-abi gives, and a word its type cannot hold is refused as eth-abi refuses
it."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from eth_abi.abi import decode, encode
from eth_abi.exceptions import NonEmptyPaddingBytes

from carbonledger.chain.gateway import _decode_static, _Function, _static_plan

RECORD = ["(address,uint8,uint8,uint8,uint8,uint16,uint48)"]  # ClaimLedger.claimOf


def test_a_claim_record_decodes_as_eth_abi_decodes_it() -> None:
    plan = _static_plan(RECORD)
    assert plan is not None
    rng = random.Random(7)
    for _ in range(200):
        firm = "0x" + rng.randbytes(20).hex()
        small = [rng.randrange(256) for _ in range(4)]
        value = (firm, *small, rng.randrange(1 << 16), rng.randrange(1 << 48))
        raw = encode(RECORD, [value])
        assert _decode_static(plan, raw) == decode(RECORD, raw)
    assert _decode_static(plan, bytes(224)) == decode(RECORD, bytes(224))


def test_several_basic_outputs_decode_as_a_tuple() -> None:
    types = ["uint256", "bool", "address"]
    raw = encode(types, [5, True, "0x" + "ab" * 20])
    plan = _static_plan(types)
    assert plan is not None
    assert _decode_static(plan, raw) == decode(types, raw)


@pytest.mark.parametrize("position", [0, 11, 62, 217])
def test_a_word_its_type_cannot_hold_is_refused_as_eth_abi_refuses_it(position: int) -> None:
    raw = bytearray(224)
    raw[position] = 1
    plan = _static_plan(RECORD)
    assert plan is not None
    with pytest.raises(NonEmptyPaddingBytes):
        _decode_static(plan, bytes(raw))
    with pytest.raises(NonEmptyPaddingBytes):
        decode(RECORD, bytes(raw))


def test_fixed_bytes_in_a_tuple_decode_word_by_word() -> None:
    types = ["(address,bytes32)"]
    raw = encode(types, [("0x" + "cd" * 20, b"\x07" * 32)])
    plan = _static_plan(types)
    assert plan is not None
    assert _decode_static(plan, raw) == decode(types, raw)


def test_dynamic_types_take_the_general_decoder() -> None:
    assert _static_plan(["string"]) is None
    assert _static_plan(["(address,bytes)"]) is None
    assert _static_plan(["uint256[]"]) is None


def test_a_claim_id_argument_is_encoded_as_eth_abi_encodes_it() -> None:
    abi = [
        {
            "type": "function",
            "name": "claimOf",
            "inputs": [{"name": "claimId", "type": "bytes32"}],
            "outputs": [],
        }
    ]
    contract = SimpleNamespace(abi=abi, address="0x" + "11" * 20)
    claim_of = _Function(None, contract, "claimOf")  # type: ignore[arg-type]
    rng = random.Random(11)
    for raw in [rng.randbytes(32) for _ in range(20)] + [bytes(32), b"\xff" * 32]:
        assert claim_of.encode(raw) == claim_of.selector + encode(["bytes32"], [raw])
    # not a 32-byte value: eth-abi's rules, as before (shorter bytes padded, longer refused)
    assert claim_of.encode(b"\x01\x02") == claim_of.selector + encode(["bytes32"], [b"\x01\x02"])
    with pytest.raises(Exception, match="bytes32"):
        claim_of.encode(b"\x01" * 33)
