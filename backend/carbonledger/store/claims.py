"""The claims table: every claim the API accepted, and the outbox of its chain work.

A row is written before any transaction is sent (state ``accepted``) and moves on as the
chain confirms it: ``accepted`` -> ``anchored`` (recorded on chain) -> ``checked`` (the
checker's outcome recorded on chain); ``refused`` when the chain refused it after all. The
pending states are the outbox the anchoring worker resumes from after a restart.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    Table,
    Text,
    and_,
    bindparam,
    exists,
    func,
    inspect,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

from carbonledger.errors import CarbonLedgerError, error_fields
from carbonledger.store import columns
from carbonledger.store.db import (
    AnchoredColumns,
    PreparedInsert,
    TableStore,
    firm_column,
    metadata,
    schema_changes,
    seq_key,
    utc_now,
)
from carbonledger.store.listen import CHANNEL, MINED, OutboxListener, announce
from carbonledger.vocab.anchored import Anchored
from carbonledger.vocab.constants import ACCEPTED as ACCEPTED  # the states, re-exported
from carbonledger.vocab.constants import ANCHORED as ANCHORED
from carbonledger.vocab.constants import CHECKED as CHECKED
from carbonledger.vocab.constants import CLAIM_STATES
from carbonledger.vocab.constants import REFUSED as REFUSED

STATES = CLAIM_STATES

#: where the chain recorded a claim, and where it recorded the claim's check
ANCHOR = AnchoredColumns()
CHECK = AnchoredColumns("check_")

claims = Table(
    "claims",
    metadata,
    seq_key(),
    columns.hex32("claim_id", unique=True),
    firm_column(),
    columns.enum("kind"),
    Column("period_start", BigInteger, nullable=False),
    Column("period_end", BigInteger, nullable=False),
    Column("standard_version", Integer, nullable=False),
    columns.hex32("document_hash"),
    Column("nonce", BigInteger, nullable=False),
    Column("deadline", BigInteger, nullable=False),
    Column("claim", JSON, nullable=False),  # the signed struct, hex-encoded
    columns.signature(),
    columns.enum("state", index=True),
    Column("check_passed", Boolean, nullable=False),
    columns.hex32("report_hash"),
    Column("report", Text, nullable=False),  # canonical JSON of the check report
    *ANCHOR.columns(),
    *CHECK.columns(),
    Column("error", Text),
    columns.timestamp("accepted_at"),
    columns.timestamp("updated_at"),
    # the claim's place in the anchoring queue (see :func:`turns`); NULL in a database an
    # older version wrote until :meth:`ClaimStore.__init__` numbers its rows
    Column("turn", BigInteger),
)

#: One live row per (firm, nonce), enforced by the database itself: API processes that read
#: the same next nonce at once cannot both store a claim with it (the second insert waits for
#: the first transaction and then stores nothing). A nonce the chain refused may be used again.
live_nonce = Index(
    "uq_claims_live_nonce",
    claims.c.firm,
    claims.c.nonce,
    unique=True,
    postgresql_where=claims.c.state != REFUSED,
    sqlite_where=claims.c.state != REFUSED,
)


class ClaimStoreError(CarbonLedgerError):
    """Root of the claim store's errors."""


@error_fields
class ClaimAlreadyStored(ClaimStoreError):
    template = "claim {claim_id} has already been submitted"
    claim_id: str


# What each step of the pipeline writes into a claim's row (the store adds ``updated_at``);
# the in-memory fake of ``tests/support/fakes.py`` applies the same.


def unset() -> dict[str, Any]:
    """The columns a new claim does not have yet (what the chain tells later)."""
    return {**ANCHOR.values(None), **CHECK.values(None), "error": None}


def anchored(where: Anchored) -> dict[str, Any]:
    """The claim is recorded on chain at ``where``."""
    return {"state": ANCHORED, **ANCHOR.values(where), "error": None}


def checked(where: Anchored) -> dict[str, Any]:
    """The claim's check is recorded on chain at ``where``."""
    return {"state": CHECKED, **CHECK.values(where)}


