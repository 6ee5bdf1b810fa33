"""The claims table records where the chain anchored a claim and its check (an ``Anchored``
each), clears them when the chain lost them, and the in-memory fake the service tests run on
moves a claim through the same steps to the same row. Roots record where they landed alike.
On SQLite and on a real PostgreSQL."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine

from carbonledger.store.claims import ClaimFilter, ClaimRow, ClaimStore, claims, unset
from carbonledger.store.db import insert_ignoring_duplicates
from carbonledger.store.roots import PLANNED, RECORDED, RootStore
from carbonledger.vocab.anchored import Anchored
from tests.store.conftest import claim_values
from tests.store.test_roots import FIRM, accept
from tests.support.fakes import InMemoryClaimStore

FIRST = Anchored("0x" + "a1" * 32, 7, "0x" + "b1" * 32)
SECOND = Anchored("0x" + "a2" * 32, 8, "0x" + "b2" * 32)
THIRD = Anchored("0x" + "a3" * 32, 9, "0x" + "b3" * 32)


def _steps(store: Any, ids: list[str]) -> list[dict[str, Any]]:
    """Anchor both claims, check the first, lose and re-record its check, lose the second;
    each row afterwards without the store's own timestamps."""
    store.mark_anchored(ids, FIRST)
    store.mark_checked(ids[:1], SECOND)
    store.reset_to_anchored(ids[:1])
    store.mark_checked(ids[:1], THIRD)
    store.reset_to_accepted(ids[1:])
    rows: list[ClaimRow] = [store.get(claim_id) for claim_id in ids]
    return [
        {k: v for k, v in asdict(r).items() if k not in ("seq", "accepted_at", "updated_at")}
        for r in rows
    ]


