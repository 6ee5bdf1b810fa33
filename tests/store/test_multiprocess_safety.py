"""The database itself keeps several processes safe: one live row per (firm, nonce), and one
holder of each background role's advisory lock. Run on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from carbonledger.store.claims import ClaimStore
from carbonledger.store.db import make_engine
from carbonledger.store.leader import LeaderLock
from tests.postgres import fresh_database
from tests.store.conftest import claim_values

FIRM = "0x" + "11" * 20


def claim(nonce: int, tag: str) -> dict[str, Any]:
    return claim_values(FIRM, nonce, tag)


def test_a_second_live_claim_with_the_same_firm_and_nonce_is_not_stored(engine: Engine) -> None:
    first, second = ClaimStore(engine), ClaimStore(engine)  # two processes' stores
    with first.transaction() as conn:
        (row,) = first.add_many([claim(0, "a")], conn)
    assert row is not None
    with second.transaction() as conn:
        (clash,) = second.add_many([claim(0, "b")], conn)
    assert clash is None
    assert second.stored_ids([claim(0, "b")["claim_id"]]) == set()
    assert [r.claim_id for r in second.in_state("accepted", 10)] == [row.claim_id]


def test_a_nonce_the_chain_refused_can_be_used_again(engine: Engine) -> None:
    store = ClaimStore(engine)
    refused = store.add(claim(0, "a"))
    store.mark_refused(refused.claim_id, "refused by the ClaimLedger: test")
    again = store.add(claim(0, "b"))
    assert again.nonce == 0 and again.state == "accepted"


def test_an_older_database_gets_the_index_when_opened(tmp_path: Path) -> None:
    from sqlalchemy import inspect

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX uq_claims_live_nonce")
    ClaimStore(engine)
    names = {i["name"] for i in inspect(engine).get_indexes("claims")}
    assert "uq_claims_live_nonce" in names


def test_only_one_holder_of_a_role_and_the_standby_takes_over_when_it_ends(
    postgres_url: str,
) -> None:
    engine = make_engine(fresh_database(postgres_url, f"lock_{uuid.uuid4().hex[:12]}"))
    active, standby = LeaderLock(engine, "anchoring worker"), LeaderLock(engine, "anchoring worker")
    other_role = LeaderLock(engine, "indexer")
    try:
        assert active.try_acquire() and active.held()
        assert not standby.try_acquire() and not standby.held()
        assert other_role.try_acquire()  # roles are independent
        active.release()  # as when its process dies: the session ends
        assert not active.held()
        assert standby.try_acquire() and standby.held()
    finally:
        for lock in (active, standby, other_role):
            lock.release()
        engine.dispose()


def test_on_sqlite_the_single_process_always_holds_the_role(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    lock = LeaderLock(engine, "indexer")
    assert lock.try_acquire() and lock.held()