def back_to_accepted() -> dict[str, Any]:
    """The chain lost the claim: it is to be anchored again."""
    return {"state": ACCEPTED, **ANCHOR.values(None), **CHECK.values(None)}


def back_to_anchored() -> dict[str, Any]:
    """The chain lost the claim's check: it is to be recorded again."""
    return {"state": ANCHORED, **CHECK.values(None)}


@dataclass(frozen=True)
class ClaimRow:
    seq: int
    claim_id: str
    firm: str
    kind: str
    period_start: int
    period_end: int
    standard_version: int
    document_hash: str
    nonce: int
    deadline: int
    claim: dict[str, Any]
    signature: str
    state: str
    check_passed: bool
    report_hash: str
    report: str
    tx_hash: str | None
    block_number: int | None
    block_hash: str | None
    check_tx_hash: str | None
    check_block_number: int | None
    check_block_hash: str | None
    error: str | None
    accepted_at: str
    updated_at: str
    #: its place in the anchoring queue (:func:`turns`)
    turn: int | None = None


@dataclass(frozen=True)
class ClaimFilter:
    firm: str | None = None
    kind: str | None = None
    state: str | None = None
    period_start: int | None = None  # claims whose period overlaps [start, end)
    period_end: int | None = None
    newest_first: bool = False  # the order of a search: accepted last first, or oldest first


def _matching(where: ClaimFilter) -> ColumnElement[bool] | None:
    """The condition on the claims table that ``where`` names (none: every claim)."""
    c = claims.c
    conditions = []
    if where.firm:
        conditions.append(c.firm == where.firm)
    if where.kind:
        conditions.append(c.kind == where.kind)
    if where.state:
        conditions.append(c.state == where.state)
    if where.period_start is not None:
        conditions.append(c.period_end > where.period_start)
    if where.period_end is not None:
        conditions.append(c.period_start < where.period_end)
    return and_(*conditions) if conditions else None


@functools.lru_cache(maxsize=64)
def _update_of(names: tuple[str, ...], one: bool) -> Update:
    """``UPDATE claims SET <names>, updated_at WHERE claim_id = :id`` (``one``) or ``IN
    :ids``, built once per set of columns, its values and ids bound at execution. The relayer
    marks each claim of a single-claim round with its own transaction's place; building the
    statement for each (its ``IN`` list, the ``SET`` clause and SQLAlchemy's cache key of
    both) cost several times what running it does (~170 against ~20 us for one claim on
    SQLite)."""
    which = (
        claims.c.claim_id == bindparam("id")
        if one
        else claims.c.claim_id.in_(bindparam("ids", expanding=True))
    )
    return (
        update(claims)
        .where(which)
        .values({name: bindparam(f"new_{name}") for name in (*names, "updated_at")})
    )


def _new_values(values: dict[str, Any], now: str) -> dict[str, Any]:
    """The ``SET`` clause's bound values of :func:`_update_of`'s statement for ``values``."""
    return {"new_updated_at": now, **{f"new_{name}": value for name, value in values.items()}}


#: :meth:`ClaimStore.reset_to_accepted`'s update: :func:`back_to_accepted`'s values, and a
#: place for a claim with none
_BACK_IN_QUEUE = _update_of(tuple(back_to_accepted()), False).values(
    turn=func.coalesce(claims.c.turn, claims.c.seq)
)


#: the outbox's insert: a claim id or a live (firm, nonce) already stored is skipped
_INSERT = PreparedInsert(claims, ignore_duplicates=True, returning="seq", notify=CHANNEL)

