"""Database engine and the tables shared across the service.

The URL comes from ``Settings.database_url``: SQLite in the data directory by default,
PostgreSQL (``postgresql+psycopg://...``) in production. Every table is created with
``create_all``; rows are written idempotently where a retry could repeat them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    literal_column,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Insert

from carbonledger.store import columns
from carbonledger.store.leader import lock_key
from carbonledger.vocab.anchored import Anchored

metadata = MetaData()

#: Most values in one ``IN (...)`` list: SQLite binds 32,766 at most, and a long list costs
#: PostgreSQL's planner too. Stores read longer lists in chunks of this many.
IN_CHUNK = 1000


def seq_key() -> Column[int]:
    """``seq``: the autoincrement key of a table whose rows are read in the order they were
    added (oldest first)."""
    return Column("seq", Integer, primary_key=True, autoincrement=True)


def firm_column() -> Column[str]:
    """``firm``: the member (its address) a row belongs to, indexed: its rows are read per firm."""
    return columns.address("firm", index=True)


#: Every event the indexed contracts emitted, decoded; one row per (chain, tx, log index).
chain_events = Table(
    "chain_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False, index=True),
    columns.hex32("block_hash"),
    columns.hex32("tx_hash"),
    Column("log_index", Integer, nullable=False),
    Column("contract", String(64), nullable=False),
    columns.address("address"),
    Column("event", String(64), nullable=False, index=True),
    Column("args", JSON, nullable=False),
    # the subject of the event, for history queries: its claim, or the member it concerns
    columns.hex32("claim_id", nullable=True, index=True),
    columns.address("account", nullable=True, index=True),
    UniqueConstraint("chain_id", "tx_hash", "log_index", name="uq_chain_events_log"),
)

#: Where the indexer stopped: the next block to read, and the hash of the block before it.
indexer_cursor = Table(
    "indexer_cursor",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("next_block", BigInteger, nullable=False),
    columns.hex32("last_block_hash", nullable=True),
)


@dataclass(frozen=True)
class AnchoredColumns:
    """Three nullable columns that hold an :class:`Anchored` (where a transaction landed):
    ``<prefix>tx_hash``, ``<prefix>block_number``, ``<prefix>block_hash``, unset (NULL) until
    the chain confirms it; the one mapping between the value and the columns."""

    prefix: str = ""

    @property
    def names(self) -> tuple[str, str, str]:
        return (f"{self.prefix}tx_hash", f"{self.prefix}block_number", f"{self.prefix}block_hash")

    def columns(self) -> list[Column[Any]]:
        """The columns, for a ``Table`` declaration."""
        tx_hash, block_number, block_hash = self.names
        return [
            columns.hex32(tx_hash, nullable=True),
            Column(block_number, BigInteger),
            columns.hex32(block_hash, nullable=True),
        ]

    def values(self, where: Anchored | None) -> dict[str, Any]:
        """The columns' values for ``where`` (``None``: unset them)."""
        if where is None:
            return dict.fromkeys(self.names)
        return dict(
            zip(self.names, (where.tx_hash, where.block_number, where.block_hash), strict=True)
        )

    def read(self, row: Mapping[Any, Any]) -> Anchored | None:
        """The value a row holds in these columns; ``None`` while they are unset."""
        tx_hash, block_number, block_hash = (row[name] for name in self.names)
        if tx_hash is None:
            return None
        return Anchored(tx_hash, int(block_number), block_hash)


