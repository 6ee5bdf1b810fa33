"""Queued citations read by the settlements they belong to, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from carbonledger.store import settlements as settlements_store
from carbonledger.store.settlements import PENDING, SettlementStore
from tests.store.test_insert_once import citation


def test_the_citations_of_several_settlements_are_read_in_one_query_in_queue_order(
    engine: Engine,
) -> None:
    store = SettlementStore(engine)
    settlements = ["0x" + f"{i:02x}" * 32 for i in (1, 2, 3)]
    queued = [
        {**citation("0x" + "11" * 20, "0x" + f"c{i}" * 32), "settlement_id": sid}
        for i, sid in enumerate([*settlements, settlements[0]])
    ]
    store.add_citations(queued)

    picked = store.citations(settlement_ids=[settlements[0], settlements[2]], state=PENDING)

    assert [(r.settlement_id, r.claim_id) for r in picked] == [
        (c["settlement_id"], c["claim_id"]) for c in (queued[0], queued[2], queued[3])
    ]
    assert store.citations(settlement_ids=[]) == []


def test_the_citations_of_more_settlements_than_one_query_holds_keep_their_queue_order(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settlements_store, "IN_CHUNK", 1)  # a query per settlement
    store = SettlementStore(engine)
    settlements = ["0x" + f"{i:02x}" * 32 for i in (1, 2)]
    queued = [
        {**citation("0x" + "11" * 20, "0x" + f"d{i}" * 32), "settlement_id": sid}
        for i, sid in enumerate([settlements[1], settlements[0], settlements[1]])
    ]
    store.add_citations(queued)

    picked = store.citations(settlement_ids=settlements)

    assert [r.claim_id for r in picked] == [c["claim_id"] for c in queued]
