"""Merkle tree of activity lines (OpenZeppelin MerkleProof-compatible)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.standard import (
    MerkleError,
    canonical_bytes,
    line_leaves,
    merkle_proof,
    merkle_root,
    parse_claim,
    verify_proof,
)
from carbonledger.standard.canonical import keccak256
from carbonledger.standard.merkle import hash_pair, root_from_leaves

from .standard_helpers import example

lines_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.text(min_size=1, max_size=6),
            "activity": st.just("fuel"),
            "quantity": st.integers(0, 10**6).map(str),
        }
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda d: d["id"],
)


def test_leaf_is_the_double_keccak_of_the_canonical_line() -> None:
    line = {"id": "L1", "activity": "fuel", "quantity": "1"}
    assert line_leaves([line]) == [keccak256(keccak256(canonical_bytes(line)))]


def test_inner_nodes_use_openzeppelin_sorted_pair_hashing() -> None:
    a, b = keccak256(b"a"), keccak256(b"b")
    assert hash_pair(a, b) == hash_pair(b, a) == keccak256(min(a, b) + max(a, b))


def test_root_of_three_lines_carries_the_odd_leaf_up_unchanged() -> None:
    lines = [{"id": str(i), "activity": "fuel", "quantity": str(i)} for i in range(3)]
    l0, l1, l2 = line_leaves(lines)
    assert merkle_root(lines) == hash_pair(hash_pair(l0, l1), l2)


def test_an_empty_tree_is_refused() -> None:
    with pytest.raises(MerkleError):
        merkle_root([])


@settings(max_examples=60)
@given(lines_strategy, st.data())
def test_a_proof_verifies_its_line_and_no_other(
    lines: list[dict[str, str]], data: st.DataObject
) -> None:
    root = merkle_root(lines)
    index = data.draw(st.integers(0, len(lines) - 1))
    proof = merkle_proof(lines, index)
    assert verify_proof(proof, root, lines[index])
    for j, other in enumerate(lines):
        if j != index:
            assert not verify_proof(proof, root, other)
    tampered = dict(lines[index], quantity=lines[index]["quantity"] + "1")
    assert not verify_proof(proof, root, tampered)


def test_parsed_claim_lines_prove_against_the_root_from_the_raw_json() -> None:
    doc = example("carrier_footprint.json")
    claim = parse_claim(doc)
    root = merkle_root(claim.lines)
    assert root == merkle_root(doc["lines"])
    proof = merkle_proof(claim.lines, 2)
    assert verify_proof(proof, root, doc["lines"][2])
    assert verify_proof(proof, root, line_leaves(doc["lines"])[2])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 31, 33])
def test_levels_equal_a_reference_fold_with_hash_pair(n: int) -> None:
    leaves = [keccak256(bytes([i])) for i in range(n)]
    level = leaves
    while len(level) > 1:
        nxt = [hash_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = nxt + ([level[-1]] if len(level) % 2 else [])
    assert root_from_leaves(leaves) == level[0]