#: The anchoring queue: the accepted claims in the order the worker takes them, and each
#: firm's last place in it (:func:`turns`). Partial indexes, so they hold the queue alone
#: (its rows leave them once anchored); the queries name the state as a literal, which is
#: what lets SQLite and a generic PostgreSQL plan use them.
QUEUED = claims.c.state == literal_column(f"'{ACCEPTED}'")
queue_order, firm_queue = (
    Index(name, *on, postgresql_where=QUEUED, sqlite_where=QUEUED)
    for name, on in (
        ("ix_claims_queue", (claims.c.turn, claims.c.seq)),
        ("ix_claims_firm_queue", (claims.c.firm, claims.c.turn)),
    )
)
_QUEUE = (
    select(claims)
    .where(QUEUED)
    .order_by(claims.c.turn, claims.c.seq)
    .limit(bindparam("limit", type_=Integer))
)
#: the place of the claim at the head of the queue (NULL: none waits)
_QUEUE_HEAD = select(func.min(claims.c.turn)).where(QUEUED)
#: a firm's first and last places in the queue (NULLs: none of its claims waits); two
#: subqueries, since SQLite reads a minimum or a maximum off an index end only when it is
#: the query's one aggregate (both in one query walked the firm's whole queue: 6 ms at 50,000)
_FIRST, _LAST = (
    select(f(claims.c.turn)).where(QUEUED, claims.c.firm == bindparam("firm")).scalar_subquery()
    for f in (func.min, func.max)
)
_FIRM_PLACES = select(_FIRST.label("first"), _LAST.label("last"))


#: SQLite's planner, with no statistics (the service never runs ANALYZE), reads the queue and
#: its head through the state index and sorts every waiting claim (28 ms a round at 55,000
#: waiting, 16 ms the head): it is told the queue's index instead. PostgreSQL's statistics
#: (autovacuum's ANALYZE) choose it.
def queue_read_sqlite(condition: str = "") -> TextualSelect:
    """The first ``:limit`` waiting claims (``condition``: of those, the ones it keeps) in
    the queue's order, read on SQLite through the queue's index."""
    more = f" AND {condition}" if condition else ""
    return text(
        f"SELECT {', '.join(c.name for c in claims.c)} FROM claims INDEXED BY {queue_order.name} "
        f"WHERE state = '{ACCEPTED}'{more} ORDER BY turn, seq LIMIT :limit"
    ).columns(*claims.c)


_QUEUE_SQLITE = queue_read_sqlite()
_QUEUE_HEAD_SQLITE = text(
    f"SELECT min(turn) FROM claims INDEXED BY {queue_order.name} WHERE state = '{ACCEPTED}'"
)

# The reads each claim makes (the request's duplicate check and nonce, the relayer's rounds),
# built once with their values bound per call: building a statement and SQLAlchemy's cache
# key of it each time cost as much as running it on SQLite (~90 against ~45 us for ``get``).
_BY_ID = select(claims).where(claims.c.claim_id == bindparam("claim_id"))
_STORED = select(claims.c.claim_id).where(claims.c.claim_id.in_(bindparam("ids", expanding=True)))
#: the ``seq`` of the claim accepted last (NULL: none), for the readers that look only at the
#: claims accepted since their last look (the shipment index, the period totals)
NEWEST_SEQ = select(func.max(claims.c.seq))
_MAX_NONCE = select(func.max(claims.c.nonce)).where(
    claims.c.firm == bindparam("firm"), claims.c.state != REFUSED
)
#: one claim's submission: whether its id is stored here, its firm's highest live nonce and
#: its firm's first and last places in the anchoring queue
_SUBMISSION_READS = select(
    exists().where(claims.c.claim_id == bindparam("claim_id")).label("stored"),
    _MAX_NONCE.scalar_subquery().label("highest"),
    _FIRST.label("first"),
    _LAST.label("last"),
)
#: counted over the firm's part of the queue's index (its waiting claims alone)
_PENDING_OF_FIRM = (
    select(func.count()).select_from(claims).where(QUEUED, claims.c.firm == bindparam("firm"))
)
_STATE_COUNTS = select(claims.c.state, func.count()).group_by(claims.c.state)
_WAITING_BY_FIRM = select(func.count()).where(QUEUED).group_by(claims.c.firm)
#: on SQLite through the firms' part of the queue's index (in firm order: no sort), 10 ms at
#: 100,000 waiting instead of 50 (see ``_QUEUE_SQLITE``)
_WAITING_BY_FIRM_SQLITE = text(
    f"SELECT count(*) FROM claims INDEXED BY {firm_queue.name} WHERE state = '{ACCEPTED}' "
    "GROUP BY firm"
)
_OLDEST_ACCEPTED = select(func.min(claims.c.accepted_at)).where(claims.c.state == ACCEPTED)
_COUNT_IN_STATE = (
    select(func.count()).select_from(claims).where(claims.c.state == bindparam("state"))
)
_IN_STATE = (
    select(claims)
    .where(claims.c.state == bindparam("state"))
    .order_by(claims.c.seq)
    .limit(bindparam("limit", type_=Integer))
)


