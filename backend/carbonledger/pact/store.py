"""The PACT tables: published footprints, partners' client credentials, grants, requests.

The footprint documents themselves are in the evidence vault (encrypted, document id
``pact:<pfId>``); these rows hold what the host needs to list, filter and prove them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)

from carbonledger.store import columns
from carbonledger.store.db import (
    Row,
    TableStore,
    firm_column,
    insert_ignoring_duplicates,
    metadata,
    schema_changes,
    seq_key,
)
from carbonledger.store.leader import lock_key


def client_column(**options: Any) -> Column[str]:
    """``client_id``: the PACT client (a partner's credentials) a row belongs to."""
    return Column("client_id", String(64), nullable=False, **options)


def footprint_column(**options: Any) -> Column[str]:
    """``pf_id``: a published ProductFootprint's id (a UUID)."""
    return Column("pf_id", String(36), nullable=False, **options)


pact_footprints = Table(
    "pact_footprints",
    metadata,
    seq_key(),
    footprint_column(unique=True),
    firm_column(),
    columns.hex32("claim_id", unique=True),
    columns.hex32("document_hash"),
    columns.hex32("supersedes", nullable=True),
    columns.enum("status"),
    Column("anchor", JSON, nullable=False),  # the anchor extension's data
    Column("derived_from", JSON, nullable=False),
    columns.timestamp("published_at"),
)

pact_clients = Table(
    "pact_clients",
    metadata,
    client_column(primary_key=True),
    firm_column(),
    Column("partner", Text, nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("all_footprints", Boolean, nullable=False),
    columns.timestamp("created_at"),
    columns.timestamp("revoked_at", nullable=True),
    # where the partner receives events (its PACT host) and the credentials it gave us there
    Column("callback", JSON),
)

pact_grants = Table(
    "pact_grants",
    metadata,
    client_column(primary_key=True),
    footprint_column(primary_key=True),
)

pact_requests = Table(
    "pact_requests",
    metadata,
    seq_key(),
    client_column(index=True),
    firm_column(),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("event", JSON, nullable=False),
    columns.enum("state"),  # open | fulfilled | rejected | received
    columns.timestamp("received_at"),
    columns.timestamp("answered_at", nullable=True),
    Column("answer", JSON),
    Column("time_ms", BigInteger),
)


#: Events to partners: written before the attempt, re-tried until sent.
pact_outbox = Table(
    "pact_outbox",
    metadata,
    seq_key(),
    client_column(index=True),
    Column("event", JSON, nullable=False),
    columns.enum("state"),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float),  # epoch seconds of the next retry (None: at once)
    Column("error", Text),
    columns.timestamp("created_at"),
    columns.timestamp("sent_at", nullable=True),
)


#: iLEAP transport activity data a firm makes available on ``/2/ileap/tad``
pact_activities = Table(
    "pact_activities",
    metadata,
    seq_key(),
    firm_column(),
    Column("activity_id", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("clients", JSON, nullable=False),  # client ids that may read it; [] = every client
    columns.timestamp("published_at"),
    Index("uq_pact_activities_firm_activity", "firm", "activity_id", unique=True),
)


def _one_row_per_activity(engine: Engine) -> None:
    """Give a ``pact_activities`` table created before its unique key the key, keeping the
    newest row of each (firm, activity id): concurrent publishes could leave duplicates then.
    On PostgreSQL the table is locked meanwhile, so services starting together do it once."""
    key = next(i for i in pact_activities.indexes if i.unique)
    if any(i["name"] == key.name for i in inspect(engine).get_indexes(pact_activities.name)):
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"LOCK TABLE {pact_activities.name} IN EXCLUSIVE MODE"))
        if any(i["name"] == key.name for i in inspect(conn).get_indexes(pact_activities.name)):
            return
        t = pact_activities.c
        newest = select(func.max(t.seq)).group_by(t.firm, t.activity_id).scalar_subquery()
        conn.execute(delete(pact_activities).where(t.seq.not_in(newest)))
        key.create(conn, checkfirst=True)  # SQLite: another process may have made it meanwhile


