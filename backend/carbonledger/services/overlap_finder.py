"""Overlaps between partners' footprints (issue 6, items 1-2).

The service reads each checked footprint claim in its vault once, computes its emissions per
salted shipment ref (:mod:`carbonledger.overlaps`) into the shipment index
(:mod:`carbonledger.store.shipments`), and matches claims of different firms that share a ref.
A firm sees only the overlaps it is a party to; the refs themselves are never returned, only
their count and Merkle root.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from eth_utils.address import to_checksum_address

from carbonledger.overlaps import (
    Overlap,
    OverlapError,
    match,
    overlap_id,
    shipment_emissions,
)
from carbonledger.services.claims import ClaimService
from carbonledger.services.errors import InvalidRequest, NotFound
from carbonledger.services.ports import ShipmentIndexPort
from carbonledger.standard import StandardError
from carbonledger.store.shipments import Read
from carbonledger.vocab import hx


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


@dataclass(frozen=True)
class PartnerOverlaps:
    """A firm's overlaps with one partner, summed."""

    partner: str
    overlaps: int = 0  # pairs of footprints in force that share shipments
    shipments: int = 0
    overlap_kgco2e: int = 0  # what both count, kg (each overlap's smaller figure)
    my_kgco2e: Decimal = Decimal(0)  # what the firm counts for the shared shipments, exact
    partner_kgco2e: Decimal = Decimal(0)


log = logging.getLogger("carbonledger.overlaps")


class Leading(Protocol):
    """A role's lock as the reader sees it (:class:`carbonledger.store.leader.LeaderLock`)."""

    @property
    def holding(self) -> bool: ...


#: Most footprints read from their documents in one transaction of the shipment index.
READ_BATCH = 500


