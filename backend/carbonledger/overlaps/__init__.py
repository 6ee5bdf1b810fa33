"""Overlap detection and cost splitting between supply-chain partners (pure domain, no I/O).

Two firms' footprints overlap where they count the same physical emissions: a carrier's
scope 1 diesel for a shipment is its shipper's Scope 3 category 4 (or 9) for that shipment, and
a warehouse operator's scope 2 site electricity allocated to a customer is that customer's
Scope 3 category 4 ``site_share``. Lines are matched by their ``shipment_ref`` (for site
energy, the refs in the operator line's ``site_allocation``); to keep shipment identifiers
private the partners agree on a **pair salt** between themselves and each writes, client-side,
``shipment_ref = keccak256(pair_salt || utf8(shipment id))`` (:func:`salted_ref`). The service
and every other member only ever see salted hashes, which nobody without the salt can link to
a waybill, and which differ from one partner pair to another.

Public API::

    new_pair_salt() -> bytes; salted_ref(pair_salt, shipment_id) -> str
    shipment_emissions(claim, standard) -> ShipmentEmissions   # per salted ref, kgCO2e
    match(a, b) -> Overlap | None                               # shared refs, kg per party
    shipment_leaf(ref) / shipment_root(refs) / shipment_proof(refs, ref)  # OZ MerkleProof
    default_split(weights) -> tuple[int, ...]                   # bps, largest remainder
    check_split(shares, parties)                                # SplitError unless valid
    overlap_id(claim_a, claim_b) -> str; project_hash(project) -> bytes
"""

from carbonledger.overlaps.core import (
    BPS,
    Overlap,
    OverlapError,
    ShipmentEmissions,
    SplitError,
    check_split,
    default_split,
    match,
    new_pair_salt,
    overlap_id,
    project_hash,
    salted_ref,
    shipment_emissions,
    shipment_leaf,
    shipment_proof,
    shipment_root,
    verify_shipment,
)

__all__ = [
    "BPS",
    "Overlap",
    "OverlapError",
    "ShipmentEmissions",
    "SplitError",
    "check_split",
    "default_split",
    "match",
    "new_pair_salt",
    "overlap_id",
    "project_hash",
    "salted_ref",
    "shipment_emissions",
    "shipment_leaf",
    "shipment_proof",
    "shipment_root",
    "verify_shipment",
]