def _private_sqlite_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite opens it;
    SQLite gives its -wal and -shm files the database file's mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = os.path.abspath(database)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with contextlib.suppress(OSError):
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o600)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout for concurrent readers."""
    if url.startswith("sqlite"):
        _private_sqlite_file(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        engine = create_engine(url, **kwargs)
        ping_on_checkout(engine)
    with schema_changes(engine):
        metadata.create_all(engine)
    return engine


@dataclass(frozen=True)
class Connections:
    """The database server's client connections: how many are open, and how many it takes
    from users that are not superusers (``max_connections`` less those kept for superusers);
    past that it refuses new ones, and the requests that needed one are answered 503."""

    in_use: int
    limit: int


_CONNECTIONS = text(
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), "
    "current_setting('max_connections')::int "
    "- current_setting('superuser_reserved_connections')::int"
)


def connections(engine: Engine) -> Connections | None:
    """The PostgreSQL server's :class:`Connections` (of every database on it: they share the
    limit); None on SQLite, which has none."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        in_use, limit = conn.execute(_CONNECTIONS).one()
    return Connections(int(in_use), int(limit))


#: the advisory lock under which the processes sharing a PostgreSQL database change its schema
SCHEMA_LOCK = lock_key("schema")

#: whether this context already holds :data:`SCHEMA_LOCK` (a second transaction of the same
#: process asking for it would wait for itself)
_changing_schema: ContextVar[bool] = ContextVar("changing_schema", default=False)


@contextlib.contextmanager
def schema_changes(engine: Engine) -> Iterator[None]:
    """Hold the database's schema lock while a store looks at the schema and changes it:
    creates what is missing (tables, indexes) or brings a database an older version wrote up
    to date (a column and its values).

    Processes that open one PostgreSQL database at the same moment (the API processes of
    ``serve --workers N``, an anchoring worker and an indexer started beside them) would
    otherwise each find a table or column missing and each create it: all but one failed
    (a duplicate type or relation) and the migration ran more than once. Under the lock one
    process looks and changes at a time; the next one finds it done. It is a
    transaction-level advisory lock on a connection of its own, released when the block
    ends, or by the server if the process dies holding it. On SQLite (the single-process
    default) nothing is held."""
    if engine.dialect.name != "postgresql" or _changing_schema.get():
        yield
        return
    # a connection outside ``engine``'s pool: the changes take theirs from it (a pool of one
    # would otherwise wait on itself)
    own = create_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
    try:
        with own.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
            token = _changing_schema.set(True)
            try:
                yield
            finally:
                _changing_schema.reset(token)
    finally:
        own.dispose()


#: set while a one-statement read checks a connection out (:meth:`TableStore._read`)
_read_alone: ContextVar[bool] = ContextVar("read_alone", default=False)


def ping_on_checkout(engine: Engine) -> None:
    """``pool_pre_ping``'s check of a pooled connection before it is used (a connection the
    server dropped is replaced, and every older one in the pool with it), except for a
    one-statement read (:meth:`TableStore._read`): a read changes nothing, so it runs without
    the check's round trip and, on a dropped connection, once more on a fresh one. The
    checks were 5 of the 17 statements of a single-claim request (docs/performance.md,
    "The request path of one claim, session 7"); transactions are checked as before."""

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["fresh"] = True  # just opened: nothing to check (as pool_pre_ping)

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop("fresh", False) or _read_alone.get():
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                raise InvalidatePoolError() from err  # the pool reconnects and checks out again
            raise


