"""Reads of the indexed contract events (``chain_events``, written by the indexer)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, select

from carbonledger.store.db import chain_events

#: the events after which a claim is no longer in force: an amendment superseded it, or its
#: firm revoked it
CLAIM_ENDED = ("ClaimSuperseded", "ClaimRevoked")


@dataclass(frozen=True)
class EventRow:
    """One indexed event: where it was emitted and its decoded arguments."""

    event: str
    contract: str
    block_number: int
    tx_hash: str
    log_index: int
    args: dict[str, Any]
    account: str | None


class EventLog:
    """The indexed events, oldest first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _rows(self, condition: Any, newest_first: bool = False) -> list[EventRow]:
        block, index = chain_events.c.block_number, chain_events.c.log_index
        order = (block.desc(), index.desc()) if newest_first else (block, index)
        query = select(chain_events).where(condition).order_by(*order)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            EventRow(r.event, r.contract, r.block_number, r.tx_hash, r.log_index, r.args, r.account)
            for r in rows
        ]

    def of_claim(self, claim_id: str) -> list[EventRow]:
        """Every event of one claim (submitted, checked, audited, superseded, revoked)."""
        return self._rows(chain_events.c.claim_id == claim_id)

    def named(
        self, names: Collection[str], newest_first: bool = False, account: str | None = None
    ) -> list[EventRow]:
        """Every event with one of ``names`` (about ``account`` only, when given)."""
        conditions: list[ColumnElement[bool]] = [chain_events.c.event.in_(list(names))]
        if account is not None:
            conditions.append(chain_events.c.account == account)
        return self._rows(and_(*conditions), newest_first)

    def claims_named(self, names: Collection[str], account: str) -> set[str]:
        """The claims (``0x``-hex ids) with an event of one of ``names`` about ``account``
        (e.g. a firm's superseded and revoked claims)."""
        query = select(chain_events.c.claim_id).where(
            chain_events.c.event.in_(list(names)),
            chain_events.c.account == account,
            chain_events.c.claim_id.is_not(None),
        )
        with self.engine.connect() as conn:
            return {str(r.claim_id) for r in conn.execute(query)}
