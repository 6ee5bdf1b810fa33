"""Merkle tree over a claim's activity lines, verifiable with OpenZeppelin ``MerkleProof``.

Construction (state it to anyone verifying on chain):

* **Leaf** = ``keccak256(keccak256(canonical_line_bytes))`` -- the line's RFC 8785 bytes hashed
  twice, as OpenZeppelin recommends for leaves (a leaf preimage is 32 bytes, an inner node's is
  64, so a node can never be passed off as a leaf). In Solidity:
  ``keccak256(bytes.concat(keccak256(lineBytes)))``.
* **Inner node** = ``keccak256(min(a, b) || max(a, b))`` -- the commutative (sorted-pair) hash of
  OpenZeppelin ``MerkleProof.verify`` / ``Hashes.commutativeKeccak256``.
* **Shape**: leaves in document order; each level pairs neighbours left to right and an odd last
  node is carried up unchanged (never duplicated). The root of one leaf is the leaf itself.
* A **proof** is the list of sibling hashes from leaf to root, bottom up -- exactly the
  ``bytes32[] proof`` argument of ``MerkleProof.verify(proof, root, leaf)``.

Public API::

    line_leaf(line) -> bytes                       # line: canonical bytes, or a JSON object
    line_leaves(lines) -> list[bytes]
    merkle_root(lines) -> bytes                    # 32 bytes
    merkle_proof(lines, index) -> list[bytes]
    verify_proof(proof, root, leaf_or_line) -> bool
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from carbonledger.standard.canonical import canonical_bytes, keccak256
from carbonledger.standard.errors import MerkleError
from carbonledger.vocab.merkle import hash_pair, proof_in, tree_levels


def leaf_from_canonical(line_bytes: bytes) -> bytes:
    """Leaf hash of a line given its canonical bytes."""
    return keccak256(keccak256(line_bytes))


def line_leaf(line: Any) -> bytes:
    """Leaf hash of one line: ``line`` is its canonical bytes or a JSON object (canonicalised)."""
    data = line if isinstance(line, bytes) else canonical_bytes(line)
    return leaf_from_canonical(data)


def line_leaves(lines: Sequence[Any]) -> list[bytes]:
    """Leaf hashes in document order (of bytes, JSON objects, or a parsed claim's lines)."""
    out: list[bytes] = []
    for line in lines:
        raw = getattr(line, "canonical", None)
        out.append(leaf_from_canonical(raw) if isinstance(raw, bytes) else line_leaf(line))
    return out


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    if not leaves:
        raise MerkleError("a Merkle tree needs at least one leaf")
    return tree_levels(leaves)


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """Root of a tree over precomputed leaves."""
    return _levels(leaves)[-1][0]


def merkle_root(lines: Sequence[Any]) -> bytes:
    """Root of the tree over ``lines`` (see the module docstring for the construction)."""
    return root_from_leaves(line_leaves(lines))


def merkle_proof(lines: Sequence[Any], index: int) -> list[bytes]:
    """Sibling hashes proving line ``index`` (bottom up), for ``MerkleProof.verify``."""
    leaves = line_leaves(lines)
    if not 0 <= index < len(leaves):
        raise MerkleError(f"line index {index} out of range (0..{len(leaves) - 1})")
    return proof_in(_levels(leaves), index)


def verify_proof(proof: Sequence[bytes], root: bytes, leaf_or_line: Any) -> bool:
    """True when ``proof`` links the line (or its 32-byte leaf hash) to ``root``.

    Same algorithm as OpenZeppelin ``MerkleProof.verify``. A 32-byte ``bytes`` value is taken as
    a leaf hash; other bytes as canonical line bytes; anything else as a JSON line object.
    """
    if isinstance(leaf_or_line, bytes) and len(leaf_or_line) == 32:
        node = leaf_or_line
    else:
        node = line_leaf(leaf_or_line)
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root