def _add_missing_columns(engine: Engine, table: Table) -> None:
    """Columns added to ``table`` after a database was created (nullable ones only): the
    project has no migration tool, and ``create_all`` leaves existing tables as they are."""
    have = {c["name"] for c in inspect(engine).get_columns(table.name)}
    with engine.begin() as conn:
        for column in table.columns:
            if column.name not in have and column.nullable:
                kind = column.type.compile(dialect=engine.dialect)
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class FootprintRow:
    seq: int
    pf_id: str
    firm: str
    claim_id: str
    document_hash: str
    supersedes: str | None
    status: str
    anchor: dict[str, Any]
    derived_from: list[str]
    published_at: str


@dataclass(frozen=True)
class ClientRow:
    client_id: str
    firm: str
    partner: str
    secret_hash: str
    all_footprints: bool
    created_at: str
    revoked_at: str | None
    callback: dict[str, Any] | None = None


class PactStore(TableStore):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        with schema_changes(engine):
            metadata.create_all(
                engine,
                tables=[
                    pact_footprints,
                    pact_clients,
                    pact_grants,
                    pact_requests,
                    pact_outbox,
                    pact_activities,
                ],
            )
            _add_missing_columns(engine, pact_outbox)
            _one_row_per_activity(engine)

    def _of_firm(
        self, kind: Callable[..., Row], table: Table, firm: str, order: Any = None
    ) -> list[Row]:
        """``firm``'s rows of ``table`` as ``kind``, by ``order`` (default: as added)."""
        query = select(table).where(table.c.firm == firm)
        return self._all(kind, query.order_by(table.c.seq if order is None else order))

    # --- footprints ---
    def add_footprint(self, values: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(pact_footprints).values(**values, published_at=now()))
            if values.get("supersedes"):
                conn.execute(
                    update(pact_footprints)
                    .where(pact_footprints.c.claim_id == values["supersedes"])
                    .values(status="Deprecated")
                )

    def set_status(self, pf_id: str, status: str) -> None:
        self._write(
            update(pact_footprints).where(pact_footprints.c.pf_id == pf_id).values(status=status)
        )

    def footprint(self, pf_id: str) -> FootprintRow | None:
        return self._first(
            FootprintRow, select(pact_footprints).where(pact_footprints.c.pf_id == pf_id)
        )

    def footprints_of(self, firm: str) -> list[FootprintRow]:
        return self._of_firm(FootprintRow, pact_footprints, firm)

    # --- clients and grants ---
    def add_client(self, values: dict[str, Any]) -> None:
        self._write(insert(pact_clients).values(**values, created_at=now()))

    def client(self, client_id: str) -> ClientRow | None:
        return self._first(
            ClientRow, select(pact_clients).where(pact_clients.c.client_id == client_id)
        )

    def clients_of(self, firm: str) -> list[ClientRow]:
        return self._of_firm(ClientRow, pact_clients, firm, pact_clients.c.created_at)

    def revoke_client(self, client_id: str) -> None:
        self._write(
            update(pact_clients)
            .where(pact_clients.c.client_id == client_id)
            .values(revoked_at=now())
        )

    def grant(self, client_id: str, pf_ids: Sequence[str]) -> None:
        """Let ``client_id`` read ``pf_ids`` (those it may read already stay as they are)."""
        if pf_ids:
            with self.engine.begin() as conn:
                conn.execute(
                    insert_ignoring_duplicates(self.engine, pact_grants),
                    [{"client_id": client_id, "pf_id": pf_id} for pf_id in pf_ids],
                )

    def withdraw(self, client_id: str, pf_ids: Sequence[str]) -> None:
        self._write(
            delete(pact_grants).where(
                and_(pact_grants.c.client_id == client_id, pact_grants.c.pf_id.in_(pf_ids))
            )
        )

    def granted(self, client_id: str) -> set[str]:
        query = select(pact_grants.c.pf_id).where(pact_grants.c.client_id == client_id)
        return {str(pf_id) for pf_id in self._scalars(query)}

    def clients_granted(self, pf_ids: Sequence[str]) -> set[str]:
        query = select(pact_grants.c.client_id).where(pact_grants.c.pf_id.in_(pf_ids))
        return {str(client_id) for client_id in self._scalars(query)}

    # --- events ---
    def add_request(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(pact_requests).values(**values, received_at=now()))
            key = result.inserted_primary_key
            return int(key[0]) if key else 0

    def requests_of(self, firm: str) -> list[dict[str, Any]]:
        return self._of_firm(dict, pact_requests, firm)

    def request(self, seq: int) -> dict[str, Any] | None:
        return self._first(dict, select(pact_requests).where(pact_requests.c.seq == seq))

    def answer_request(self, seq: int, state: str, answer: dict[str, Any]) -> None:
        self._write(
            update(pact_requests)
            .where(pact_requests.c.seq == seq)
            .values(state=state, answer=answer, answered_at=now())
        )

    # --- outbox ---
    def queue_event(
        self, client_id: str, event: dict[str, Any], *, not_before: float | None = None
    ) -> int:
        """Queue an event (``not_before``: the relay leaves it alone until then)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(pact_outbox).values(
                    client_id=client_id,
                    event=event,
                    state="pending",
                    attempts=0,
                    created_at=now(),
                    next_attempt_at=not_before,
                )
            )
            key = result.inserted_primary_key
            return int(key[0]) if key else 0

    def pending_events(
        self, *, due_before: float | None = None, with_failed: bool = False
    ) -> list[dict[str, Any]]:
        """Events not sent yet (``due_before``: only those whose retry time has come)."""
        states = ["pending", "failed"] if with_failed else ["pending"]
        query = select(pact_outbox).where(pact_outbox.c.state.in_(states))
        if due_before is not None:
            query = query.where(
                or_(
                    pact_outbox.c.next_attempt_at.is_(None),
                    pact_outbox.c.next_attempt_at <= due_before,
                )
            )
        return self._all(dict, query.order_by(pact_outbox.c.seq))

    def outbox_of(self, client_ids: Sequence[str]) -> list[dict[str, Any]]:
        query = select(pact_outbox).where(pact_outbox.c.client_id.in_(client_ids))
        return self._all(dict, query.order_by(pact_outbox.c.seq))

    def event_sent(self, seq: int) -> None:
        """Outbox event ``seq`` reached its partner."""
        self._attempted(seq, error=None, next_attempt_at=None, state="sent", sent_at=now())

    def event_failed(self, seq: int, error: str, next_attempt_at: float, give_up: bool) -> None:
        """An attempt to send outbox event ``seq`` failed with ``error``: it is tried again at
        ``next_attempt_at`` (epoch seconds), or it is ``failed`` when the service ``give_up``."""
        state = {"state": "failed"} if give_up else {}
        self._attempted(seq, error=error, next_attempt_at=next_attempt_at, **state)

    def _attempted(self, seq: int, **values: Any) -> None:
        attempts = pact_outbox.c.attempts + 1
        self._write(
            update(pact_outbox).where(pact_outbox.c.seq == seq).values(attempts=attempts, **values)
        )

    # --- transport activity data ---
    def put_activities(
        self, firm: str, items: Sequence[dict[str, Any]], clients: list[str]
    ) -> None:
        """Add or replace (by activity id) a firm's TADs, readable by ``clients`` ([] = all);
        a replaced one moves to the end. A firm's publishes are serialised (on PostgreSQL by
        a transaction-level advisory lock per firm; SQLite has one writer at a time), so two
        at once cannot both miss the other's row; the unique key stands behind that."""
        ids = [str(item["activityId"]) for item in items]
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                key = lock_key(f"pact_activities:{firm}")
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
            conn.execute(
                delete(pact_activities).where(
                    and_(pact_activities.c.firm == firm, pact_activities.c.activity_id.in_(ids))
                )
            )
            conn.execute(
                insert(pact_activities),
                [
                    {"firm": firm, "activity_id": str(item["activityId"]), "data": dict(item),
                     "clients": clients, "published_at": now()}
                    for item in items
                ],
            )  # fmt: skip

    def activities_of(self, firm: str) -> list[dict[str, Any]]:
        return self._of_firm(dict, pact_activities, firm)