def turns(firms: Sequence[str], head: int | None, last: Mapping[str, int | None]) -> list[int]:
    """The places in the anchoring queue of claims of ``firms`` accepted in this order, given
    the place of the claim at the queue's head (None: none waits) and each firm's last place
    in it (None: none of its claims waits).

    Fair queuing, one claim a turn: a firm's claim takes the turn after its firm's last one
    still waiting, or the head's turn when none waits. The worker takes the queue by place
    (then by acceptance), so a firm that files one claim while another has 100,000 waiting
    has it in the next round, beside the other's next one: each firm with claims waiting gets
    a claim on chain per turn, whatever the others filed, and its own claims keep their
    (nonce) order.

    With no claim waiting, the store passes the newest acceptance number as the head: a
    place is never above its claim's acceptance number (by induction from this rule), so
    places only grow, and a claim the chain lost, back at its old place, goes before every
    later claim of its firm (which the ClaimLedger's nonce order needs), not behind them."""
    after = dict(last)
    out = []
    for firm in firms:
        prior = after.get(firm)
        place = prior + 1 if prior is not None else (head if head is not None else 0)
        after[firm] = place
        out.append(place)
    return out


class _SubmissionRow(NamedTuple):
    stored: Any
    highest: Any
    first: Any
    last: Any


class SubmissionReads(NamedTuple):
    """What a single claim's request reads of the store, in one query."""

    #: whether the claim id is stored here
    stored: bool
    #: the firm's highest nonce here that the chain did not refuse (None: no claim)
    highest: int | None
    #: the span of the firm's places in the anchoring queue: how many of its claims wait
    #: (:meth:`ClaimStore.firm_backlog`: an upper bound, exact unless a claim left the queue
    #: out of turn, refused by the chain, or came back to it, lost by the chain)
    queued: int


def _add_turns(engine: Engine) -> None:
    """A database an older version wrote has no ``turn`` column: add it and give each claim
    waiting its acceptance number as its place (the queue it had, first come first served).

    Only the waiting claims: the others have no place until the chain loses one, which then
    gets the same (:data:`_PLACE_UNPLACED`). Giving every row one rewrote the whole table on
    the first start (16 s and a table twice its size until vacuumed, at a million claims on
    PostgreSQL: ``scripts/bench_queue.py --upgrade``)."""
    if "turn" in {c["name"] for c in inspect(engine).get_columns("claims")}:
        return
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE claims ADD COLUMN turn BIGINT"))
        conn.execute(text(f"UPDATE claims SET turn = seq WHERE state = '{ACCEPTED}'"))


