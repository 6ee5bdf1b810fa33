"""Rows written "unless present" (``store.db.insert_ignoring_duplicates``) are stored once: a
retried citation, a footprint granted again, also when one write repeats an item. On SQLite
and on a real PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from carbonledger.pact.store import PactStore
from carbonledger.store.settlements import PENDING, SettlementStore

SETTLEMENT = "0x" + "5e" * 32


def citation(party: str, claim: str) -> dict[str, Any]:
    return {
        "settlement_id": SETTLEMENT,
        "party": party,
        "claim_id": claim,
        "nonce": 0,
        "deadline": 2**40,
        "signature": "0x" + "33" * 65,
    }


def test_citations_queued_again_are_stored_once_each_in_their_first_order(
    engine: Engine,
) -> None:
    store = SettlementStore(engine)
    first = citation("0x" + "11" * 20, "0x" + "c1" * 32)
    second = citation("0x" + "22" * 20, "0x" + "c1" * 32)
    third = citation("0x" + "11" * 20, "0x" + "c2" * 32)

    store.add_citations([first, second])
    store.add_citations([second, first, third, third])

    rows = store.citations(settlement_id=SETTLEMENT)
    assert [(r.party, r.claim_id) for r in rows] == [
        (c["party"], c["claim_id"]) for c in (first, second, third)
    ]
    assert {r.state for r in rows} == {PENDING}


def test_a_footprint_granted_again_is_granted_once(engine: Engine) -> None:
    store = PactStore(engine)

    store.grant("partner", ["pf-a", "pf-b"])
    store.grant("partner", ["pf-b", "pf-c", "pf-c"])
    store.grant("other", [])

    assert store.granted("partner") == {"pf-a", "pf-b", "pf-c"}
    assert store.clients_granted(["pf-b"]) == {"partner"}
    store.withdraw("partner", ["pf-a"])
    assert store.granted("partner") == {"pf-b", "pf-c"}
