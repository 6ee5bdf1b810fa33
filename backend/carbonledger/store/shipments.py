"""The shipment index: what each passed footprint counts per salted shipment ref, written
with the footprint when the service accepts it (read once from its document for one stored
before the index), so that a firm's overlaps are found by joining refs in the database.

Finding overlaps used to open (decrypt and parse) every footprint of the consortium in each
API process, keep them all in memory, and ask the chain for the state of each candidate one
call at a time: at 10,000 footprints a firm's GET /overlaps took ~11 s the first time and
~1.7 s each time after, with 5,000 JSON-RPC requests (``scripts/bench_overlaps.py``). Here a
footprint's refs are written once (``shipment_refs``, keyed by claim and ref, looked up by
ref; a claim that counts no shipment, or whose document does not parse, gets one row with
:data:`NO_REF`, so that it counts as read), so any process finds the pairs that share a ref
with one query, and leaves out those superseded or revoked by the indexed events.

The refs are the partners' salted hashes (:func:`carbonledger.overlaps.salted_ref`), which
the firms' own claims already carry; nothing here is more than the service read from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    exists,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from carbonledger.overlaps import ShipmentEmissions
from carbonledger.store import columns
from carbonledger.store.claims import ANCHORED, CHECKED, NEWEST_SEQ, REFUSED, claims
from carbonledger.store.db import (
    IN_CHUNK,
    PreparedInsert,
    TableStore,
    chain_events,
    metadata,
    schema_changes,
)
from carbonledger.store.events import CLAIM_ENDED

#: the ref of a claim's only row when it was read and counts nothing per shipment (its
#: document counts no shipment, or does not parse): read, and never paired
NO_REF = ""

shipment_refs = Table(
    "shipment_refs",
    metadata,
    columns.hex32("claim_id"),
    columns.address("firm"),
    Column("ref", String(66), nullable=False),  # a salted shipment ref, or NO_REF
    Column("kgco2e", String(80), nullable=False),  # an exact decimal (str of a Decimal)
    Column("counted_in", String(200), nullable=False),  # e.g. "scope1" or "scope3.cat4,scope1"
    PrimaryKeyConstraint("claim_id", "ref"),
    Index("ix_shipment_refs_ref", "ref"),
)

_REFS = PreparedInsert(shipment_refs)
_REFS_ONCE = PreparedInsert(shipment_refs, ignore_duplicates=True)


@dataclass(frozen=True)
class Read:
    """One footprint as read from its document: what it counts per ref (None: nothing, or a
    document that does not parse)."""

    claim_id: str
    firm: str
    emissions: ShipmentEmissions | None


class ShipmentIndex(TableStore):
    """See the module docstring."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        with schema_changes(engine):  # ``create_all`` ran with the engine: an older database
            shipment_refs.create(engine, checkfirst=True)

    def unread(self, limit: int, after: int = 0) -> list[tuple[int, str, str]]:
        """Up to ``limit`` passed footprints not read yet (not refused; on chain or on their
        way: the document is in the vault from the start), accepted after the claim ``seq``
        ``after``, oldest first: (seq, claim id, firm)."""
        c = claims.c
        query = (
            select(c.seq, c.claim_id, c.firm)
            .where(
                c.seq > after,
                c.kind == "footprint",
                c.check_passed,
                c.state != REFUSED,
                ~exists().where(shipment_refs.c.claim_id == c.claim_id),
            )
            .order_by(c.seq)
            .limit(limit)
        )
        return [(r[0], r[1], r[2]) for r in self._rows(query)]

    def newest_seq(self) -> int:
        """The ``seq`` of the claim accepted last (0: none)."""
        return int(self._scalar(NEWEST_SEQ) or 0)

    def record(self, read: Sequence[Read]) -> None:
        """Write what each footprint counts per ref and mark it read, in one transaction; a
        claim another process recorded first is left as it wrote it (the same document gives
        the same refs: ``ON CONFLICT DO NOTHING``)."""
        with self.engine.begin() as conn:
            _write(conn, read, _REFS_ONCE)

    @staticmethod
    def record_in(conn: Connection, read: Sequence[Read]) -> None:
        """Write ``read`` in the open transaction ``conn``: the claims' own, when the service
        accepts them (a claim and its refs are stored together, and no other process can
        have written either). Nothing is committed here."""
        _write(conn, read, _REFS)

    def pairs(self, firm: str, partner: str | None = None) -> list[tuple[str, str]]:
        """(claim of ``firm``, claim of another firm, or of ``partner`` alone) that share at
        least one ref, both on chain and in force (no ``ClaimSuperseded`` or ``ClaimRevoked``
        indexed for either), in the order the firm's claims were accepted, then its
        partners'."""
        mine, theirs = shipment_refs.alias("mine"), shipment_refs.alias("theirs")
        my_claim, their_claim = claims.alias("my_claim"), claims.alias("their_claim")

        def in_force(claim: Any) -> ColumnElement[bool]:
            c = claim.c
            ended = exists().where(
                chain_events.c.claim_id == c.claim_id, chain_events.c.event.in_(CLAIM_ENDED)
            )
            return and_(c.state.in_((ANCHORED, CHECKED)), ~ended)

        query = (
            select(mine.c.claim_id, theirs.c.claim_id)
            .join(theirs, and_(theirs.c.ref == mine.c.ref, theirs.c.firm != mine.c.firm))
            .join(my_claim, my_claim.c.claim_id == mine.c.claim_id)
            .join(their_claim, their_claim.c.claim_id == theirs.c.claim_id)
            .where(
                my_claim.c.firm == firm,  # the claims' index on firm: only this firm's rows
                mine.c.ref != NO_REF,
                in_force(my_claim),
                in_force(their_claim),
                *([] if partner is None else [their_claim.c.firm == partner]),
            )
            .group_by(mine.c.claim_id, theirs.c.claim_id, my_claim.c.seq, their_claim.c.seq)
            .order_by(my_claim.c.seq, their_claim.c.seq)
        )
        return [(r[0], r[1]) for r in self._rows(query)]

    def emissions(self, claim_ids: Iterable[str]) -> dict[str, ShipmentEmissions]:
        """What each of ``claim_ids`` counts per ref, as read (claims without refs are left
        out)."""
        ids = sorted(set(claim_ids))
        kg: dict[str, dict[str, Decimal]] = {}
        buckets: dict[str, dict[str, tuple[str, ...]]] = {}
        firms: dict[str, str] = {}
        r = shipment_refs.c
        for k in range(0, len(ids), IN_CHUNK):
            query = select(r.claim_id, r.firm, r.ref, r.kgco2e, r.counted_in).where(
                r.claim_id.in_(ids[k : k + IN_CHUNK]), r.ref != NO_REF
            )
            for claim_id, firm, ref, kgco2e, counted_in in self._rows(query):
                firms[claim_id] = firm
                kg.setdefault(claim_id, {})[ref] = Decimal(kgco2e)
                buckets.setdefault(claim_id, {})[ref] = tuple(counted_in.split(","))
        return {c: ShipmentEmissions(firms[c], kg[c], buckets[c]) for c in kg}


def _write(conn: Connection, read: Sequence[Read], insert: PreparedInsert) -> None:
    """One statement (an ``executemany``): each claim's refs, or its :data:`NO_REF` row."""
    insert.many(
        conn,
        [
            {
                "claim_id": r.claim_id,
                "firm": r.firm,
                "ref": ref,
                "kgco2e": str(kg),
                "counted_in": ",".join(buckets),
            }
            for r in read
            for ref, kg, buckets in (
                [(ref, kg, r.emissions.buckets[ref]) for ref, kg in r.emissions.kg.items()]
                if r.emissions is not None and r.emissions.kg
                else [(NO_REF, 0, ())]
            )
        ],
    )