class ClaimStore(TableStore):
    """Claims and their outbox, in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        # ``create_all`` adds indexes only with new tables: a database of an older version
        # gets this one here (it holds no second live row per nonce: one process wrote it)
        with schema_changes(engine):
            live_nonce.create(engine, checkfirst=True)
            _add_turns(engine)
            queue_order.create(engine, checkfirst=True)
            firm_queue.create(engine, checkfirst=True)
        sqlite = engine.dialect.name == "sqlite"
        self._queue = _QUEUE_SQLITE if sqlite else _QUEUE
        self._queue_head = _QUEUE_HEAD_SQLITE if sqlite else _QUEUE_HEAD
        self._waiting_by_firm = _WAITING_BY_FIRM_SQLITE if sqlite else _WAITING_BY_FIRM
        self._listener = OutboxListener(engine) if engine.dialect.name == "postgresql" else None

    def add(self, values: dict[str, Any]) -> ClaimRow:
        """Insert one claim (committed); :class:`ClaimAlreadyStored` if its id is taken."""
        with self.engine.begin() as conn:
            (row,) = self.add_many([values], conn)
        if row is None:
            raise ClaimAlreadyStored(str(values["claim_id"]))
        return row

    def transaction(self) -> AbstractContextManager[Connection]:
        """A transaction of the claims' database, committed when the block ends without an
        error and rolled back otherwise (for :meth:`add_many` and writes that go with it)."""
        return self.engine.begin()

    def add_many(self, values: Sequence[dict[str, Any]], conn: Connection) -> list[ClaimRow | None]:
        """Insert claims in order (``seq`` follows it) in the open transaction ``conn``; per
        item its row as stored, or ``None`` where the claim id is already taken (by a row
        committed before, or an earlier item): nothing is written for it and the transaction
        goes on; also ``None`` where the firm's nonce is taken by another live claim (another
        API process stored it first): :meth:`stored_ids` tells the two apart. Nothing is
        committed here."""
        now = utc_now()
        empty = unset()
        rows = [
            {**empty, **item, "state": ACCEPTED, "accepted_at": now, "updated_at": now}
            for item in values
        ]
        firms = [str(row["firm"]) for row in rows]
        head = conn.execute(self._queue_head).scalar_one()
        if head is None:  # none waits: start past every place given so far (see ``turns``)
            head = conn.execute(NEWEST_SEQ).scalar_one() or 0
        last = {f: conn.execute(_FIRM_PLACES, {"firm": f}).one()[1] for f in set(firms)}
        for row, turn in zip(rows, turns(firms, head, last), strict=True):
            row["turn"] = turn
        # on PostgreSQL each row stored notifies the worker (``CHANNEL``) at the commit
        return [
            None if seq is None else ClaimRow(seq=int(seq), **row)
            for row, seq in zip(rows, _INSERT.one_by_one(conn, rows), strict=True)
        ]

    def wait_for_work(self, timeout: float, kicked: threading.Event) -> bool:
        """Wait up to ``timeout`` s for new claims in the outbox: until ``kicked`` is set (this
        process accepted some) or, on PostgreSQL, another process committed some (LISTEN/NOTIFY,
        see :mod:`carbonledger.store.listen`). True when woken; False when the time ran out."""
        if self._listener is None:
            return kicked.wait(timeout)
        return self._listener.wait(timeout, kicked)

    def stop_listening(self) -> None:
        """Close the listening connection (the worker stopped, or is a standby now); the next
        :meth:`wait_for_work` opens it again."""
        if self._listener is not None:
            self._listener.close()

    def stored_ids(self, claim_ids: Sequence[str]) -> set[str]:
        """Which of ``claim_ids`` are stored here (in any state)."""
        if not claim_ids:
            return set()
        return set(self._scalars(_STORED, {"ids": list(claim_ids)}))

    def get(self, claim_id: str) -> ClaimRow | None:
        return self._first(ClaimRow, _BY_ID, {"claim_id": claim_id})

    def submission_reads(self, claim_id: str, firm: str) -> SubmissionReads:
        """Whether ``claim_id`` is stored here (:meth:`stored_ids`), :meth:`max_nonce` of
        ``firm`` and the span of its queue (:meth:`firm_backlog`), in one query: a single
        claim's duplicate check, its firm's next nonce and backlog, one round trip instead
        of three."""
        found = self._first(_SubmissionRow, _SUBMISSION_READS, {"claim_id": claim_id, "firm": firm})
        assert found is not None  # the query selects one row
        return SubmissionReads(
            bool(found.stored),
            None if found.highest is None else int(found.highest),
            0 if found.first is None else int(found.last) - int(found.first) + 1,
        )

    def pending_nonces(self, firm: str) -> int:
        """How many of ``firm``'s claims are accepted but not yet on chain."""
        return int(self._scalar(_PENDING_OF_FIRM, {"firm": firm}))

    def max_nonce(self, firm: str) -> int | None:
        """The highest nonce of ``firm``'s claims here that the chain did not refuse."""
        value = self._scalar(_MAX_NONCE, {"firm": firm})
        return None if value is None else int(value)

    def earlier_of_firm(self, firm: str, nonce: int) -> list[ClaimRow]:
        """``firm``'s claims here with a lower nonce that the chain did not refuse."""
        return self._all(
            ClaimRow,
            select(claims).where(
                claims.c.firm == firm, claims.c.nonce < nonce, claims.c.state != REFUSED
            ),
        )

    def in_state(self, state: str, limit: int) -> list[ClaimRow]:
        """Accepted claims in the anchoring queue's order (:func:`turns`), the others oldest
        first: per firm, either is nonce order."""
        if state == ACCEPTED:
            return self._all(ClaimRow, self._queue, {"limit": limit})
        return self._all(ClaimRow, _IN_STATE, {"state": state, "limit": limit})

    def firm_backlog(self, firm: str, exact_from: int) -> int:
        """How many of ``firm``'s claims wait in the anchoring queue: the span of its places
        (an index lookup at each end, whatever the queue's length), counted row by row only
        when the span reaches ``exact_from`` (a claim the chain refused leaves a gap, one it
        lost comes back at its old place: the span can exceed the count, never fall short)."""
        first, last = self._read(lambda conn: conn.execute(_FIRM_PLACES, {"firm": firm}).one())
        span = 0 if first is None else int(last) - int(first) + 1
        return span if span < exact_from else self.pending_nonces(firm)

    def count_in_state(self, state: str) -> int:
        return int(self._scalar(_COUNT_IN_STATE, {"state": state}))

    def state_counts(self) -> dict[str, int]:
        """How many claims are in each state (every state named, 0 included). One pass over
        the state index: ~42 ms at a million claims on PostgreSQL, ~56 ms on SQLite
        (``scripts/bench_status.py``, docs/performance.md), which is why ``GET /status`` is
        read every few seconds, not per request."""
        counts = dict.fromkeys(STATES, 0)
        counts.update({str(state): int(n) for state, n in self._rows(_STATE_COUNTS)})
        return counts

    def waiting_by_firm(self) -> list[int]:
        """The claims each firm with any waiting in the anchoring queue has waiting, the
        largest first (no firm named): one pass over the queue's index."""
        return sorted((int(n) for (n,) in self._rows(self._waiting_by_firm)), reverse=True)

    def oldest_accepted_at(self) -> str | None:
        """When the claim that has waited longest for the chain was accepted (None: none
        waits)."""
        value = self._scalar(_OLDEST_ACCEPTED)
        return None if value is None else str(value)

    def _update_rows(
        self,
        claim_ids: Iterable[str],
        values: dict[str, Any],
        conn: Connection | None = None,
        channel: str | None = None,
    ) -> None:
        """Update the rows (in ``conn``'s transaction, or one of its own) and, given a
        ``channel``, notify its listener at the commit."""
        ids = list(claim_ids)
        if not ids:
            return
        one = len(ids) == 1
        statement = _update_of(tuple(values), one)
        params: dict[str, Any] = {"id": ids[0]} if one else {"ids": ids}
        params.update(_new_values(values, utc_now()))

        def write(into: Connection) -> None:
            into.execute(statement, params)
            if channel is not None:
                announce(into, channel)

        if conn is not None:
            write(conn)
            return
        with self.engine.begin() as own:
            write(own)

    def mark_round_anchored(
        self, landed: Sequence[tuple[Sequence[str], Anchored]], conn: Connection
    ) -> None:
        """Each group of claims is recorded on chain at its place (a relayer's round: a
        transaction per group), in the open transaction ``conn``. The groups of one claim
        (single mode: a transaction per claim) are written by one statement run over their
        rows (the driver's executemany), each larger group by one statement; the indexer is
        notified once. A statement per claim cost the worker ~10 µs of CPU per single-mode
        claim more on SQLite, and a notification per claim a round trip on PostgreSQL."""
        alone = [(ids[0], anchored(where)) for ids, where in landed if len(ids) == 1]
        if alone:
            now = utc_now()
            conn.execute(
                _update_of(tuple(alone[0][1]), True),
                [{"id": claim_id, **_new_values(values, now)} for claim_id, values in alone],
            )
        for ids, where in landed:
            if len(ids) > 1:
                self._update_rows(ids, anchored(where), conn)
        if any(ids for ids, _ in landed):
            announce(conn, MINED)

    def mark_anchored(
        self, claim_ids: Iterable[str], where: Anchored, conn: Connection | None = None
    ) -> None:
        """The claims are recorded on chain at ``where``; in the open transaction ``conn``
        if given (the relayer marks a whole round in one), else in a transaction of its own.
        On PostgreSQL its commit wakes the indexer (:data:`~carbonledger.store.listen.MINED`)."""
        self._update_rows(claim_ids, anchored(where), conn, MINED)

    def mark_checked(
        self, claim_ids: Iterable[str], where: Anchored, conn: Connection | None = None
    ) -> None:
        """The claims' checks are recorded on chain at ``where`` (``conn``: as
        :meth:`mark_anchored`, and so is the indexer)."""
        self._update_rows(claim_ids, checked(where), conn, MINED)

    def mark_refused(self, claim_id: str, error: str) -> None:
        self._update_rows([claim_id], {"state": REFUSED, "error": error})

    def reset_to_accepted(self, claim_ids: Iterable[str]) -> None:
        """The chain lost these claims: anchor them again, each at its old place, or at its
        acceptance number (the place it would have had) if it has none: it left the queue
        before places were given, in a database an older version wrote."""
        ids = list(claim_ids)
        if not ids:
            return
        values = back_to_accepted()
        with self.engine.begin() as conn:
            conn.execute(_BACK_IN_QUEUE, {"ids": ids, **_new_values(values, utc_now())})

    def reset_to_anchored(self, claim_ids: Iterable[str]) -> None:
        """The chain lost these checks: record them again."""
        self._update_rows(claim_ids, back_to_anchored())

    def anchored_since(self, block: int) -> list[ClaimRow]:
        """Claims recorded (or checked) at or after ``block``: what a chain loss may undo."""
        return self._all(
            ClaimRow,
            select(claims).where(
                claims.c.state.in_((ANCHORED, CHECKED)),
                (claims.c.block_number >= block) | (claims.c.check_block_number >= block),
            ),
        )

    def newest_block(self) -> int:
        newest = func.max(func.coalesce(claims.c.check_block_number, claims.c.block_number))
        return int(self._scalar(select(newest)) or 0)

    def search(self, where: ClaimFilter, offset: int, limit: int) -> tuple[int, list[ClaimRow]]:
        condition = _matching(where)
        count = select(func.count()).select_from(claims)
        order = claims.c.seq.desc() if where.newest_first else claims.c.seq
        query = select(claims).order_by(order).offset(offset).limit(limit)
        if condition is not None:
            count = count.where(condition)
            query = query.where(condition)
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar_one())
            rows = conn.execute(query).all()
        return total, [ClaimRow(**r._mapping) for r in rows]

    def count_and_pages(
        self, where: ClaimFilter, size: int
    ) -> tuple[int, Iterator[list[ClaimRow]]]:
        """How many claims match ``where`` now, and those claims in pages of at most
        ``size``, in ``where``'s order: an export of any length. Each page is its own short
        read, from where the last one ended (the claims' ``seq``, not an offset, so a page
        costs the same at the end as at the start), and only claims accepted before the
        count are read: one accepted meanwhile is not half in. A claim's state is read with
        its page, so one that moves on meanwhile shows the state of that page's read."""
        condition = _matching(where)
        count = select(func.count(), func.max(claims.c.seq)).select_from(claims)
        if condition is not None:
            count = count.where(condition)
        with self.engine.connect() as conn:
            total, top = conn.execute(count).one()
        return int(total), self._pages(condition, int(top or 0), where.newest_first, size)

    def _pages(
        self, condition: ColumnElement[bool] | None, top: int, newest_first: bool, size: int
    ) -> Iterator[list[ClaimRow]]:
        seq = claims.c.seq
        after = top + 1 if newest_first else 0
        while True:
            beyond = seq < after if newest_first else and_(seq > after, seq <= top)
            query = select(claims).where(beyond).order_by(seq.desc() if newest_first else seq)
            if condition is not None:
                query = query.where(condition)
            page = self._all(ClaimRow, query.limit(size))
            if page:
                yield page
            if len(page) < size:
                return
            after = page[-1].seq

    def of_ids(self, claim_ids: Sequence[str]) -> list[ClaimRow]:
        return self._all(ClaimRow, select(claims).where(claims.c.claim_id.in_(list(claim_ids))))
