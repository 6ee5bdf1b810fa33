"""The anchoring queue: which accepted claims the worker takes first (``ClaimStore.in_state``
of ``accepted``, ``RootStore.unrooted``), each firm's backlog, and a database an older version
wrote (no ``turn`` column), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, inspect, text

from carbonledger.store.claims import ACCEPTED, ClaimRow, ClaimStore, turns
from carbonledger.store.roots import RootStore
from carbonledger.vocab.anchored import Anchored
from tests.store.conftest import claim_values

BIG, SMALL, THIRD = ("0x" + "b1" * 20), ("0x" + "5a" * 20), ("0x" + "c3" * 20)
WHERE = Anchored("0x" + "a1" * 32, 7, "0x" + "b1" * 32)


def file(store: ClaimStore, firm: str, nonces: range) -> list[ClaimRow]:
    """``firm``'s claims with ``nonces``, accepted in one transaction (one request)."""
    with store.transaction() as conn:
        rows = store.add_many([claim_values(firm, n) for n in nonces], conn)
    assert all(r is not None for r in rows)
    return [r for r in rows if r is not None]


def taken(rows: Sequence[ClaimRow]) -> list[tuple[str, int]]:
    return [(r.firm, r.nonce) for r in rows]


def test_a_firm_filing_after_a_bulk_upload_is_in_the_next_round_not_behind_it(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    file(store, BIG, range(2000))
    file(store, SMALL, range(1))

    first_round = store.in_state(ACCEPTED, 100)

    assert (SMALL, 0) in taken(first_round[:2])
    # the big firm's claims keep their order, and fill the rest of the round
    assert [n for f, n in taken(first_round) if f == BIG] == list(range(99))


def test_firms_with_claims_waiting_take_one_claim_a_turn_in_nonce_order(engine: Engine) -> None:
    store = ClaimStore(engine)
    file(store, BIG, range(50))
    file(store, SMALL, range(50))
    file(store, THIRD, range(2))

    order = taken(store.in_state(ACCEPTED, 8))

    assert order == [
        (BIG, 0), (SMALL, 0), (THIRD, 0),
        (BIG, 1), (SMALL, 1), (THIRD, 1),
        (BIG, 2), (SMALL, 2),
    ]  # fmt: skip


def test_a_firm_arriving_later_starts_at_the_head_of_what_still_waits(engine: Engine) -> None:
    store = ClaimStore(engine)
    big = file(store, BIG, range(100))
    with store.transaction() as conn:  # the first 60 went on chain
        store.mark_round_anchored([([r.claim_id for r in big[:60]], WHERE)], conn)
    file(store, SMALL, range(3))

    order = taken(store.in_state(ACCEPTED, 6))

    assert order == [(BIG, 60), (SMALL, 0), (BIG, 61), (SMALL, 1), (BIG, 62), (SMALL, 2)]


def test_a_claim_the_chain_lost_goes_back_to_the_front_of_the_queue(engine: Engine) -> None:
    store = ClaimStore(engine)
    big = file(store, BIG, range(10))
    with store.transaction() as conn:
        store.mark_round_anchored([([r.claim_id for r in big[:5]], WHERE)], conn)
    file(store, SMALL, range(10))

    store.reset_to_accepted([big[4].claim_id])

    assert taken(store.in_state(ACCEPTED, 3)) == [(BIG, 4), (BIG, 5), (SMALL, 0)]


def test_a_claim_lost_after_the_queue_emptied_still_goes_before_its_firms_later_claims(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    early = file(store, BIG, range(10))
    with store.transaction() as conn:  # all on chain: nothing waits
        store.mark_round_anchored([([r.claim_id for r in early], WHERE)], conn)
    file(store, BIG, range(10, 13))
    file(store, SMALL, range(2))

    store.reset_to_accepted([early[9].claim_id])  # the chain lost the last of them

    assert taken(store.in_state(ACCEPTED, 3)) == [(BIG, 9), (BIG, 10), (SMALL, 0)]


def test_a_firms_backlog_is_what_it_has_waiting_and_nothing_once_it_is_on_chain(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    assert store.firm_backlog(BIG, exact_from=1000) == 0
    big = file(store, BIG, range(30))
    file(store, SMALL, range(5))
    assert store.firm_backlog(BIG, exact_from=1000) == 30
    with store.transaction() as conn:
        store.mark_round_anchored([([r.claim_id for r in big[:12]], WHERE)], conn)
    assert store.firm_backlog(BIG, exact_from=1000) == 18
    # a lost claim back in the queue widens the span of places: counted when it matters
    store.reset_to_accepted([big[0].claim_id])
    assert store.firm_backlog(BIG, exact_from=1000) == 30  # the span, an upper bound
    assert store.firm_backlog(BIG, exact_from=20) == 19  # counted
    assert store.firm_backlog(SMALL, exact_from=1000) == 5


def test_root_mode_takes_the_unrooted_claims_in_the_same_turns(engine: Engine) -> None:
    store = ClaimStore(engine)
    roots = RootStore(engine)
    file(store, BIG, range(40))
    file(store, SMALL, range(2))

    assert taken(roots.unrooted(ACCEPTED, 5)) == [
        (BIG, 0), (SMALL, 0), (BIG, 1), (SMALL, 1), (BIG, 2),
    ]  # fmt: skip


def test_a_database_an_older_version_wrote_keeps_its_queue_first_come_first_served(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    file(store, BIG, range(3))
    file(store, SMALL, range(2))
    with engine.begin() as conn:  # as the version before the anchoring queue left it
        conn.execute(text("DROP INDEX ix_claims_queue"))
        conn.execute(text("DROP INDEX ix_claims_firm_queue"))
        conn.execute(text("ALTER TABLE claims DROP COLUMN turn"))
    assert "turn" not in {c["name"] for c in inspect(engine).get_columns("claims")}

    again = ClaimStore(engine)
    file(again, THIRD, range(1))

    assert taken(again.in_state(ACCEPTED, 6)) == [
        (BIG, 0), (THIRD, 0), (BIG, 1), (BIG, 2), (SMALL, 0), (SMALL, 1),
    ]  # fmt: skip
    indexes = {i["name"] for i in inspect(engine).get_indexes("claims")}
    assert {"ix_claims_queue", "ix_claims_firm_queue"} <= indexes


def test_a_claim_an_older_version_anchored_and_the_chain_lost_goes_before_its_firms_later_ones(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    done = file(store, BIG, range(2))
    with store.transaction() as conn:
        store.mark_round_anchored([([done[0].claim_id], WHERE)], conn)
    store.mark_checked([done[0].claim_id], WHERE)
    with engine.begin() as conn:  # as the version before the anchoring queue left it
        conn.execute(text("DROP INDEX ix_claims_queue"))
        conn.execute(text("DROP INDEX ix_claims_firm_queue"))
        conn.execute(text("ALTER TABLE claims DROP COLUMN turn"))
    again = ClaimStore(engine)  # gives the waiting claim (nonce 1) its place, not the other
    file(again, BIG, range(2, 4))
    file(again, SMALL, range(1))

    again.reset_to_accepted([done[0].claim_id])  # the chain lost nonce 0

    assert taken(again.in_state(ACCEPTED, 5)) == [
        (BIG, 0), (BIG, 1), (SMALL, 0), (BIG, 2), (BIG, 3),
    ]  # fmt: skip
    assert again.firm_backlog(BIG, exact_from=10**9) == 4  # its span: never short


def test_places_follow_each_firms_last_or_the_head() -> None:
    assert turns(["a", "a", "b"], None, {}) == [0, 1, 0]
    assert turns(["b", "a", "b"], 40, {"a": 90}) == [40, 91, 41]
    assert turns(["a"], 7, {"a": 0}) == [1]  # a last place of 0 is a place
    assert turns([], 3, {"a": 4}) == []


def test_the_status_counts_each_firms_waiting_claims_largest_first_naming_none(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    assert store.waiting_by_firm() == []
    big = file(store, BIG, range(7))
    file(store, SMALL, range(2))
    file(store, THIRD, range(4))
    with store.transaction() as conn:
        store.mark_round_anchored([([r.claim_id for r in big[:6]], WHERE)], conn)

    assert store.waiting_by_firm() == [4, 2, 1]
