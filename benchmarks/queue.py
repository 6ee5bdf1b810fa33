"""The anchoring queue at scale (``scripts/bench_queue.py``): what its reads cost over a large
backlog, and how long one firm's claim waits behind another firm's upload, end to end."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, func, select, text

from benchmarks.e2e import fresh_services, signed_submissions
from benchmarks.outbox import analyse, database, fill, fill_queue, firm, timed
from carbonledger.services.claims import Submission
from carbonledger.services.container import Services
from carbonledger.services.errors import ServiceError
from carbonledger.store.claims import (
    ACCEPTED,
    ANCHORED,
    CHECKED,
    REFUSED,
    ClaimRow,
    ClaimStore,
    claims,
)
from carbonledger.store.db import make_engine

#: the anchoring worker's round, as ``in_state`` read it before the queue had turns: oldest
#: accepted first, whatever its firm (kept here for the comparison)
FIRST_COME = select(claims).where(claims.c.state == ACCEPTED).order_by(claims.c.seq).limit(1000)


#: a single claim's query as it was before it read the firm's backlog too (the comparison)
NO_BACKLOG = select(
    exists().where(claims.c.claim_id == bindparam("claim_id")).label("stored"),
    select(func.max(claims.c.nonce))
    .where(claims.c.firm == bindparam("firm"), claims.c.state != REFUSED)
    .scalar_subquery()
    .label("highest"),
)


@dataclass
class Reads:
    """Median and slowest (ms) of each read, over a queue of ``waiting`` claims."""

    waiting: int
    round_in_turns: tuple[float, float]
    round_first_come: tuple[float, float]
    submission_reads: tuple[float, float]
    submission_reads_before: tuple[float, float]
    accept_100: tuple[float, float]
    backlog_span: tuple[float, float]
    backlog_counted: tuple[float, float]
    #: GET /status's count per firm (one pass over the queue)
    waiting_by_firm: tuple[float, float]
    #: claims ahead of a new firm's first claim: in turns, and first come first served
    ahead_in_turns: int
    ahead_first_come: int


def queue_reads(
    upload: int, others: int, each: int, repeat: int, sqlite: bool
) -> tuple[str, Reads]:
    """One firm's ``upload`` and ``others`` firms' ``each`` claims waiting (synthetic rows on a
    fresh database: PostgreSQL, or SQLite), then ``repeat`` timings of each read."""
    with database(sqlite, "bench_queue") as url, fresh_services(1, database_url=url) as (s, _):
        engine, store = s.engine, s.store
        assert isinstance(store, ClaimStore)
        fill_queue(engine, [upload] + [each] * others)
        new = firm(others + 1)
        rows = [
            {
                "claim_id": f"0x{10**12 + k:064x}", "firm": new, "kind": "footprint",
                "period_start": 0, "period_end": 1, "standard_version": 1,
                "document_hash": f"0x{k:064x}", "nonce": k, "deadline": 2**40, "claim": {},
                "signature": "0x" + "33" * 65, "check_passed": True,
                "report_hash": "0x" + "44" * 32, "report": "{}",
            }
            for k in range(100)
        ]  # fmt: skip

        def accept_100() -> None:  # a request of a new firm's 100 claims, rolled back
            with engine.connect() as conn, conn.begin() as transaction:
                store.add_many(rows, conn)
                transaction.rollback()

        def no_backlog(firm: str) -> None:
            with engine.connect() as conn:
                conn.execute(NO_BACKLOG, {"claim_id": "0x" + "00" * 32, "firm": firm}).one()

        def first_come() -> None:  # as in_state built them: rows
            with engine.connect() as conn:
                [ClaimRow(**row._mapping) for row in conn.execute(FIRST_COME)]

        with engine.connect() as conn, conn.begin() as transaction:
            added = store.add_many(rows[:1], conn)
            assert added[0] is not None and added[0].turn is not None
            turn, seq = added[0].turn, added[0].seq
            ahead = conn.execute(
                select(func.count()).where(
                    claims.c.state == ACCEPTED,
                    (claims.c.turn < turn) | ((claims.c.turn == turn) & (claims.c.seq < seq)),
                )
            ).scalar_one()
            transaction.rollback()
        waiting = upload + others * each
        reads = Reads(
            waiting=waiting,
            round_in_turns=timed(lambda: store.in_state(ACCEPTED, 1000), repeat),
            round_first_come=timed(first_come, repeat),
            submission_reads=timed(lambda: store.submission_reads("0x" + "00" * 32, new), repeat),
            submission_reads_before=timed(lambda: no_backlog(new), repeat),
            accept_100=timed(accept_100, repeat),
            backlog_span=timed(lambda: store.firm_backlog(firm(0), exact_from=10**12), repeat),
            backlog_counted=timed(lambda: store.firm_backlog(firm(0), exact_from=1), repeat),
            waiting_by_firm=timed(store.waiting_by_firm, repeat),
            ahead_in_turns=int(ahead),
            ahead_first_come=waiting,
        )
        return engine.dialect.name, reads


@dataclass
class Behind:
    """Seconds from the worker's start until the small firm's claim, then the whole upload,
    was checked on chain."""

    upload: int
    accept_seconds: float
    small_checked: float
    upload_checked: float


@dataclass
class Upgrade:
    """The first start of this version on a database an older one wrote."""

    rows: int
    waiting: int
    #: seconds ``ClaimStore`` took to give the queue its places (column, values, indexes)
    seconds: float
    #: the claims table's size with its indexes before and after, bytes (PostgreSQL; else 0)
    size_before: int
    size_after: int


def upgrade(rows: int, waiting: int, sqlite: bool) -> tuple[str, Upgrade]:
    """``rows`` synthetic claims, the first ``waiting`` accepted, in a claims table as the
    version before the anchoring queue left it (no ``turn`` column, no queue indexes); then
    the time this version's ``ClaimStore`` takes to open it."""
    with (
        tempfile.TemporaryDirectory() as work,
        database(sqlite, "bench_queue_upgrade") as url,
    ):
        engine = make_engine(url or f"sqlite:///{work}/claims.db")
        fill(engine, rows, waiting)
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_claims_queue"))
            conn.execute(text("DROP INDEX ix_claims_firm_queue"))
            conn.execute(text("ALTER TABLE claims DROP COLUMN turn"))
        analyse(engine)

        def size() -> int:
            if engine.dialect.name != "postgresql":
                return 0
            with engine.connect() as conn:
                query = text("SELECT pg_total_relation_size('claims')")
                return int(conn.execute(query).scalar_one())

        before = size()
        started = time.perf_counter()
        ClaimStore(engine)
        seconds = time.perf_counter() - started
        result = Upgrade(rows, waiting, seconds, before, size())
        engine.dispose()
        return engine.dialect.name, result


