"""Waking the anchoring worker when claims enter the outbox: in memory on SQLite, by
PostgreSQL LISTEN/NOTIFY from another process's transaction (``store/listen.py``)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from carbonledger.store.claims import ClaimStore
from carbonledger.store.db import make_engine
from carbonledger.store.listen import MINED, OutboxListener
from carbonledger.vocab.anchored import Anchored
from tests.postgres import fresh_database
from tests.store.test_multiprocess_safety import claim

WHERE = Anchored("0x" + "55" * 32, 7, "0x" + "66" * 32)


@pytest.fixture
def stores(postgres_url: str) -> Iterator[tuple[ClaimStore, ClaimStore]]:
    """The worker's store and an API process's store, each on its own engine (pool)."""
    url = fresh_database(postgres_url, f"wake_{uuid.uuid4().hex[:12]}")
    engines = [make_engine(url), make_engine(url)]
    worker, api = ClaimStore(engines[0]), ClaimStore(engines[1])
    yield worker, api
    worker.stop_listening()
    for engine in engines:
        engine.dispose()


def _listening(store: ClaimStore) -> None:
    """The first wait connects and LISTENs, and reports work at once (it may have missed some)."""
    assert store.wait_for_work(30.0, threading.Event())


def test_a_waiting_worker_is_woken_by_claims_another_process_commits(
    stores: tuple[ClaimStore, ClaimStore],
) -> None:
    worker, api = stores
    _listening(worker)
    timer = threading.Timer(0.3, lambda: api.add(claim(0, "a")))
    timer.start()
    started = time.monotonic()
    assert worker.wait_for_work(30.0, threading.Event())
    assert time.monotonic() - started < 5  # not the 30 s timeout
    timer.join()
    assert [r.nonce for r in worker.in_state("accepted", 10)] == [0]


def test_claims_rolled_back_or_refused_wake_no_one(stores: tuple[ClaimStore, ClaimStore]) -> None:
    worker, api = stores
    api.add(claim(0, "a"))
    _listening(worker)
    with pytest.raises(RuntimeError), api.transaction() as conn:
        api.add_many([claim(1, "b")], conn)
        raise RuntimeError("the vault write failed")
    with api.transaction() as conn:
        assert api.add_many([claim(0, "c")], conn) == [None]  # nonce taken: nothing stored
    assert not worker.wait_for_work(1.0, threading.Event())


def test_the_listener_reconnects_after_its_session_ends(
    stores: tuple[ClaimStore, ClaimStore],
) -> None:
    worker, api = stores
    _listening(worker)
    with api.transaction() as conn:  # as when the database restarts
        ended = (
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
            .scalars()
            .all()
        )
    assert ended == [True]
    assert not worker.wait_for_work(0.5, threading.Event())  # lost: waits out its time
    _listening(worker)  # connected again
    api.add(claim(0, "a"))
    assert worker.wait_for_work(30.0, threading.Event())


def test_on_sqlite_only_this_process_wakes_the_worker(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    store, kicked = ClaimStore(engine), threading.Event()
    store.add(claim(0, "a"))
    assert not store.wait_for_work(0.2, kicked)
    kicked.set()
    started = time.monotonic()
    assert store.wait_for_work(30.0, kicked) and time.monotonic() - started < 1


def test_claims_marked_mined_by_the_worker_wake_the_indexer_of_another_process(
    stores: tuple[ClaimStore, ClaimStore],
) -> None:
    worker, api = stores
    row = api.add(claim(0, "a"))
    indexer = OutboxListener(api.engine, MINED)
    try:
        assert indexer.wait(30.0, threading.Event())  # connected, listening
        assert not indexer.wait(0.3, threading.Event())  # a new claim is no news for it
        timer = threading.Timer(0.3, lambda: worker.mark_anchored([row.claim_id], WHERE))
        timer.start()
        started = time.monotonic()
        assert indexer.wait(30.0, threading.Event())
        assert time.monotonic() - started < 5  # not the 30 s timeout
        timer.join()
        worker.mark_checked([row.claim_id], WHERE)
        assert indexer.wait(30.0, threading.Event())
    finally:
        indexer.close()


def test_claims_stored_notify_the_worker_from_their_insert_with_no_statement_of_their_own(
    stores: tuple[ClaimStore, ClaimStore],
) -> None:
    """The outbox's insert notifies (``pg_notify`` in its ``RETURNING``, sent at the commit):
    one round trip per claim, not the insert and then a ``NOTIFY``."""
    worker, api = stores
    _listening(worker)
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(statement)

    event.listen(api.engine, "before_cursor_execute", seen)
    with api.transaction() as conn:
        assert api.add_many([claim(0, "a"), claim(1, "b")], conn)[0] is not None
    event.remove(api.engine, "before_cursor_execute", seen)
    assert not [s for s in sent if "NOTIFY" in s.upper()]
    assert worker.wait_for_work(30.0, threading.Event())
    assert not worker.wait_for_work(1.0, threading.Event())  # one notification, not two
