"""The settlements table (proposals the service relayed, with their off-chain project text)
and the allocation citations outbox (firm-signed ``Citation`` messages relayed once the
citing reduction claim is on chain).

The chain is the source of truth for a settlement's status, consents, allocations and
payments; a row here keeps what the chain does not: the project description, the overlap it
came from and the proposer, so the parties can review what they sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Table,
    Text,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from carbonledger.errors import CarbonLedgerError
from carbonledger.store import columns
from carbonledger.store.db import (
    IN_CHUNK,
    TableStore,
    insert_ignoring_duplicates,
    metadata,
    seq_key,
    utc_now,
)

PENDING = "pending"
RECORDED = "recorded"
REFUSED = "refused"

settlements = Table(
    "settlements",
    metadata,
    seq_key(),
    columns.hex32("settlement_id", unique=True),
    columns.hex32("overlap_id", index=True),
    columns.address("proposer"),
    Column("parties", JSON, nullable=False),  # checksummed addresses, in the terms' order
    Column("terms", JSON, nullable=False),  # the Terms, bytes as 0x-hex
    Column("project", JSON, nullable=False),  # the object hashed into projectHash
    columns.hex32("tx_hash"),
    Column("block_number", BigInteger, nullable=False),
    Column("evidence", JSON, nullable=True),  # {"hash", "document_id", "auditor"} once attested
    columns.timestamp("created_at"),
)

citations = Table(
    "settlement_citations",
    metadata,
    seq_key(),
    columns.hex32("settlement_id", index=True),
    columns.address("party", index=True),
    columns.hex32("claim_id", index=True),
    Column("nonce", BigInteger, nullable=False),
    Column("deadline", BigInteger, nullable=False),
    columns.signature(),
    columns.enum("state", index=True),
    columns.hex32("tx_hash", nullable=True),
    Column("error", Text),
    columns.timestamp("created_at"),
    UniqueConstraint("settlement_id", "party", "claim_id", name="uq_citation"),
)


class SettlementStoreError(CarbonLedgerError):
    """Root of the settlement store's errors."""


class SettlementAlreadyStored(SettlementStoreError):
    pass


@dataclass(frozen=True)
class SettlementRow:
    seq: int
    settlement_id: str
    overlap_id: str
    proposer: str
    parties: list[str]
    terms: dict[str, Any]
    project: dict[str, Any]
    tx_hash: str
    block_number: int
    evidence: dict[str, Any] | None
    created_at: str


@dataclass(frozen=True)
class CitationRow:
    seq: int
    settlement_id: str
    party: str
    claim_id: str
    nonce: int
    deadline: int
    signature: str
    state: str
    tx_hash: str | None
    error: str | None
    created_at: str


class SettlementStore(TableStore):
    # --- settlements ---
    def add(self, values: dict[str, Any]) -> SettlementRow:
        try:
            with self.engine.begin() as conn:
                conn.execute(settlements.insert().values(**values, created_at=utc_now()))
        except IntegrityError:
            raise SettlementAlreadyStored(values["settlement_id"]) from None
        row = self.get(values["settlement_id"])
        assert row is not None
        return row

    def get(self, settlement_id: str) -> SettlementRow | None:
        return self._first(
            SettlementRow,
            select(settlements).where(settlements.c.settlement_id == settlement_id.lower()),
        )

    def of_party(self, party: str) -> list[SettlementRow]:
        """Every settlement ``party`` is in, oldest first (parties are few per row)."""
        rows = self._all(SettlementRow, select(settlements).order_by(settlements.c.seq))
        return [r for r in rows if party in r.parties]

    def set_evidence(self, settlement_id: str, evidence: dict[str, Any]) -> None:
        self._write(
            update(settlements)
            .where(settlements.c.settlement_id == settlement_id)
            .values(evidence=evidence)
        )

    # --- citations (outbox) ---
    def add_citations(self, items: Sequence[dict[str, Any]]) -> None:
        """Queue signed citations (a retry of the same claim's citations is a no-op: one row
        per settlement, party and claim, ``uq_citation``)."""
        if not items:
            return
        now = utc_now()
        with self.engine.begin() as conn:
            conn.execute(
                insert_ignoring_duplicates(self.engine, citations),
                [{**item, "state": PENDING, "created_at": now} for item in items],
            )

    def citations(
        self,
        *,
        settlement_id: str | None = None,
        settlement_ids: Sequence[str] | None = None,
        party: str | None = None,
        claim_id: str | None = None,
        state: str | None = None,
    ) -> list[CitationRow]:
        """The citations that match every filter given, in the order they were queued
        (``settlement_ids``: of any of these settlements, however many: read
        :data:`~carbonledger.store.db.IN_CHUNK` settlements a query)."""
        query = select(citations).order_by(citations.c.seq)
        if settlement_id is not None:
            query = query.where(citations.c.settlement_id == settlement_id)
        if party is not None:
            query = query.where(citations.c.party == party)
        if claim_id is not None:
            query = query.where(citations.c.claim_id == claim_id)
        if state is not None:
            query = query.where(citations.c.state == state)
        if settlement_ids is None:
            return self._all(CitationRow, query)
        ids = list(settlement_ids)
        found = [
            row
            for k in range(0, len(ids), IN_CHUNK)
            for row in self._all(
                CitationRow, query.where(citations.c.settlement_id.in_(ids[k : k + IN_CHUNK]))
            )
        ]
        return sorted(found, key=lambda row: row.seq)

    def mark_citation(
        self, seq: int, state: str, tx_hash: str | None = None, error: str | None = None
    ) -> None:
        self._write(
            update(citations)
            .where(citations.c.seq == seq, citations.c.state == PENDING)  # the first to know
            .values(state=state, tx_hash=tx_hash, error=error)
        )
