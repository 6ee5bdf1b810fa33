"""The shipment index on SQLite and PostgreSQL: refs written once per footprint, pairs found
by joining refs (only claims on chain and in force), and a second writer of the same claims
(another process) leaving the first one's rows."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from carbonledger.overlaps import ShipmentEmissions
from carbonledger.store.claims import ClaimStore
from carbonledger.store.db import chain_events
from carbonledger.store.shipments import Read, ShipmentIndex
from carbonledger.vocab.anchored import Anchored
from tests.store.conftest import claim_values

CARRIER, SHIPPER, OTHER = ("0x" + c * 40 for c in "abc")
ON_CHAIN = Anchored("0x" + "77" * 32, 7, "0x" + "88" * 32)


def _claim(firm: str, nonce: int, passed: bool = True) -> dict[str, Any]:
    return claim_values(firm, nonce, passed=passed)


def _emissions(firm: str, **kg: str) -> ShipmentEmissions:
    bucket = ("scope1",) if firm == CARRIER else ("scope3.cat4",)
    return ShipmentEmissions(
        firm, {f"0x{r}": Decimal(v) for r, v in kg.items()}, {f"0x{r}": bucket for r in kg}
    )


def _stored(engine: Engine, *claims: dict[str, Any]) -> list[str]:
    store = ClaimStore(engine)
    with store.transaction() as conn:
        store.add_many(list(claims), conn)
    ids = [c["claim_id"] for c in claims]
    store.mark_anchored(ids, ON_CHAIN)
    return ids


def _ended(engine: Engine, claim_id: str, event: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(chain_events).values(
                chain_id=31337, block_number=9, block_hash="0x" + "99" * 32,
                tx_hash="0x" + uuid.uuid4().hex * 2, log_index=0, contract="ClaimLedger",
                address="0x" + "dd" * 20, event=event, args={}, claim_id=claim_id, account=None,
            )
        )  # fmt: skip


def test_claims_sharing_a_ref_pair_up_while_on_chain_and_in_force(engine: Engine) -> None:
    index = ShipmentIndex(engine)
    mine, theirs, elsewhere, unrelated = _stored(
        engine, _claim(CARRIER, 0), _claim(SHIPPER, 0), _claim(OTHER, 0), _claim(SHIPPER, 1)
    )
    index.record(
        [
            Read(mine, CARRIER, _emissions(CARRIER, a1="1.5", a2="2", a3="0.25")),
            Read(theirs, SHIPPER, _emissions(SHIPPER, a1="1.25", a3="0.5")),
            Read(elsewhere, OTHER, _emissions(OTHER, zz="9")),
            Read(unrelated, SHIPPER, None),  # counts nothing per shipment
        ]
    )
    assert index.pairs(CARRIER) == [(mine, theirs)]
    assert index.pairs(SHIPPER) == [(theirs, mine)]
    assert index.pairs(OTHER) == []
    both = index.emissions([mine, theirs, unrelated])
    assert set(both) == {mine, theirs}  # no refs, no entry
    assert both[mine].kg == {"0xa1": Decimal("1.5"), "0xa2": Decimal(2), "0xa3": Decimal("0.25")}
    assert both[theirs].buckets["0xa3"] == ("scope3.cat4",) and both[theirs].firm == SHIPPER
    assert index.unread(10) == []  # every one marked read, with refs or without

    _ended(engine, theirs, "ClaimSuperseded")
    assert index.pairs(CARRIER) == []


def test_footprints_not_read_yet_are_listed_oldest_first_and_a_second_writer_keeps_the_first(
    engine: Engine,
) -> None:
    index = ShipmentIndex(engine)
    first, failed, second = _stored(
        engine, _claim(CARRIER, 0), _claim(CARRIER, 1, passed=False), _claim(SHIPPER, 0)
    )
    on_its_way = ClaimStore(engine).add(_claim(OTHER, 0)).claim_id  # accepted, not anchored
    unread = index.unread(10)
    assert [(c, f) for _, c, f in unread] == [  # a failed check: never
        (first, CARRIER),
        (second, SHIPPER),
        (on_its_way, OTHER),
    ]
    assert [c for _, c, _ in index.unread(1)] == [first]
    assert [c for _, c, _ in index.unread(10, after=unread[0][0])] == [second, on_its_way]
    assert index.newest_seq() == unread[-1][0]
    index.record([Read(first, CARRIER, _emissions(CARRIER, b1="1"))])
    # another process read two of them meanwhile: its write of ``first`` gives way
    ShipmentIndex(engine).record(
        [Read(first, CARRIER, _emissions(CARRIER, b1="7")), Read(second, SHIPPER, None)]
    )
    assert [c for _, c, _ in index.unread(10)] == [on_its_way]
    assert index.emissions([first])[first].kg == {"0xb1": Decimal(1)}
    assert failed not in {c for _, c, _ in index.unread(10)}
