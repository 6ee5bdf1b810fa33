"""Batches take a fast path (plain footprints recorded in one assembly loop) and fall back to
the checked path for everything else: both must give exactly what one-by-one submission gives."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ape
import pytest

from carbonledger.chain import typed_data as td
from tests.contracts.ledger import ZERO32, Ledger, emitted, h, key_for

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _abi(contract: Any) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", by_alias=True) for item in contract.contract_type.abi]


def _call(ledger: Ledger, data: str) -> bytes | None:
    """The revert data of ``data`` sent to the ledger by the relayer, or None if it succeeds."""
    response = ledger.chain.provider.web3.provider.make_request(
        "eth_call",
        [{"from": ledger.relayer.address, "to": ledger.claims.address, "data": data}, "latest"],
    )
    error = response.get("error")
    if error is None:
        return None
    return bytes.fromhex(str(error.get("data", "0x"))[2:])


def _web3_ledger(ledger: Ledger) -> Any:
    w3 = ledger.chain.provider.web3
    return w3.eth.contract(address=ledger.claims.address, abi=_abi(ledger.claims))


def _high_s(signature: bytes) -> bytes:
    """The same signature with s' = n - s (valid for ecrecover, refused as malleable)."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])


def _mixed_batch(ledger: Ledger) -> list[tuple[td.Claim, bytes]]:
    """Every kind of item, in an order that makes the fast loop start, stop and resume."""
    a, b, c = ledger.firms
    items: list[tuple[td.Claim, bytes]] = []
    nonce = {f.address: int(ledger.claims.nonces(f.address)) for f in ledger.firms}

    def add(firm: Any, key: Any = None, bump: bool = True, **fields: Any) -> td.Claim:
        fields.setdefault("nonce", nonce[firm.address])
        claim = ledger.claim(firm, **fields)
        items.append((claim, ledger.sign_claim(claim, key or firm.key)))
        if bump:
            nonce[firm.address] += 1
        return claim

    base_a = add(a)  # first item: the checked path loads firm a
    add(a)  # fast
    add(b)  # fast, switching firm
    add(a)  # fast, switching back
    add(a, kind=td.ClaimKind.REDUCTION, baseline=base_a.claim_id, scope1=1, scope3=1)  # checked
    add(a)  # fast again
    add(a, supersedes=base_a.claim_id)  # checked: an amendment
    dup = add(b)
    again = replace(dup, nonce=nonce[b.address])  # the same document again: a duplicate
    items.append((again, ledger.sign_claim(again, b.key)))
    add(a, bump=False, nonce=nonce[a.address] + 5)  # nonce out of order
    add(a, bump=False, nonce=0)  # nonce already used
    add(a, key=b.key, bump=False)  # another key
    add(a, bump=False, deadline=1)  # expired
    add(a, bump=False, standard_version=99)  # unknown standard
    add(a, bump=False, period_end=1_704_067_200)  # empty period
    add(a, bump=False, scope1=2**64 - 1, scope3=2**64 - 1)  # total beyond 48 bits
    add(a, bump=False, baseline=h("x"))  # footprint naming a baseline
    claim = ledger.claim(a, nonce=nonce[a.address])
    good = ledger.sign_claim(claim, a.key)
    items.append((claim, _high_s(good)))  # malleable signature
    items.append((claim, good[:64]))  # 64-byte signature
    items.append((claim, good + b"\x00"))  # 66-byte signature
    add(c, bump=False, key=ledger.outsider.key)  # c with a wrong key after a's failures
    add(c)  # fast after a run of failures
    add(a)  # and a's next claim (the malleable one never counted)
    return items


def _one_by_one(ledger: Ledger, items: list[tuple[td.Claim, bytes]]) -> list[bytes | None]:
    """Submit each item alone; the revert data of each refused one (None when recorded)."""
    contract = _web3_ledger(ledger)
    outcomes: list[bytes | None] = []
    for claim, signature in items:
        data = contract.encode_abi("submitClaim", args=[claim.as_tuple(), signature])
        reason = _call(ledger, data)
        if reason is None:
            ledger.claims.submitClaim(claim.as_tuple(), signature, sender=ledger.relayer.account)
        outcomes.append(reason)
    return outcomes


def test_a_mixed_tolerant_batch_equals_one_by_one_submission(ledger: Ledger, chain: Any) -> None:
    items = _mixed_batch(ledger)
    snapshot = chain.snapshot()
    expected = _one_by_one(ledger, items)
    expected_nonces = [ledger.claims.nonces(f.address) for f in ledger.firms]
    expected_records = [ledger.claims.claimOf(c.claim_id) for c, _ in items]
    chain.restore(snapshot)
    assert sum(r is None for r in expected) == 10 and len(expected) == len(items)

    tx = ledger.claims.trySubmitClaims(
        [c.as_tuple() for c, _ in items], [s for _, s in items], sender=ledger.relayer.account
    )
    ids = list(tx.return_value)
    assert ids == [
        c.claim_id if r is None else ZERO32 for (c, _), r in zip(items, expected, strict=True)
    ]
    assert emitted(tx, ledger.claims.ClaimSubmissionFailed) == [
        {"index": i, "reason": r} for i, r in enumerate(expected) if r is not None
    ]
    submitted = emitted(tx, ledger.claims.ClaimSubmitted)
    assert [e["claimId"] for e in submitted] == [i for i in ids if i != ZERO32]
    recorded = [item for item, r in zip(items, expected, strict=True) if r is None]
    for (claim, _), event in zip(recorded, submitted, strict=True):
        header, scopes = td.pack_claim_details(claim)
        assert (event["firm"], event["header"], event["scopes"]) == (claim.firm, header, scopes)
    assert [ledger.claims.nonces(f.address) for f in ledger.firms] == expected_nonces
    assert [ledger.claims.claimOf(c.claim_id) for c, _ in items] == expected_records


