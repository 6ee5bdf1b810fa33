"""Which processes run the service, as each one last said.

Every process that runs the anchoring worker or the indexer, active or standby, writes its
row here every few seconds (:class:`Heartbeat`): its role, host, pid, whether it holds the
role's lock, when it started and the last error of its rounds. ``GET /status`` reads the
rows to say, from any API process, whether each role has an active instance that is alive,
and which standbys wait behind it. Every process serving the API writes one too
(:func:`api_heartbeat`, role :data:`API_PROCESS`): the processes behind one port (``serve
--workers N``) or a load balancer are listed, each with its host and pid. A process that
stops cleanly deletes its row; one that dies leaves a row that ages, which is how its death
shows.

Limit, stated honestly: "alive" means "wrote within the last few seconds", so a process
whose loop hangs while another thread of it still runs would look dead, and one that died a
moment ago looks alive until its row is older than the reader's timeout.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from sqlalchemy import BigInteger, Column, Engine, Integer, String, Table, Text, bindparam, select

from carbonledger.store import columns
from carbonledger.store.db import TableStore, metadata, schema_changes

log = logging.getLogger("carbonledger.instances")

#: the background roles (also the names of their locks: :mod:`carbonledger.store.leader`)
ANCHORING_WORKER = "anchoring worker"
INDEXER = "indexer"
ROLES = (ANCHORING_WORKER, INDEXER)
#: the rows of the processes serving the API (any number of them active at once)
API_PROCESS = "API process"


def role_label(role: str) -> str:
    """``role`` as alert names and metric labels spell it (``anchoring_worker``)."""
    return role.replace(" ", "_")


#: the states an instance reports
ACTIVE = "active"
STANDBY = "standby"

#: rows not written for this long (seconds) are deleted by the next writer: a process that
#: died a day ago is history, not a standby
FORGET_AFTER = 86_400

service_instances = Table(
    "service_instances",
    metadata,
    # host (a DNS name: 253 characters at most), pid, role and a random tag
    Column("instance", String(320), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    columns.enum("state"),
    Column("started_at", BigInteger, nullable=False),
    Column("seen_at", BigInteger, nullable=False),
    Column("last_error", Text),
)


@dataclass(frozen=True)
class InstanceRow:
    """One process's report of one role (times in unix seconds)."""

    instance: str
    role: str
    host: str
    pid: int
    state: str
    started_at: int
    seen_at: int
    last_error: str | None


_ALL = select(service_instances).order_by(service_instances.c.role, service_instances.c.started_at)
_UPDATE = (
    service_instances.update()
    .where(service_instances.c.instance == bindparam("key"))
    .values(
        state=bindparam("state"),
        seen_at=bindparam("seen_at"),
        last_error=bindparam("last_error"),
    )
)


class InstanceStore(TableStore):
    """See the module docstring."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        with schema_changes(engine):  # ``create_all`` ran with the engine: an older database
            service_instances.create(engine, checkfirst=True)

    def write(self, row: InstanceRow, *, took_over: bool = False) -> None:
        """Store ``row`` (replacing the instance's earlier one), and forget rows not written
        for :data:`FORGET_AFTER` seconds. ``took_over``: the instance has just taken its
        role's lock, so any other row that says it is active in that role is a holder that
        died (the lock was free): those rows go, rather than looking alive until they age."""
        values = {"state": row.state, "seen_at": row.seen_at, "last_error": row.last_error}
        with self.engine.begin() as conn:
            if took_over:
                c = service_instances.c
                conn.execute(
                    service_instances.delete().where(
                        c.role == row.role, c.state == ACTIVE, c.instance != row.instance
                    )
                )
            updated = conn.execute(_UPDATE, {"key": row.instance, **values}).rowcount
            if not updated:  # an instance's first beat (its key is its own: no other writer)
                conn.execute(service_instances.insert().values(**asdict(row)))
                conn.execute(
                    service_instances.delete().where(
                        service_instances.c.seen_at < row.seen_at - FORGET_AFTER
                    )
                )

    def remove(self, instance: str) -> None:
        self._write(service_instances.delete().where(service_instances.c.instance == instance))

    def all(self) -> list[InstanceRow]:
        """Every instance's row, by role, oldest start first."""
        return self._all(InstanceRow, _ALL)


class Heartbeat:
    """One process's beats for one role: :meth:`beat` from the role's loop writes its row
    when ``every`` seconds have passed or its state or error changed; :meth:`stop` deletes it.
    A failed write is logged and tried at the next beat: the role's work never waits on it."""

    def __init__(
        self,
        store: InstanceStore,
        role: str,
        *,
        every: float = 5.0,
        clock: Callable[[], float] = time.time,
        exclusive: bool = True,
    ) -> None:
        self.store = store
        self.role = role
        self.every = every
        #: one active instance of the role at a time (its lock's holder), so another row
        #: active in it when this one becomes active is a holder that died
        self.exclusive = exclusive
        self.clock = clock
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.instance = f"{self.host}:{self.pid}:{role}:{secrets.token_hex(4)}"
        self.started_at = int(clock())
        self._last: tuple[str, str | None, float] | None = None

    def beat(self, active: bool, error: str | None = None) -> None:
        now = self.clock()
        state = ACTIVE if active else STANDBY
        last = self._last
        if last is not None and last[:2] == (state, error) and now - last[2] < self.every:
            return
        row = InstanceRow(
            instance=self.instance,
            role=self.role,
            host=self.host,
            pid=self.pid,
            state=state,
            started_at=self.started_at,
            seen_at=int(now),
            last_error=error,
        )
        took_over = self.exclusive and active and (last is None or last[0] != ACTIVE)
        try:
            self.store.write(row, took_over=took_over)
        except Exception as exc:  # the database is down: the role's own work says so
            log.warning("cannot record the %s's heartbeat: %s", self.role, str(exc)[:200])
            return
        self._last = (state, error, now)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.store.remove(self.instance)
        self._last = None


@contextlib.contextmanager
def api_heartbeat(store: InstanceStore, every: float = 5.0) -> Iterator[Heartbeat]:
    """This process's row as an :data:`API_PROCESS` while the block runs (the API serves):
    written at once and then every ``every`` seconds by a thread of its own, deleted at the
    end."""
    # each tick writes (a beat skips a write less than its ``every`` after the last)
    beat = Heartbeat(store, API_PROCESS, every=every / 2, exclusive=False)
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            beat.beat(True)

    beat.beat(True)
    thread = threading.Thread(target=run, name="api-heartbeat", daemon=True)
    thread.start()
    try:
        yield beat
    finally:
        stop.set()
        thread.join(10)
        beat.stop()
