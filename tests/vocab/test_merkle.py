"""The claim tree: OpenZeppelin MerkleProof's rules (sorted pairs, double-hashed leaves).

That the contract accepts these proofs is tested on chain in tests/contracts/test_claim_roots.py
(every leaf of trees of 1, 2, 5 and 8 claims admitted with its Python-built proof)."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak

from carbonledger.vocab import ClaimTree, claim_leaf, hash_pair, process_proof, verify_proof


def leaves(n: int) -> list[bytes]:
    return [claim_leaf(keccak(text=f"digest {i}"), bytes([i % 256]) * 65) for i in range(n)]


def test_a_leaf_hashes_twice_over_the_digest_and_the_signatures_hash() -> None:
    digest, signature = keccak(text="digest"), b"\x01" * 65
    assert claim_leaf(digest, signature) == keccak(keccak(digest + keccak(signature)))


def test_an_inner_node_hashes_its_children_sorted() -> None:
    a, b = keccak(text="a"), keccak(text="b")
    assert hash_pair(a, b) == hash_pair(b, a) == keccak(min(a, b) + max(a, b))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 1000])
def test_every_leaf_proves_its_way_to_the_root(n: int) -> None:
    tree = ClaimTree.build(leaves(n))
    for i in range(n):
        assert verify_proof(tree.proof(i), tree.root, tree.leaves[i])
    assert len(tree.proof(0)) == (n - 1).bit_length()


def test_a_single_leaf_is_its_own_root_with_an_empty_proof() -> None:
    (leaf,) = leaves(1)
    tree = ClaimTree.build([leaf])
    assert tree.root == leaf and tree.proof(0) == []


def test_a_leaf_left_out_or_a_proof_for_another_root_does_not_verify() -> None:
    first, second = ClaimTree.build(leaves(6)), ClaimTree.build(leaves(7)[1:])
    outsider = claim_leaf(keccak(text="not in the tree"), b"\x02" * 65)
    assert not verify_proof(first.proof(0), first.root, outsider)
    assert not verify_proof(first.proof(1), second.root, first.leaves[1])
    assert process_proof(first.proof(1), first.leaves[1]) == first.root


def test_an_empty_tree_and_a_leaf_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one leaf"):
        ClaimTree.build([])
    with pytest.raises(IndexError, match="not in a tree of 3"):
        ClaimTree.build(leaves(3)).proof(3)
