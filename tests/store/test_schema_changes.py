"""Processes that open one PostgreSQL database at the same moment (the API processes of
``serve --workers N``, an anchoring worker and an indexer started beside them) each look at
its schema and bring it up to date: under the schema lock they all start, and a migration runs
once."""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable
from multiprocessing.synchronize import Barrier

from sqlalchemy import Engine, inspect, select, text

from carbonledger.auth.sql import SqlNonceStore
from carbonledger.pact.store import PactStore
from carbonledger.store.claims import ACCEPTED, ClaimStore, claims
from carbonledger.store.db import make_engine
from carbonledger.store.instances import InstanceStore
from carbonledger.store.period_totals import PeriodTotalsStore
from carbonledger.store.roots import RootStore
from carbonledger.store.settlements import SettlementStore
from carbonledger.store.shipments import ShipmentIndex
from carbonledger.vault.sql import SqlVaultRepository
from tests.postgres import fresh_database
from tests.store.conftest import claim_values
from tests.store.test_queue import WHERE

#: every store a service process opens on its database (``build_services``, the PACT host)
STORES: tuple[Callable[[Engine], object], ...] = (
    ClaimStore,
    RootStore,
    InstanceStore,
    SqlVaultRepository,
    SqlNonceStore,
    SettlementStore,
    ShipmentIndex,
    PeriodTotalsStore,
    PactStore,
)
PROCESSES = 4
FIRM = "0x" + "11" * 20


def _open_every_store(url: str, start: Barrier, answers: multiprocessing.SimpleQueue[str]) -> None:
    try:
        start.wait(30)
        engine = make_engine(url)
        for store in STORES:
            store(engine)
        engine.dispose()
        answers.put("started")
    except BaseException as exc:  # what the process would have died of, in one line
        answers.put(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")


def open_at_once(url: str) -> list[str]:
    """What each of ``PROCESSES`` processes that open every store of ``url`` at once says."""
    context = multiprocessing.get_context("fork")
    start, answers = context.Barrier(PROCESSES), context.SimpleQueue()
    processes = [
        context.Process(target=_open_every_store, args=(url, start, answers))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    return [answers.get() for _ in processes]


def test_processes_opening_a_new_database_at_once_all_start(postgres_url: str) -> None:
    for trial in range(3):  # each trial a new database: one race would pass by luck
        url = fresh_database(postgres_url, f"schema_{trial}_{uuid.uuid4().hex[:12]}")
        assert open_at_once(url) == ["started"] * PROCESSES


def test_processes_opening_a_database_an_older_version_wrote_bring_it_up_to_date_once(
    postgres_url: str,
) -> None:
    for trial in range(3):
        url = fresh_database(postgres_url, f"older_{trial}_{uuid.uuid4().hex[:12]}")
        engine = make_engine(url)
        store = ClaimStore(engine)
        done, waiting = store.add(claim_values(FIRM, 0)), store.add(claim_values(FIRM, 1))
        with store.transaction() as conn:
            store.mark_round_anchored([([done.claim_id], WHERE)], conn)
        store.mark_checked([done.claim_id], WHERE)
        with engine.begin() as conn:  # as the version before the anchoring queue left it
            conn.execute(text("DROP INDEX ix_claims_queue"))
            conn.execute(text("DROP INDEX ix_claims_firm_queue"))
            conn.execute(text("ALTER TABLE claims DROP COLUMN turn"))

        assert open_at_once(url) == ["started"] * PROCESSES

        assert {"ix_claims_queue", "ix_claims_firm_queue"} <= {
            i["name"] for i in inspect(engine).get_indexes("claims")
        }
        with engine.connect() as conn:
            places = dict(conn.execute(select(claims.c.state, claims.c.turn)).all())
        assert places == {"checked": None, ACCEPTED: waiting.seq}
        engine.dispose()
