"""Root mode's outbox: the Merkle roots of signed claims, and each claim's proof.

The anchoring worker plans a root (its claims and their proofs, one transaction) *before* it
sends ``recordRoot``, and marks it recorded once the receipt (or, after a crash between send
and mark, the chain's ``rootOf``) says so. A planned root is re-sent as planned, so a claim
is under exactly one root and its stored proof is the one that root checks. A root the chain
lost (reconciliation) goes back to planned and is sent again, the same tree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Integer,
    Table,
    func,
    select,
    update,
)

from carbonledger.store import columns
from carbonledger.store.claims import ACCEPTED, QUEUED, ClaimRow, claims, queue_read_sqlite
from carbonledger.store.db import AnchoredColumns, TableStore, metadata, schema_changes, utc_now
from carbonledger.vocab.anchored import Anchored

PLANNED = "planned"
RECORDED = "recorded"

#: where the root was recorded on chain
_WHERE = AnchoredColumns()

claim_roots = Table(
    "claim_roots",
    metadata,
    columns.hex32("root", primary_key=True),
    Column("count", Integer, nullable=False),
    columns.enum("state", index=True),
    *_WHERE.columns(),
    columns.timestamp("planned_at"),
)

claim_proofs = Table(
    "claim_proofs",
    metadata,
    columns.hex32("claim_id", primary_key=True),
    columns.hex32("root", index=True),
    Column("leaf_index", Integer, nullable=False),
    columns.hex32("leaf"),
    Column("proof", JSON, nullable=False),  # sibling hashes, 0x hex, leaf to root
)


@dataclass(frozen=True)
class RootPlan:
    root: str
    count: int
    state: str
    where: Anchored | None  # where it was recorded; None while planned
    claim_ids: tuple[str, ...]


@dataclass(frozen=True)
class ClaimProof:
    """A claim's place under its root: what the API serves and the verifier checks."""

    claim_id: str
    root: str
    leaf_index: int
    leaf: str
    proof: tuple[str, ...]
    root_state: str
    tx_hash: str | None
    block_number: int | None


#: the accepted claims under no root yet in the queue's order, read on SQLite through the
#: queue's index (see ``carbonledger.store.claims._QUEUE_SQLITE``: 43 ms instead of ~7 at
#: 55,000 waiting, its planner's choice without statistics)
_UNROOTED_SQLITE = queue_read_sqlite("claim_id NOT IN (SELECT claim_id FROM claim_proofs)")


class RootStore(TableStore):
    """Roots and proofs, next to the claims table (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        with schema_changes(engine):
            claim_roots.create(engine, checkfirst=True)
            claim_proofs.create(engine, checkfirst=True)

    def unrooted(self, state: str, limit: int) -> list[ClaimRow]:
        """Claims in ``state`` under no root yet: accepted ones in the anchoring queue's
        order (:func:`carbonledger.store.claims.turns`), others oldest first."""
        if state == ACCEPTED and self.engine.dialect.name == "sqlite":
            return self._all(ClaimRow, _UNROOTED_SQLITE, {"limit": limit})
        query = (
            select(claims)
            .where(
                QUEUED if state == ACCEPTED else claims.c.state == state,
                claims.c.claim_id.not_in(select(claim_proofs.c.claim_id)),
            )
            .order_by(*((claims.c.turn,) if state == ACCEPTED else ()), claims.c.seq)
            .limit(limit)
        )
        return self._all(ClaimRow, query)

    def plan(self, root: str, proofs: Sequence[tuple[str, int, str, Sequence[str]]]) -> None:
        """Store a root with its claims' (claim id, leaf index, leaf, proof), one transaction."""
        now = utc_now()
        with self.engine.begin() as conn:
            conn.execute(
                claim_roots.insert(),
                {"root": root, "count": len(proofs), "state": PLANNED, "planned_at": now},
            )
            conn.execute(
                claim_proofs.insert(),
                [
                    {"claim_id": c, "root": root, "leaf_index": i, "leaf": leaf, "proof": list(p)}
                    for c, i, leaf, p in proofs
                ],
            )

    def roots(self, state: str) -> list[RootPlan]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(claim_roots)
                .where(claim_roots.c.state == state)
                .order_by(claim_roots.c.planned_at)
            ).all()
            ids: dict[str, list[str]] = {}
            if rows:
                for cid, root in conn.execute(
                    select(claim_proofs.c.claim_id, claim_proofs.c.root)
                    .where(claim_proofs.c.root.in_([r.root for r in rows]))
                    .order_by(claim_proofs.c.leaf_index)
                ).all():
                    ids.setdefault(root, []).append(cid)
        return [
            RootPlan(
                r.root,
                int(r._mapping["count"]),
                r.state,
                _WHERE.read(r._mapping),
                tuple(ids.get(r.root, ())),
            )
            for r in rows
        ]

    def mark(self, root: str, state: str, where: Anchored | None = None) -> None:
        """The root is in ``state``, recorded at ``where`` (``None``: not, or no longer)."""
        self._write(
            update(claim_roots)
            .where(claim_roots.c.root == root)
            .values(state=state, **_WHERE.values(where))
        )

    def roots_of(self, claim_ids: Sequence[str]) -> Mapping[str, str]:
        """claim id -> root, for those of ``claim_ids`` under a root."""
        if not claim_ids:
            return {}
        with self.engine.connect() as conn:
            return {
                str(c): str(r)
                for c, r in conn.execute(
                    select(claim_proofs.c.claim_id, claim_proofs.c.root).where(
                        claim_proofs.c.claim_id.in_(list(claim_ids))
                    )
                ).all()
            }

    def proof_of(self, claim_id: str) -> ClaimProof | None:
        query = select(claim_proofs, claim_roots).join(
            claim_roots, claim_roots.c.root == claim_proofs.c.root
        )
        with self.engine.connect() as conn:
            row = conn.execute(query.where(claim_proofs.c.claim_id == claim_id)).first()
        if row is None:
            return None
        m = row._mapping
        return ClaimProof(
            claim_id=str(m[claim_proofs.c.claim_id]),
            root=str(m[claim_proofs.c.root]),
            leaf_index=int(m[claim_proofs.c.leaf_index]),
            leaf=str(m[claim_proofs.c.leaf]),
            proof=tuple(str(p) for p in m[claim_proofs.c.proof]),
            root_state=str(m[claim_roots.c.state]),
            tx_hash=m[claim_roots.c.tx_hash],
            block_number=m[claim_roots.c.block_number],
        )

    def count(self) -> int:
        return int(self._scalar(select(func.count()).select_from(claim_roots)))