@dataclass(eq=False, repr=False)
class OverlapFinder:
    claims: ClaimService
    index: ShipmentIndexPort
    catch_up: Callable[[], object]  # index the chain's events up to its head
    _reading: threading.Lock = field(init=False, default_factory=threading.Lock)
    _looked_to: int = field(init=False, default=0)  # claims up to this seq: read or written

    def read_new(self) -> int:
        """Read the passed footprints that the shipment index does not have yet (stored by a
        version before it) into it, each document opened once, by whichever process comes
        first; how many were read. One that does not parse, counts nothing per shipment, or
        whose document the vault does not have (each is stored with its claim: only a vault
        restored apart from the claims lacks one) is marked read with no ref.

        The first reading of a process looks at every claim; later ones only at the claims
        accepted since (this version writes each footprint's refs with it). A claim that an
        older version's process, still running beside this one, commits with an earlier
        ``seq`` after a reading passed it is read when this process starts again."""
        done = 0
        with self._reading:
            newest = self.index.newest_seq()
            after = self._looked_to
            while batch := self.index.unread(READ_BATCH, after):
                documents = self.claims.read_documents([claim_id for _, claim_id, _ in batch])
                self.index.record(
                    [
                        self._read(claim_id, firm, documents.get(claim_id))
                        for _, claim_id, firm in batch
                    ]
                )
                done += len(batch)
                after = batch[-1][0]
                if len(batch) < READ_BATCH:
                    break
            self._looked_to = max(newest, after)
        return done

    def run_forever(
        self, stop: threading.Event, interval: float = 5.0, leader: Leading | None = None
    ) -> None:
        """:meth:`read_new` every ``interval`` until ``stop``, so that a GET /overlaps finds
        the footprints checked meanwhile already read (it reads what is left itself); only
        while ``leader`` (the indexer's lock) is held here, so a standby indexer's process
        reads nothing twice. A reading that fails (the database away a moment) is tried
        again at the next."""
        while not stop.is_set():
            try:
                if leader is None or leader.holding:
                    self.read_new()
            except Exception as exc:
                log.warning("reading footprints into the shipment index failed: %s", exc)
            stop.wait(interval)

    def _read(self, claim_id: str, firm: str, raw: bytes | None) -> Read:
        if raw is None:
            log.warning("footprint %s has no document in the vault: no overlap of it", claim_id)
            return Read(claim_id, firm, None)
        try:
            emissions = shipment_emissions(self.claims.parse(raw), self.claims.standard)
        except (InvalidRequest, StandardError, OverlapError):
            return Read(claim_id, firm, None)
        return Read(claim_id, firm, emissions if emissions.kg else None)

    @staticmethod
    def _view(a_party: tuple[str, str], b_party: tuple[str, str], overlap: Overlap) -> OverlapView:
        (firm_a, claim_a), (firm_b, claim_b) = a_party, b_party
        a = OverlapParty(firm_a, claim_a, overlap.kg[0], overlap.buckets[0])
        b = OverlapParty(firm_b, claim_b, overlap.kg[1], overlap.buckets[1])
        shares = overlap.default_shares()
        if a.firm.lower() > b.firm.lower():
            a, b, shares = b, a, (shares[1], shares[0])
        return OverlapView(
            overlap_id=overlap_id(claim_a, claim_b),
            parties=(a, b),
            shipments=overlap.shipments,
            overlap_kgco2e=overlap.overlap_kgco2e,
            shipment_root=hx(overlap.root),
            default_shares_bps=shares,
        )

    def overlaps_of(self, firm: str, partner: str | None = None) -> list[OverlapView]:
        """Every overlap between ``firm``'s footprint claims in force and other firms' ones
        (``partner``'s alone, if named): the footprints checked since the last call read into
        the shipment index, the chain's events indexed up to its head (a claim superseded or
        revoked a moment ago is out), then the pairs that share a ref found in the database."""
        firm = to_checksum_address(firm)
        pairs = self._pairs(firm, None if partner is None else to_checksum_address(partner))
        return self._views(firm, pairs)

    def overlap(self, overlap_id_: str, caller: str) -> OverlapView:
        """One of ``caller``'s overlaps: of its pairs, only the one with that id is matched."""
        caller = to_checksum_address(caller)
        wanted = overlap_id_.lower()
        pairs = self._pairs(caller, None)
        for view in self._views(caller, [p for p in pairs if overlap_id(*p) == wanted]):
            return view
        raise NotFound(f"no overlap {overlap_id_} of {caller}")

    def partners_of(self, firm: str) -> list[PartnerOverlaps]:
        """``firm``'s overlaps summed per partner, the largest overlap first."""
        firm = to_checksum_address(firm)
        sums: dict[str, PartnerOverlaps] = {}
        for view in self.overlaps_of(firm):
            mine, theirs = view.party(firm), view.partner_of(firm)
            was = sums.get(theirs.firm) or PartnerOverlaps(theirs.firm)
            sums[theirs.firm] = PartnerOverlaps(
                partner=theirs.firm,
                overlaps=was.overlaps + 1,
                shipments=was.shipments + view.shipments,
                overlap_kgco2e=was.overlap_kgco2e + view.overlap_kgco2e,
                my_kgco2e=was.my_kgco2e + mine.kgco2e,
                partner_kgco2e=was.partner_kgco2e + theirs.kgco2e,
            )
        return sorted(sums.values(), key=lambda p: (-p.overlap_kgco2e, p.partner.lower()))

    def _pairs(self, firm: str, partner: str | None) -> list[tuple[str, str]]:
        self.read_new()
        self.catch_up()
        return self.index.pairs(firm, partner)

    def _views(self, firm: str, pairs: list[tuple[str, str]]) -> list[OverlapView]:
        emissions = self.index.emissions({c for pair in pairs for c in pair})
        found: list[OverlapView] = []
        for mine, theirs in pairs:
            a, b = emissions[mine], emissions[theirs]
            overlap = match(a, b)
            if overlap is not None:
                found.append(
                    self._view((firm, mine), (to_checksum_address(b.firm), theirs), overlap)
                )
        return found
