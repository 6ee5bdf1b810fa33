"""The hand-written ABI matches the compiled contracts; pure parts of the core behave."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_abi.abi import encode
from eth_account import Account
from eth_utils.crypto import keccak

from carbonledger.chain import typed_data as td
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.verify import abi
from carbonledger.verify.chain import MemberChange
from carbonledger.verify.core import (
    Finding,
    Report,
    Result,
    member_at,
)
from carbonledger.vocab import SECP256K1_N, recover_signer

ROOT = Path(__file__).resolve().parents[2]


def _signature(item: dict[str, object]) -> str:
    def typ(inp: dict[str, object]) -> str:
        t = str(inp["type"])
        if t.startswith("tuple"):
            inner = ",".join(typ(c) for c in inp["components"])  # type: ignore[attr-defined]
            return f"({inner}){t[5:]}"
        return t

    return f"{item['name']}({','.join(typ(i) for i in item['inputs'])})"  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def compiled() -> dict[str, set[str]]:
    arts = load_artifacts(ROOT)
    return {
        name: {_signature(i) for i in arts[name].abi if i.get("type") in ("event", "function")}
        for name in ("ClaimLedger", "MemberRegistry", "StandardRegistry")
    }


def test_every_hand_written_event_and_function_exists_in_the_compiled_contracts(
    compiled: dict[str, set[str]],
) -> None:
    for sig in abi.EVENTS.values():
        assert sig in compiled["ClaimLedger"], sig
    for sig in abi.MEMBER_EVENTS.values():
        assert sig in compiled["MemberRegistry"], sig
    owners = {
        "memberState": "MemberRegistry",
        "signingKeyAt": "MemberRegistry",
        "versionOf": "StandardRegistry",
    }
    for name, sig in abi.FUNCTIONS.items():
        assert sig in compiled[owners.get(name, "ClaimLedger")], sig


def _claim(i: int) -> td.Claim:
    return td.Claim(
        firm="0x" + f"{i + 1:040x}",
        kind=td.ClaimKind(i % 2),
        standard_version=3,
        period_start=1_704_067_200,
        period_end=1_735_689_600,
        document_hash=keccak(f"doc{i}".encode()),
        activity_root=keccak(f"root{i}".encode()),
        scope1=1 + i,
        scope2_location=2,
        scope2_market=3,
        scope3=4,
        biogenic=5,
        nonce=i,
        deadline=10**10,
        baseline=keccak(b"b") if i % 2 else td.ZERO32,
    )


def test_batch_calldata_decodes_to_each_claim_with_its_own_signature() -> None:
    claims = [_claim(i) for i in range(3)]
    sigs = [bytes([i]) * (65 + i) for i in range(3)]  # differing lengths exercise the offsets
    data = abi.SEL_SUBMIT_CLAIMS + encode(
        [f"{abi.CLAIM_TUPLE}[]", "bytes[]"], [[c.as_tuple() for c in claims], sigs]
    )
    decoded = abi.decode_submission(data)
    assert [d.signature for d in decoded] == sigs
    assert [d.claim_id for d in decoded] == [c.claim_id for c in claims]
    for d, c in zip(decoded, claims, strict=True):
        assert d.packed_details() == td.pack_claim_details(c)
        assert (d.baseline, d.nonce, d.deadline) == (c.baseline, c.nonce, c.deadline)
    single = abi.SEL_SUBMIT_CLAIM + encode(
        [abi.CLAIM_TUPLE, "bytes"], [claims[1].as_tuple(), sigs[1]]
    )
    (one,) = abi.decode_submission(single)
    assert one.raw == decoded[1].raw and one.signature == sigs[1]


def test_other_calls_are_not_taken_for_claim_submissions() -> None:
    with pytest.raises(abi.AbiError, match="not a claim submission"):
        abi.decode_submission(abi.selector("recordChecks((bytes32,bool,bytes32)[])") + b"\0" * 64)
    with pytest.raises(abi.AbiError):
        abi.decode_submission(abi.SEL_SUBMIT_CLAIM + b"\0" * 100)


def test_signer_recovery_matches_eth_account_and_refuses_what_the_contract_refuses() -> None:
    key = Account.from_key(keccak(b"k"))
    digest = keccak(b"message")
    sig = bytes(Account.unsafe_sign_hash(digest, key.key).signature)
    assert recover_signer(digest, sig) == key.address.lower()
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    high_s = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # same point, high s
    assert recover_signer(digest, high_s) is None
    assert recover_signer(digest, sig[:64] + bytes([v - 27])) is None  # v 0/1: ecrecover fails
    assert recover_signer(digest, sig[:64]) is None


def test_membership_is_replayed_up_to_the_exact_position() -> None:
    changes = [
        MemberChange("MemberAdmitted", (5, 0, 0), key="0xaa", roles=2),
        MemberChange("SigningKeyRotated", (7, 1, 0), key="0xbb"),
        MemberChange("MemberSuspended", (9, 0, 0)),
    ]
    assert member_at(changes, (5, 0, 0)).status == 0  # not yet admitted at its own log
    assert member_at(changes, (7, 0, 3)).key == "0xaa"  # same block, earlier transaction
    assert member_at(changes, (7, 1, 1)).key == "0xbb"
    later = member_at(changes, (10, 0, 0))
    assert (later.key, later.roles, later.status) == ("0xbb", 2, 2)


def test_a_report_is_ok_only_without_failures_and_says_so() -> None:
    holds = Finding(b"\1" * 32, "recorded", Result.HOLDS, "fine")
    note = Finding(b"\1" * 32, "check re-run", Result.NOTE, "not checked on chain")
    fails = Finding(b"\1" * 32, "signature", Result.FAILS, "claim 0x01..: signed by someone")
    assert Report((holds, note), 1).ok
    bad = Report((holds, note, fails), 1)
    assert not bad.ok and "1 check(s) FAIL" in bad.summary()
