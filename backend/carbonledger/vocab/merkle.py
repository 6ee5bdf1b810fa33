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

from eth_utils.crypto import keccak

__all__ = ["ClaimTree", "claim_leaf", "hash_pair", "process_proof", "verify_proof"]


def claim_leaf(digest: bytes, signature: bytes) -> bytes:
    """The leaf of a claim with EIP-712 ``digest`` signed with ``signature``
    (``ClaimRoots.leafOf``)."""
    return keccak(keccak(bytes(digest) + keccak(bytes(signature))))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """An inner node over two children, sorted (OpenZeppelin ``Hashes.commutativeKeccak256``)."""
    return keccak(a + b) if a < b else keccak(b + a)


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
        if not leaves:
            raise ValueError("a claim tree needs at least one leaf")
        layer = tuple(bytes(leaf) for leaf in leaves)
        layers = [layer]
        while len(layer) > 1:
            layer = tuple(
                hash_pair(layer[i], layer[i + 1]) if i + 1 < len(layer) else layer[i]
                for i in range(0, len(layer), 2)
            )
            layers.append(layer)
        return cls(leaves=layers[0], layers=tuple(layers))

    @property
    def root(self) -> bytes:
        return self.layers[-1][0]

    def proof(self, index: int) -> list[bytes]:
        """The siblings from leaf ``index`` up to the root."""
        if not 0 <= index < len(self.leaves):
            raise IndexError(f"leaf {index} is not in a tree of {len(self.leaves)}")
        proof = []
        for layer in self.layers[:-1]:
            sibling = index ^ 1
            if sibling < len(layer):
                proof.append(layer[sibling])
            index //= 2
        return proof
