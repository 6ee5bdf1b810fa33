"""Matching two footprints by salted shipment references; Merkle root; cost split (pure).

See the package docstring for the privacy construction. Figures:

* a party's **overlapping emissions** are what it counts in its own inventory for the shared
  shipments: the sum of its matching lines' computed kgCO2e in their own scope/category (a
  scope 1 trip's per-shipment TTW share; a Scope 3 transport line's WTW; a hub, storage or
  site_share line's figure; a site operator's share of site energy allocated to that customer
  by its line's ``site_allocation``). Exact decimals, summed before any rounding;
* the pair's **overlap** (``overlapKgCO2e`` on chain) is the emissions both count: the
  smaller of the two parties' figures, rounded half-even once to whole kgCO2e;
* the **shipment root** is the Merkle root of the shared salted refs, sorted ascending:
  leaf = ``keccak256(keccak256(ref))`` (OpenZeppelin ``StandardMerkleTree`` leaf of one
  ``bytes32``: ``keccak256(bytes.concat(keccak256(abi.encode(ref))))``), inner nodes the
  commutative keccak, odd node carried up -- the same shape as the lines tree, so
  ``MerkleProof.verify(proof, root, leaf)`` accepts :func:`shipment_proof`;
* the **default split** gives each party basis points in proportion to its overlapping
  emissions, largest remainder (ties to the earlier party), at least 1 bp each (the contract
  refuses a zero share), summing to exactly 10,000.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from carbonledger.errors import CarbonLedgerError
from carbonledger.standard import (
    Claim,
    LineResult,
    Standard,
    allocate,
    canonical_bytes,
    compute,
    keccak256,
)
from carbonledger.standard.merkle import root_from_leaves
from carbonledger.vocab.merkle import proof_in, tree_levels, verify_proof

BPS = 10_000
ZERO = Decimal(0)


class OverlapError(CarbonLedgerError):
    """Root of the overlap domain's errors."""


class SplitError(OverlapError):
    """Shares that are not one positive basis-point figure per party summing to 10,000."""


def new_pair_salt() -> bytes:
    """A fresh 32-byte salt for one partner pair (agreed between them, never sent)."""
    return secrets.token_bytes(32)


def salted_ref(pair_salt: bytes, shipment_id: str) -> str:
    """``0x`` + keccak256(pair_salt || utf8(shipment_id)): the line's ``shipment_ref``."""
    if len(pair_salt) < 16:
        raise OverlapError("a pair salt must be at least 16 random bytes")
    return "0x" + keccak256(bytes(pair_salt) + shipment_id.encode("utf-8")).hex()


def _ref(value: Any) -> str:
    return str(value).lower()


@dataclass(frozen=True)
class ShipmentEmissions:
    """One claim's emissions per salted shipment ref (exact kgCO2e) and where it counts them."""

    firm: str
    kg: Mapping[str, Decimal]
    buckets: Mapping[str, tuple[str, ...]]  # ref -> e.g. ("scope1",) or ("scope3.cat4",)

    @property
    def refs(self) -> frozenset[str]:
        return frozenset(self.kg)


def _bucket(scope: int, category: int | None) -> str:
    return f"scope3.cat{category}" if scope == 3 else f"scope{scope}"


def shipment_emissions(
    claim: Claim, standard: Standard, lines: Sequence[LineResult] | None = None
) -> ShipmentEmissions:
    """What ``claim`` counts per shipment ref (lines without a ref are left out), from its
    ``lines`` computed under ``standard`` when given (the results of every line, in order),
    else computed here.

    A site operator's line with a ``site_allocation`` counts, per customer's ref, only that
    customer's share of the line (not the whole line)."""
    kg: dict[str, Decimal] = {}
    buckets: dict[str, list[str]] = {}

    def add(ref: str, value: Decimal, bucket: str) -> None:
        kg[ref] = kg.get(ref, ZERO) + value
        where = buckets.setdefault(ref, [])
        if bucket not in where:
            where.append(bucket)

    for result in compute(claim, standard).lines if lines is None else lines:
        bucket = _bucket(result.scope, result.category)
        for site in result.site_shares:  # a site operator's energy shared with customers
            add(_ref(site.shipment_ref), site.kg, bucket)
        if result.shipments:
            for share in result.shipments:
                value = share.ttw
                if result.scope == 3 and share.wtt is not None:
                    value += share.wtt  # Scope 3 transport counts well-to-wheel
                add(_ref(share.shipment_ref), value, bucket)
            continue
        ref = claim.lines[result.line_index].raw.get("shipment_ref")
        if ref is not None:
            add(_ref(ref), result.emissions, bucket)
    return ShipmentEmissions(
        firm=str(claim.firm.address),
        kg=kg,
        buckets={k: tuple(v) for k, v in buckets.items()},
    )


