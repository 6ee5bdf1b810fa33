"""Read-only views of the ledger for the API: claims with their on-chain history, and the
published versions of the standard. Each joins the service's own records with the chain."""

from __future__ import annotations

from dataclasses import dataclass

from carbonledger.chain.gateway import ClaimState
from carbonledger.services.errors import NotFound
from carbonledger.services.ports import ClaimStorePort, LedgerPort
from carbonledger.standard import Standard
from carbonledger.store.claims import ClaimFilter, ClaimRow
from carbonledger.store.events import EventLog, EventRow
from carbonledger.vocab import VERSION_STATUS_NAMES, b32, hx, name_of

#: ``EventRow``: the indexed events these queries answer with
__all__ = ["ClaimDetailView", "EventRow", "LedgerQueries", "StandardVersionView"]


@dataclass(frozen=True)
class ClaimDetailView:
    row: ClaimRow
    on_chain: ClaimState
    history: list[EventRow]


@dataclass(frozen=True)
class StandardVersionView:
    version: int
    content_hash: str
    effective_from: int
    status: str
    published_block: int
    checked_here: bool  # this service checks claims against this version


@dataclass
class LedgerQueries:
    """See the module docstring."""

    store: ClaimStorePort
    ledger: LedgerPort
    events: EventLog
    standard: Standard

    def claim(self, claim_id: str) -> ClaimRow:
        row = self.store.get(claim_id.lower())
        if row is None:
            raise NotFound(f"no claim {claim_id}")
        return row

    def claims(self, where: ClaimFilter, offset: int, limit: int) -> tuple[int, list[ClaimRow]]:
        return self.store.search(where, offset, limit)

    def chain_states(self, rows: list[ClaimRow]) -> dict[str, ClaimState]:
        """The chain's status, check and audit of the anchored ones among ``rows`` (one
        batched read); a claim not yet on chain has none."""
        anchored = [r.claim_id for r in rows if r.tx_hash]
        if not anchored:
            return {}
        states = self.ledger.claim_states([b32(c) for c in anchored])
        return dict(zip(anchored, states, strict=True))

    def claim_detail(self, claim_id: str) -> ClaimDetailView:
        """A claim with its state on chain and every indexed event of it, oldest first."""
        row = self.claim(claim_id)
        state = self.ledger.claim_state(b32(row.claim_id))
        return ClaimDetailView(row, state, self.events.of_claim(row.claim_id))

    def claim_events(self, claim_id: str) -> list[EventRow]:
        """Every indexed event of one claim (``0x``-hex id), oldest first."""
        return self.events.of_claim(claim_id)

    def standards(self, offset: int, limit: int) -> tuple[int, list[StandardVersionView]]:
        """Every version published in the StandardRegistry, with its current status."""
        published = self.events.named(["StandardPublished"])
        ours = hx(self.standard.content_hash)
        items = []
        for e in published[offset : offset + limit]:
            version = int(e.args["version"])
            status, effective_from = self.ledger.standard_status(version)
            items.append(
                StandardVersionView(
                    version=version,
                    content_hash=str(e.args["contentHash"]),
                    effective_from=effective_from,
                    status=name_of(VERSION_STATUS_NAMES, status),
                    published_block=e.block_number,
                    checked_here=str(e.args["contentHash"]) == ours,
                )
            )
        return len(published), items