def one_statement_reads(engine: Engine) -> Engine:
    """``engine`` for a read of one statement. On PostgreSQL it runs in autocommit: a lone
    ``SELECT`` is its own transaction there, with its own snapshot, as inside ``BEGIN`` …
    ``ROLLBACK`` at READ COMMITTED, without those two round trips (a transaction that
    reads twice keeps using ``engine``). SQLite is left as it is (one process, no wire)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def insert_ignoring_duplicates(engine: Engine | Connection, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the engine's dialect."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"database dialect {engine.dialect.name} is not supported")


def upsert(conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
    """Make ``values`` the row of ``table`` at its primary key: ``INSERT ... ON CONFLICT (key)
    DO UPDATE`` in the connection's dialect. Two transactions writing one key at once both
    succeed (the later commit's values stand), where a delete then an insert made the second
    fail on the key."""
    if conn.dialect.name == "postgresql":
        insert: Any = postgresql.insert(table)
    elif conn.dialect.name == "sqlite":
        insert = sqlite.insert(table)
    else:
        raise NotImplementedError(f"database dialect {conn.dialect.name} is not supported")
    key = [c.name for c in table.primary_key.columns]
    insert = insert.values(**values)
    changed = {name: insert.excluded[name] for name in values if name not in key}
    conn.execute(insert.on_conflict_do_update(index_elements=key, set_=changed))


#: a LISTEN/NOTIFY channel's name, as :class:`PreparedInsert` writes it into its SQL
_CHANNEL = re.compile(r"[a-z_][a-z0-9_]*")


class PreparedInsert:
    """An ``INSERT`` into ``table`` (``ignore_duplicates``: ``ON CONFLICT DO NOTHING``;
    ``returning``: ``RETURNING`` that column; ``notify``: on PostgreSQL, also ``pg_notify``
    that channel for each row stored, which its transaction sends once, at its commit, and
    not at all when it rolls back or stores no row) compiled once per dialect and set of columns,
    with each column's bind processing (JSON serialised, booleans, binaries and datetimes as
    the driver takes them), and run on the DBAPI cursor of the caller's open transaction.

    It sends the statement and values ``Connection.execute`` sends for such rows, without
    building a cache key and an execution context per row: for the claims' outbox and the
    vault's documents that was most of the insert's CPU (``docs/performance.md``, "The
    request path and root mode, session 6"). Positional drivers (SQLite) take a list in the
    compiled order, named ones (psycopg) a dict; PostgreSQL's text casts each value to its
    column's type, as SQLAlchemy renders it. The driver's own errors are not wrapped in
    SQLAlchemy's exception classes: use it where none is expected (a duplicate is skipped
    by ``ON CONFLICT``, or refused before; in :meth:`many` on PostgreSQL a duplicate ends
    the ``COPY`` with psycopg's ``UniqueViolation``, as it would end the insert)."""

    def __init__(
        self,
        table: Table,
        *,
        ignore_duplicates: bool = False,
        returning: str | None = None,
        notify: str | None = None,
    ) -> None:
        if notify is not None and (returning is None or not _CHANNEL.fullmatch(notify)):
            raise ValueError(f"notify {notify!r}: a channel name, with a returning column")
        self.table = table
        self.ignore_duplicates = ignore_duplicates
        self.returning = returning
        self.notify = notify
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}
        self._copies: dict[tuple[str, ...], _Copy] = {}
        self._compiled_rows: dict[tuple[str, int], str] = {}

    def _for(self, conn: Connection, keys: tuple[str, ...]) -> _Compiled:
        dialect = conn.dialect
        if (dialect.name, keys) not in self._compiled:
            insert = (
                insert_ignoring_duplicates(conn, self.table)
                if self.ignore_duplicates
                else self.table.insert()
            )
            if self.returning is not None:
                returned: list[Any] = [self.table.c[self.returning]]
                if self.notify is not None and dialect.name == "postgresql":
                    # NOTIFY for each row stored (folded into one, sent at the commit):
                    # one round trip with the insert instead of a NOTIFY statement after it
                    returned.append(literal_column(f"pg_notify('{self.notify}', '')"))
                insert = insert.returning(*returned)
            compiled = insert.compile(dialect=dialect, column_keys=list(keys))
            values = self._bound(dialect, compiled.positiontup or keys)
            shape: Callable[[Mapping[str, Any]], Any] = (
                values
                if compiled.positiontup is not None
                else lambda row: dict(zip(keys, values(row), strict=True))
            )
            self._compiled[(dialect.name, keys)] = (compiled.string, shape)
        return self._compiled[(dialect.name, keys)]

    def one_by_one(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Insert ``rows`` in order, one statement each, in ``conn``'s transaction; per row
        the ``returning`` column's value, or ``None`` where ``ON CONFLICT`` skipped it."""
        out: list[Any] = []
        cursor = conn.connection.cursor()
        try:
            for row in rows:
                statement, shape = self._for(conn, tuple(row))
                cursor.execute(statement, shape(row))
                found = cursor.fetchone() if self.returning is not None else None
                out.append(None if found is None else found[0])
        finally:
            cursor.close()
        return out

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (all with the first one's columns). On PostgreSQL a plain insert
        is one ``INSERT … VALUES (…), (…)`` while its parameters are few enough for psycopg to
        cache the statement (:data:`CACHED_PARAMETERS`: a single claim's grants), and one
        ``COPY … FROM STDIN`` beyond (each value bound as the insert binds it, then written in
        COPY's text format, which the server reads with its column's own type input):
        psycopg scans an uncached statement's whole text for its placeholders on every call,
        and the ``COPY``'s extra round trip costs more than that on a few rows
        (``docs/performance.md``, "Rows written by COPY, session 20"). Otherwise one
        ``executemany`` (psycopg runs it as a pipeline, whose set-up costs more than a small
        multi-row insert)."""
        if not rows:
            return
        keys = tuple(rows[0])
        cursor = conn.connection.cursor()
        try:
            plain = not self.ignore_duplicates and self.returning is None
            if conn.dialect.name == "postgresql" and plain:
                if len(rows) * len(keys) > CACHED_PARAMETERS:
                    statement, values = self._copy_for(conn, keys)
                    with cursor.copy(statement) as copy:
                        for row in rows:
                            copy.write_row(values(row))
                    return
                statement, shape = self._for(conn, keys)
                cursor.execute(
                    self._rows_of(statement, len(rows)),
                    {f"r{i}_{k}": v for i, row in enumerate(rows) for k, v in shape(row).items()},
                )
                return
            statement, shape = self._for(conn, keys)
            cursor.executemany(statement, [shape(row) for row in rows])
        finally:
            cursor.close()

    def _rows_of(self, statement: str, n: int) -> str:
        """``statement`` (the one-row insert PostgreSQL's dialect compiled, its parameters
        ``%(key)s``) for ``n`` rows, the ``i``-th row's parameters ``%(r<i>_key)s``: written
        from the text, not compiled again per row count (SQLAlchemy took ~12 ms for 200
        rows)."""
        if (statement, n) not in self._compiled_rows:
            head, values, row = statement.partition(" VALUES ")
            if not values or not row.startswith("(") or not row.endswith(")"):
                raise ValueError(f"not a one-row insert: {statement}")
            self._compiled_rows[(statement, n)] = f"{head} VALUES " + ", ".join(
                row.replace("%(", f"%(r{i}_") for i in range(n)
            )
        return self._compiled_rows[(statement, n)]

    def _copy_for(self, conn: Connection, keys: tuple[str, ...]) -> _Copy:
        """The ``COPY`` of ``keys`` into the table (names quoted as the dialect quotes them),
        and a row's values in that order, each through its column's bind processing."""
        if keys not in self._copies:
            quoted = conn.dialect.identifier_preparer
            columns = ", ".join(quoted.quote(self.table.c[key].name) for key in keys)
            statement = f"COPY {quoted.format_table(self.table)} ({columns}) FROM STDIN"
            self._copies[keys] = (statement, self._bound(conn.dialect, keys))
        return self._copies[keys]

    def _bound(self, dialect: Any, keys: Sequence[str]) -> Callable[[Mapping[str, Any]], list[Any]]:
        """A row's values of ``keys``, in that order, each through its column's bind
        processing for ``dialect`` (JSON serialised, booleans, binaries, datetimes)."""
        steps = [
            (key, self.table.c[key].type.dialect_impl(dialect).bind_processor(dialect))
            for key in keys
        ]

        def values(row: Mapping[str, Any]) -> list[Any]:
            return [row[key] if fn is None else fn(row[key]) for key, fn in steps]

        return values


#: a compiled insert: the dialect's SQL text, and a row's values as its driver takes them
_Compiled = tuple[str, Callable[[Mapping[str, Any]], Any]]
#: a ``COPY`` statement, and a row's values in its columns' order
_Copy = tuple[str, Callable[[Mapping[str, Any]], list[Any]]]
#: the most parameters a statement may have for psycopg 3 to cache its parsed form
#: (``psycopg._queries.MAX_CACHED_STATEMENT_PARAMS``): :meth:`PreparedInsert.many` copies
#: more rows than that on PostgreSQL
CACHED_PARAMETERS = 50


def utc_now() -> str:
    """The time now in UTC, ISO 8601 to the millisecond (the stores' timestamps)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


Row = TypeVar("Row")
Out = TypeVar("Out")
#: the values of a statement's bound parameters (``bindparam``), or None for a statement
#: whose values are in it
Params = Mapping[str, Any] | None


class TableStore:
    """Base of the stores over SQL tables: the engine, and reads that give each row as the
    store's row type (a dataclass whose fields are the columns selected)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._one_statement = one_statement_reads(engine)

    def _read(self, run: Callable[[Connection], Out]) -> Out:
        """``run`` (one statement, its result read in full) on a connection of the
        one-statement engine, not checked first (:func:`ping_on_checkout`); when the
        connection turns out dropped (the server restarted or closed it), the pool is
        renewed and ``run`` goes once more on a fresh one, which is what the check would have
        done before it."""
        token = _read_alone.set(True)
        try:
            try:
                with self._one_statement.connect() as conn:
                    return run(conn)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
            with self._one_statement.connect() as conn:
                return run(conn)
        finally:
            _read_alone.reset(token)

    def _first(
        self, kind: Callable[..., Row], query: Executable, params: Params = None
    ) -> Row | None:
        """The first row ``query`` selects, as a ``kind``; ``None`` when it selects none.
        ``params``: the values of the query's bound parameters (a statement built once)."""
        row = self._read(lambda conn: conn.execute(query, params).first())
        return None if row is None else kind(**row._mapping)

    def _all(self, kind: Callable[..., Row], query: Executable, params: Params = None) -> list[Row]:
        """Every row ``query`` selects, in its order, as ``kind``."""
        rows = self._read(lambda conn: list(conn.execute(query, params)))
        return [kind(**row._mapping) for row in rows]

    def _rows(self, query: Executable, params: Params = None) -> list[Any]:
        """Every row ``query`` selects, as the driver gives them (tuples by position)."""
        return self._read(lambda conn: list(conn.execute(query, params)))

    def _scalar(self, query: Executable, params: Params = None) -> Any:
        """The one value ``query`` selects (a count, a maximum: ``None`` over no rows)."""
        return self._read(lambda conn: conn.execute(query, params).scalar_one())

    def _scalars(self, query: Executable, params: Params = None) -> list[Any]:
        """The first column of every row ``query`` selects."""
        return self._read(lambda conn: list(conn.execute(query, params).scalars()))

    def _write(self, statement: Executable) -> None:
        """Run one write in a transaction of its own (committed when it returns)."""
        with self.engine.begin() as conn:
            conn.execute(statement)


class OwnSchemaStore(TableStore):
    """A store whose tables are in a ``metadata`` of its own (the vault's, the used login
    nonces'), usable with any database: it creates its tables unless told not to."""

    metadata: ClassVar[MetaData]

    def __init__(self, engine: Engine, *, create_schema: bool = True) -> None:
        super().__init__(engine)
        if create_schema:
            with schema_changes(engine):
                self.metadata.create_all(engine)

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Self:
        """Connect to ``url`` (e.g. ``sqlite:///data/vault.db``, ``postgresql+psycopg://...``)."""
        return cls(create_engine(url, **engine_options))