def test_a_claim_keeps_where_it_was_anchored_and_checked_and_a_loss_clears_it(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    ids = accept(store, 2)

    checked, lost = _steps(store, ids)

    assert checked["state"] == "checked"
    assert (checked["tx_hash"], checked["block_number"], checked["block_hash"]) == (
        FIRST.tx_hash,
        FIRST.block_number,
        FIRST.block_hash,
    )
    assert (
        checked["check_tx_hash"],
        checked["check_block_number"],
        checked["check_block_hash"],
    ) == (THIRD.tx_hash, THIRD.block_number, THIRD.block_hash)
    assert lost["state"] == "accepted"
    assert [lost[c] for c in ("tx_hash", "block_number", "check_tx_hash")] == [None] * 3
    assert store.newest_block() == THIRD.block_number


def test_the_in_memory_fake_moves_claims_to_the_same_rows_as_the_sql_store(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    ids = accept(store, 2)
    fake = _fake_of(store, ids)

    assert _steps(fake, ids) == _steps(store, ids)


def _fake_of(store: ClaimStore, ids: list[str]) -> InMemoryClaimStore:
    """An in-memory fake holding the claims ``ids`` as ``store`` accepted them."""
    fake = InMemoryClaimStore()
    with fake.transaction() as conn:
        fake.add_many([_as_added(store.get(claim_id)) for claim_id in ids], conn)
    return fake


def _as_added(row: ClaimRow | None) -> dict[str, Any]:
    """The values the service gave :meth:`ClaimStore.add_many` for ``row``."""
    assert row is not None
    pipeline = {"seq", "state", "accepted_at", "updated_at", "turn", *unset()}
    return {k: v for k, v in asdict(row).items() if k not in pipeline}


def test_a_root_reads_back_where_it_was_recorded_and_nothing_once_planned_again(
    engine: Engine,
) -> None:
    ClaimStore(engine)
    roots = RootStore(engine)
    root = "0x" + "cc" * 32
    roots.plan(root, [("0x" + "01" * 32, 0, "0x" + "02" * 32, [])])

    roots.mark(root, RECORDED, FIRST)
    (recorded,) = roots.roots(RECORDED)
    assert recorded.where == FIRST
    roots.mark(root, PLANNED)
    (planned,) = roots.roots(PLANNED)
    assert planned.where is None


def _round(store: Any, ids: list[str]) -> list[tuple[Any, ...]]:
    """A relayer's round in one transaction: the first two claims each alone in a transaction
    of its own (single mode), the next two together in a third, and nothing landed for the
    group that failed; then the checks of two of them. Each row's state and places."""
    with store.transaction() as conn:
        store.mark_round_anchored(
            [([ids[0]], FIRST), ([ids[1]], SECOND), (ids[2:4], THIRD), ([], FIRST)], conn
        )
    store.mark_checked(ids[1:3], FIRST)
    rows = [store.get(claim_id) for claim_id in ids]
    return [(r.state, r.tx_hash, r.block_number, r.block_hash, r.check_tx_hash) for r in rows if r]


def test_a_rounds_claims_alone_and_together_each_keep_their_own_place(engine: Engine) -> None:
    """The single-claim groups are written by one statement run over their rows, the larger
    group by one of its own: no claim takes another's place, and the claim of no group stays
    in the outbox."""
    store = ClaimStore(engine)
    ids = accept(store, 5)

    rows = _round(store, ids)

    assert rows == [
        ("anchored", FIRST.tx_hash, FIRST.block_number, FIRST.block_hash, None),
        ("checked", SECOND.tx_hash, SECOND.block_number, SECOND.block_hash, FIRST.tx_hash),
        ("checked", THIRD.tx_hash, THIRD.block_number, THIRD.block_hash, FIRST.tx_hash),
        ("anchored", THIRD.tx_hash, THIRD.block_number, THIRD.block_hash, None),
        ("accepted", None, None, None, None),
    ]


def test_the_in_memory_fake_marks_a_round_as_the_sql_store_does(engine: Engine) -> None:
    store = ClaimStore(engine)
    ids = accept(store, 5)
    fake = _fake_of(store, ids)

    assert _round(fake, ids) == _round(store, ids)


def test_add_many_stores_what_sqlalchemys_own_insert_stores_and_skips_a_taken_id(
    engine: Engine,
) -> None:
    """The outbox's insert runs a statement prepared once (``store.db.PreparedInsert``): the row it
    stores (the JSON struct, the boolean, every column) reads back as the same row that
    SQLAlchemy's ``Connection.execute`` of the same insert stores, and a claim id already
    taken is skipped (``None``) while the others of the transaction are stored."""
    store = ClaimStore(engine)
    (first,) = accept(store, 1)
    row = store.get(first)
    assert row is not None
    values = _as_added(row)

    def stored(claim_id: str) -> dict[str, Any]:
        got = store.get(claim_id)
        assert got is not None
        return {
            k: v
            for k, v in asdict(got).items()
            if k not in ("seq", "claim_id", "nonce", "accepted_at", "updated_at", "turn")
        }

    mine = {**values, "claim_id": "0x" + "c1" * 32, "nonce": 101, "check_passed": False}
    theirs = {**mine, "claim_id": "0x" + "c2" * 32, "nonce": 102}
    with store.transaction() as conn:
        added = store.add_many([mine, {**values, "nonce": 100}], conn)
        insert = insert_ignoring_duplicates(engine, claims).returning(claims.c.seq)
        full = {**unset(), **theirs, "state": "accepted", "accepted_at": "t", "updated_at": "t"}
        assert conn.execute(insert, full).scalar_one_or_none() is not None

    assert added[1] is None  # the id was taken by the claim stored first
    assert added[0] is not None and added[0].seq > row.seq
    assert stored(mine["claim_id"]) == stored(theirs["claim_id"])
    assert stored(mine["claim_id"])["claim"] == values["claim"]
    assert stored(mine["claim_id"])["check_passed"] is False


OTHER_FIRM = "0x" + "22" * 20


def test_one_claims_duplicate_check_nonce_and_backlog_are_read_together_as_apart(
    engine: Engine,
) -> None:
    """``submission_reads`` (one query, a single claim's request) answers what
    ``stored_ids``, ``max_nonce`` and ``firm_backlog`` answer apart: a refused claim's nonce
    does not count, another firm's claims do not count, an absent id is not stored, a claim on
    chain no longer waits."""
    store = ClaimStore(engine)
    other = "0x" + "ab" * 32
    assert store.submission_reads(other, FIRM) == (False, None, 0)
    ids = accept(store, 4)
    store.mark_refused(ids[2], "refused by the chain")
    store.mark_anchored([ids[0]], Anchored("0x" + "a1" * 32, 7, "0x" + "b1" * 32))
    for claim_id in [*ids, other]:
        for firm in (FIRM, OTHER_FIRM):
            expected = (
                claim_id in store.stored_ids([claim_id]),
                store.max_nonce(firm),
                store.firm_backlog(firm, exact_from=10**9),  # the span of its places
            )
            assert store.submission_reads(claim_id, firm) == expected
    assert store.submission_reads(ids[2], FIRM) == (True, 3, 3)
    assert store.firm_backlog(FIRM, exact_from=3) == 2  # the refused claim left a gap


def _ids(pages: Any) -> list[list[str]]:
    return [[r.claim_id for r in page] for page in pages]


def test_an_exports_pages_hold_each_matching_claim_once_and_none_accepted_after_the_count(
    engine: Engine,
) -> None:
    store = ClaimStore(engine)
    mine = accept(store, 7)
    with store.transaction() as conn:  # another firm's claims between the firm's
        store.add_many([claim_values("0x" + "99" * 20, n) for n in range(3)], conn)
    mine += accept(store, 3, start=7)
    fake = _fake_of(store, mine)
    for newest_first in (False, True):
        where = ClaimFilter(firm=FIRM, newest_first=newest_first)
        order = mine[::-1] if newest_first else mine
        for size in (1, 4, 10, 11):
            total, pages = store.count_and_pages(where, size)
            assert total == 10
            got = _ids(pages)
            assert [i for page in got for i in page] == order
            assert [len(p) for p in got] == [min(size, 10 - k) for k in range(0, 10, size)]
            fake_total, fake_pages = fake.count_and_pages(where, size)
            assert (fake_total, _ids(fake_pages)) == (total, got)
    total, pages = store.count_and_pages(ClaimFilter(firm=FIRM), 4)
    first = next(pages)
    late = accept(store, 2, start=10)  # accepted while the export is read
    rest = [i for page in _ids(pages) for i in page]
    assert total == 10 and [r.claim_id for r in first] + rest == mine
    assert not set(late) & set(rest)
    assert store.count_and_pages(ClaimFilter(firm="0x" + "77" * 20), 4)[0] == 0