def accept_all(services: Services, items: Sequence[Submission]) -> None:
    """``items`` accepted by the claim service, 100 a request, or an error naming a refusal."""
    for k in range(0, len(items), 100):
        refused = [
            r
            for r in services.claims.submit_many(items[k : k + 100], None)
            if isinstance(r, ServiceError)
        ]
        if refused:
            raise RuntimeError(f"{len(refused)} claims refused, e.g. {refused[0]}")


@dataclass
class Loss:
    """The worker's reconciliation after the chain lost ``lost`` claims it had checked."""

    lost: int
    #: seconds ``AnchorWorker.reconcile`` took to find them and put them back in the queue
    seconds: float
    put_back: int


def after_a_loss(lost: int) -> Loss:
    """``lost`` claims of one firm anchored and checked (batch mode, a fresh anvil, SQLite),
    then the chain reverted to before them (``evm_revert``: as an embedded node restarted from
    an older snapshot); the time the worker's reconciliation takes to put them back."""
    with fresh_services(1) as (services, (firm,)):
        w3 = services.ledger.w3
        before = int(w3.eth.block_number)
        snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        accept_all(services, signed_submissions(services, [firm], lost, "lost")[0])
        services.worker.start()
        while services.store.count_in_state(ACCEPTED) or services.store.count_in_state(ANCHORED):
            time.sleep(0.05)
        services.worker.stop()
        w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        started = time.perf_counter()
        put_back = services.worker.reconcile(since_block=before + 1)
        return Loss(lost, time.perf_counter() - started, put_back)


def behind_an_upload(upload: int, sqlite: bool) -> tuple[str, Behind]:
    """A firm's ``upload`` claims accepted (100 a request), then one claim of another firm,
    with the anchoring worker stopped; then the worker starts (batch mode, a fresh anvil)."""
    with (
        database(sqlite, "bench_queue_e2e") as url,
        fresh_services(2, database_url=url) as (services, (big, small)),
    ):
        upload_items = signed_submissions(services, [big], upload, "upload")[0]
        (one,) = signed_submissions(services, [small], 1, "one")[0]
        started = time.perf_counter()
        accept_all(services, upload_items)
        (row,) = services.claims.submit_many([one], None)
        if isinstance(row, ServiceError):
            raise RuntimeError(f"the small firm's claim was refused: {row}")
        accepted = time.perf_counter() - started
        store = services.store
        started = time.perf_counter()
        services.worker.start()
        small_at = upload_at = None
        while upload_at is None:
            now = time.perf_counter() - started
            got = store.get(row.claim_id)
            if small_at is None and got is not None and got.state == CHECKED:
                small_at = now
            if not store.count_in_state(ACCEPTED) and not store.count_in_state(ANCHORED):
                upload_at = now
            if now > 600:
                raise TimeoutError("the upload did not reach the chain in 10 minutes")
            time.sleep(0.01)
        assert small_at is not None
        return services.engine.dialect.name, Behind(upload, accepted, small_at, upload_at)
