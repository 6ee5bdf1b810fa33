"""Overlaps between partners' footprints (issue 6, items 1-2).

The service reads the checked footprint claims in its vault, computes each claim's emissions
per salted shipment ref (:mod:`carbonledger.overlaps`) and matches claims of different firms.
A firm sees only the overlaps it is a party to; the refs themselves are never returned, only
their count and Merkle root.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal

from eth_utils.address import to_checksum_address

from carbonledger.overlaps import (
    Overlap,
    OverlapError,
    ShipmentEmissions,
    match,
    overlap_id,
    shipment_emissions,
)
from carbonledger.services.claims import ClaimService
from carbonledger.services.errors import InvalidRequest, NotFound
from carbonledger.services.ports import ClaimStorePort, LedgerPort
from carbonledger.standard import StandardError
from carbonledger.store.claims import ANCHORED, CHECKED, ClaimFilter, ClaimRow
from carbonledger.vocab import b32, hx


@dataclass(frozen=True)
class OverlapParty:
    firm: str
    claim_id: str
    kgco2e: Decimal  # exact: what this party counts for the shared shipments
    counted_in: tuple[str, ...]  # e.g. ("scope1",), ("scope3.cat4",)


@dataclass(frozen=True)
class OverlapView:
    overlap_id: str
    parties: tuple[OverlapParty, OverlapParty]  # ordered by firm address
    shipments: int
    overlap_kgco2e: int
    shipment_root: str
    default_shares_bps: tuple[int, ...]

    def partner_of(self, firm: str) -> OverlapParty:
        return self.parties[1] if self.parties[0].firm == firm else self.parties[0]

    def party(self, firm: str) -> OverlapParty:
        return self.parties[0] if self.parties[0].firm == firm else self.parties[1]


@dataclass(eq=False, repr=False)
class OverlapFinder:
    """Which of a firm's active footprint claims overlap other firms' ones."""

    ledger: LedgerPort
    claim_store: ClaimStorePort
    claims: ClaimService
    _emissions: dict[str, ShipmentEmissions | None] = field(init=False, default_factory=dict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def _claim_emissions(self, row: ClaimRow) -> ShipmentEmissions | None:
        with self._lock:
            if row.claim_id in self._emissions:
                return self._emissions[row.claim_id]
        try:
            document = self.claims.parse(self.claims.read_document(row.claim_id))
            emissions: ShipmentEmissions | None = shipment_emissions(document, self.claims.standard)
        except (NotFound, InvalidRequest, StandardError, OverlapError):
            emissions = None
        with self._lock:
            self._emissions[row.claim_id] = emissions
        return emissions

    def _candidates(self) -> list[ClaimRow]:
        _, rows = self.claim_store.search(ClaimFilter(kind="footprint"), 0, 1_000_000)
        return [r for r in rows if r.check_passed and r.state in (ANCHORED, CHECKED)]

    def _view(self, row_a: ClaimRow, row_b: ClaimRow, overlap: Overlap) -> OverlapView:
        a = OverlapParty(row_a.firm, row_a.claim_id, overlap.kg[0], overlap.buckets[0])
        b = OverlapParty(row_b.firm, row_b.claim_id, overlap.kg[1], overlap.buckets[1])
        shares = overlap.default_shares()
        if a.firm.lower() > b.firm.lower():
            a, b, shares = b, a, (shares[1], shares[0])
        return OverlapView(
            overlap_id=overlap_id(row_a.claim_id, row_b.claim_id),
            parties=(a, b),
            shipments=overlap.shipments,
            overlap_kgco2e=overlap.overlap_kgco2e,
            shipment_root=hx(overlap.root),
            default_shares_bps=shares,
        )

    def overlaps_of(self, firm: str) -> list[OverlapView]:
        """Every overlap between ``firm``'s active footprint claims and other firms' ones."""
        firm = to_checksum_address(firm)
        rows = self._candidates()
        mine = [r for r in rows if r.firm == firm]
        if not mine:
            return []
        index: dict[str, list[ClaimRow]] = {}
        others: dict[str, ShipmentEmissions] = {}
        for row in rows:
            if row.firm == firm:
                continue
            emissions = self._claim_emissions(row)
            if emissions is None:
                continue
            others[row.claim_id] = emissions
            for ref in emissions.refs:
                index.setdefault(ref, []).append(row)
        active: dict[str, bool] = {}

        def is_active(claim_id: str) -> bool:
            if claim_id not in active:
                state = self.ledger.claim_state(b32(claim_id))
                active[claim_id] = state.status == "active"
            return active[claim_id]

        found: list[OverlapView] = []
        for row in mine:
            emissions = self._claim_emissions(row)
            if emissions is None or not is_active(row.claim_id):
                continue
            partners = {p.claim_id: p for ref in emissions.refs for p in index.get(ref, [])}
            for claim_id, partner in sorted(partners.items(), key=lambda kv: kv[1].seq):
                if not is_active(claim_id):
                    continue
                overlap = match(emissions, others[claim_id])
                if overlap is not None:
                    found.append(self._view(row, partner, overlap))
        return found

    def overlap(self, overlap_id_: str, caller: str) -> OverlapView:
        for view in self.overlaps_of(caller):
            if view.overlap_id == overlap_id_.lower():
                return view
        raise NotFound(f"no overlap {overlap_id_} of {caller}")
