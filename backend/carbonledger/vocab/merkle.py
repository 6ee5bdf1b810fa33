"""Merkle roots of signed claims, with OpenZeppelin ``MerkleProof``'s rules (pure).

The one implementation of the tree the ``ClaimRoots`` contract checks: the anchoring worker
builds it, the API serves its proofs, the independent verifier re-checks them.

* Leaf of a signed claim: ``keccak256(keccak256(digest || keccak256(signature)))``, where
  ``digest`` is the claim's EIP-712 digest under the ClaimLedger's domain. It commits to every
  field of the claim and to its signature; hashing twice keeps a leaf (one 32-byte input)
  from ever being read as an inner node (two 32-byte children), OpenZeppelin's
  recommendation.
* Inner node: ``keccak256(min(a, b) || max(a, b))`` (sorted pairs, so a proof is just the
  list of siblings); a node without a sibling on its level moves up unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from carbonledger.vocab.hashing import keccak256, sorted_pair_hashes

#: a tree node as bytes, or in another form (hex)
Node = TypeVar("Node", bytes, str)

__all__ = [
    "ClaimTree",
    "claim_leaf",
    "hash_pair",
    "process_proof",
    "proof_in",
    "tree_levels",
    "verify_proof",
]


def claim_leaf(digest: bytes, signature: bytes) -> bytes:
    """The leaf of a claim with EIP-712 ``digest`` signed with ``signature``
    (``ClaimRoots.leafOf``)."""
    return keccak256(keccak256(bytes(digest) + keccak256(bytes(signature))))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """An inner node over two children, sorted (OpenZeppelin ``Hashes.commutativeKeccak256``)."""
    return keccak256(a + b) if a < b else keccak256(b + a)


def tree_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree over ``leaves`` (at least one), leaves first, the root's level
    last: neighbours 0-1, 2-3, ... paired with :func:`hash_pair`, an odd last node carried up
    unchanged. The one shape of both trees: a claim's activity lines
    (:mod:`carbonledger.standard.merkle`) and a root's signed claims (:class:`ClaimTree`)."""
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf")
    level = [bytes(leaf) for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        upper = sorted_pair_hashes(level)
        if len(level) % 2:
            upper.append(level[-1])
        levels.append(upper)
        level = upper
    return levels


def proof_in(levels: Sequence[Sequence[Node]], index: int) -> list[Node]:
    """The siblings of leaf ``index`` up to the root, in a tree's :func:`tree_levels` (or
    the same levels in another form, e.g. hex; the caller checks that ``index`` is a
    leaf's)."""
    proof = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof


def process_proof(proof: Sequence[bytes], leaf: bytes) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (OZ ``MerkleProof.processProof``)."""
    node = bytes(leaf)
    for sibling in proof:
        node = hash_pair(node, bytes(sibling))
    return node


def verify_proof(proof: Sequence[bytes], root: bytes, leaf: bytes) -> bool:
    """Whether ``proof`` leads from ``leaf`` to ``root``."""
    return process_proof(proof, leaf) == bytes(root)


@dataclass(frozen=True)
class ClaimTree:
    """The tree over ``leaves`` in the given order: its root and each leaf's proof."""

    leaves: tuple[bytes, ...]
    layers: tuple[tuple[bytes, ...], ...]

    @classmethod
    def build(cls, leaves: Sequence[bytes]) -> ClaimTree:
        layers = tuple(tuple(level) for level in tree_levels(leaves))
        return cls(leaves=layers[0], layers=layers)

    @property
    def root(self) -> bytes:
        return self.layers[-1][0]

    def proof(self, index: int) -> list[bytes]:
        """The siblings from leaf ``index`` up to the root."""
        if not 0 <= index < len(self.leaves):
            raise IndexError(f"leaf {index} is not in a tree of {len(self.leaves)}")
        return proof_in(self.layers, index)