def test_an_atomic_batch_names_the_first_failure_after_a_fast_run(ledger: Ledger) -> None:
    items = _mixed_batch(ledger)
    expected = _one_by_one_first_failure(ledger, items)
    index, reason = expected
    with ape.reverts(ledger.claims.ClaimLedgerBatchItemFailed, index=index, reason=reason):
        ledger.claims.submitClaims(
            [c.as_tuple() for c, _ in items], [s for _, s in items], sender=ledger.relayer.account
        )


def _one_by_one_first_failure(
    ledger: Ledger, items: list[tuple[td.Claim, bytes]]
) -> tuple[int, bytes]:
    snapshot = ledger.chain.snapshot()
    try:
        for i, reason in enumerate(_one_by_one(ledger, items)):
            if reason is not None:
                return i, reason
        raise AssertionError("no item failed")
    finally:
        ledger.chain.restore(snapshot)


def test_a_long_batch_of_one_firm_records_every_claim_and_the_nonce_once(ledger: Ledger) -> None:
    a, b = ledger.firms[0], ledger.firms[1]
    claims = [ledger.claim(a, nonce=i) for i in range(12)]
    claims += [ledger.claim(b, nonce=i) for i in range(3)]
    claims += [ledger.claim(a, nonce=12)]
    tx = ledger.claims.submitClaims(
        [c.as_tuple() for c in claims],
        [ledger.sign_claim(c, ledger.member(c.firm).key) for c in claims],
        sender=ledger.relayer.account,
    )
    assert list(tx.return_value) == [c.claim_id for c in claims]
    assert (ledger.claims.nonces(a.address), ledger.claims.nonces(b.address)) == (13, 3)
    for c in claims:
        record = ledger.claims.claimOf(c.claim_id)
        assert (record.firm, record.status, record.standardVersion) == (
            c.firm,
            1,
            c.standard_version,
        )
        assert record.grossTotal == c.scope1 + c.scope2_market + c.scope3


@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("word", [0, 1, 2, 3, 7, 11])
def test_out_of_range_fields_revert_like_the_abi_decoder(
    ledger: Ledger, index: int, word: int
) -> None:
    """A claim word above its type's range (firm, kind, version, period, scope) is refused
    by the whole call, with no data, wherever it is in the batch."""
    firm = ledger.firms[0]
    claims = [ledger.claim(firm, nonce=0), ledger.claim(firm, nonce=1)]
    sigs = [ledger.sign_claim(c, firm.key) for c in claims]
    contract = _web3_ledger(ledger)
    for method in ("submitClaims", "trySubmitClaims"):
        data = bytes.fromhex(
            contract.encode_abi(method, args=[[c.as_tuple() for c in claims], sigs])[2:]
        )
        # selector, two offsets, the claims' length, then 16 words per claim
        at = 4 + 3 * 32 + (index * 16 + word) * 32
        dirty = bytearray(data)
        dirty[at] |= 0x80 if word != 1 else 0x00
        if word == 1:
            dirty[at + 31] = 2  # kind 2 is no ClaimKind
        assert _call(ledger, "0x" + bytes(dirty).hex()) == b""
        assert _call(ledger, "0x" + data.hex()) is None


def test_the_fast_loop_checks_the_key_rotated_between_two_batches(ledger: Ledger) -> None:
    """(Batches over firms without a mirror entry: see test_mirror's unbound ledger.)"""
    firm = ledger.firms[0]
    first = [ledger.claim(firm, nonce=i) for i in range(3)]
    ledger.claims.submitClaims(
        [c.as_tuple() for c in first],
        [ledger.sign_claim(c, firm.key) for c in first],
        sender=ledger.relayer.account,
    )
    new_key = key_for("batch-rotated")
    ledger.registry.rotateSigningKey(new_key.address, sender=firm.account)
    second = [ledger.claim(firm, nonce=3 + i) for i in range(3)]
    old_sigs = [ledger.sign_claim(c, firm.key) for c in second]
    new_sigs = [ledger.sign_claim(c, new_key) for c in second]
    tx = ledger.claims.trySubmitClaims(
        [c.as_tuple() for c in second],
        [new_sigs[0], old_sigs[1], new_sigs[2]],
        sender=ledger.relayer.account,
    )
    assert list(tx.return_value) == [second[0].claim_id, ZERO32, ZERO32]
    assert [e["index"] for e in emitted(tx, ledger.claims.ClaimSubmissionFailed)] == [1, 2]
    assert all(ledger.claims.isActive(c.claim_id) for c in first)