def shipment_leaf(ref: str | bytes) -> bytes:
    """The leaf of one salted ref: ``keccak256(keccak256(ref))``."""
    raw = ref if isinstance(ref, bytes) else bytes.fromhex(_ref(ref).removeprefix("0x"))
    if len(raw) != 32:
        raise OverlapError(f"a shipment ref is 32 bytes, got {len(raw)}")
    return keccak256(keccak256(raw))


def _sorted_refs(refs: Sequence[str] | frozenset[str]) -> list[str]:
    out = sorted({_ref(r) for r in refs})
    if not out:
        raise OverlapError("no shipments")
    return out


def shipment_root(refs: Sequence[str] | frozenset[str]) -> bytes:
    """Merkle root of the shared shipment set (refs sorted ascending, deduplicated)."""
    return root_from_leaves([shipment_leaf(r) for r in _sorted_refs(refs)])


def shipment_proof(refs: Sequence[str] | frozenset[str], ref: str) -> list[bytes]:
    """Sibling hashes proving ``ref`` is in the set (``MerkleProof.verify`` order)."""
    ordered = _sorted_refs(refs)
    try:
        index = ordered.index(_ref(ref))
    except ValueError:
        raise OverlapError(f"{ref} is not in the shipment set") from None
    return proof_in(tree_levels([shipment_leaf(r) for r in ordered]), index)


def verify_shipment(proof: Sequence[bytes], root: bytes, ref: str) -> bool:
    """True when ``proof`` links ``ref`` to ``root`` (OpenZeppelin's algorithm)."""
    return verify_proof(proof, root, shipment_leaf(ref))


def default_split(weights: Sequence[Decimal | int]) -> tuple[int, ...]:
    """Basis points proportional to ``weights``, each >= 1, summing to exactly 10,000."""
    n = len(weights)
    if n < 2:
        raise SplitError("a split needs at least two parties")
    if n > BPS:
        raise SplitError("too many parties")
    values = [Decimal(w) for w in weights]
    if any(w < 0 for w in values):
        raise SplitError("weights must not be negative")
    if sum(values, ZERO) == 0:
        values = [Decimal(1)] * n  # nothing to go by: equal shares
    shares = [int(p) for p in allocate(Decimal(BPS), values, Decimal(1))]
    # every party keeps at least 1 bp (the contract refuses a zero share): take from the largest
    for i, share in enumerate(shares):
        if share == 0:
            largest = max(range(n), key=lambda j: (shares[j], -j))
            shares[largest] -= 1
            shares[i] = 1
    return tuple(shares)


def check_split(shares: Sequence[int], parties: int) -> None:
    """:class:`SplitError` unless ``shares`` are ``parties`` positive ints summing to 10,000."""
    if len(shares) != parties:
        raise SplitError(f"{len(shares)} shares for {parties} parties")
    if any(not isinstance(s, int) or isinstance(s, bool) or s <= 0 for s in shares):
        raise SplitError("every share must be a positive whole number of basis points")
    if any(s > 0xFFFF for s in shares):
        raise SplitError("a share does not fit uint16")
    total = sum(shares)
    if total != BPS:
        raise SplitError(f"shares sum to {total} basis points, not {BPS}")


def overlap_id(claim_a: str, claim_b: str) -> str:
    """The id of the overlap between two claims (order-independent)."""
    a, b = sorted((_ref(claim_a), _ref(claim_b)))
    return "0x" + keccak256(bytes.fromhex(a[2:]) + bytes.fromhex(b[2:])).hex()


def project_hash(project: Mapping[str, Any]) -> bytes:
    """keccak256 of the RFC 8785 bytes of the project's description object."""
    return keccak256(canonical_bytes(dict(project)))


@dataclass(frozen=True)
class Overlap:
    """Two claims' shared shipments and what each party counts for them."""

    refs: tuple[str, ...]  # sorted
    kg: tuple[Decimal, Decimal]  # party a, party b (exact)
    buckets: tuple[tuple[str, ...], tuple[str, ...]]

    @property
    def shipments(self) -> int:
        return len(self.refs)

    @property
    def overlap_kgco2e(self) -> int:
        """The emissions both count (the smaller figure), whole kgCO2e, half-even."""
        return int(min(self.kg).to_integral_value(rounding=ROUND_HALF_EVEN))

    @property
    def root(self) -> bytes:
        return shipment_root(self.refs)

    def default_shares(self) -> tuple[int, ...]:
        return default_split(self.kg)


def match(a: ShipmentEmissions, b: ShipmentEmissions) -> Overlap | None:
    """The overlap of two claims of different firms, or None when they share no shipment."""
    if a.firm.lower() == b.firm.lower():
        return None
    shared = sorted(a.refs & b.refs)
    if not shared:
        return None
    kg_a = sum((a.kg[r] for r in shared), ZERO)
    kg_b = sum((b.kg[r] for r in shared), ZERO)
    where_a = tuple(sorted({x for r in shared for x in a.buckets[r]}))
    where_b = tuple(sorted({x for r in shared for x in b.buckets[r]}))
    return Overlap(tuple(shared), (kg_a, kg_b), (where_a, where_b))
