"""Waking the anchoring worker of another process: PostgreSQL LISTEN/NOTIFY.

An API process that stores accepted claims sends ``NOTIFY carbonledger_outbox`` in the very
transaction that inserts them (:func:`announce`): PostgreSQL delivers it only if that
transaction commits, and folds the duplicates of one transaction into one. The anchoring
worker listens on a connection of its own (:class:`OutboxListener`), opened the first time
it idles as the active worker (a standby never listens), and after a round that found
nothing waits for a notification or its idle timeout, whichever comes first. That connection
is not the one holding the worker's advisory lock (:mod:`carbonledger.store.leader`): the two
stay independent (a lock lost or retaken leaves the listener alone, and the reverse), for one
more connection per anchoring process.

Nothing depends on a notification arriving: one that is missed (the listener was
reconnecting, the database restarted) costs the worker its idle timeout, as before this
module existed. After (re)connecting the listener reports work at once, so a claim committed
before ``LISTEN`` took effect is seen by the round that follows.

On SQLite there is one process; the worker is woken in memory (``AnchorWorker.kick``).

The indexer is woken the same way on a channel of its own (:data:`MINED`): the anchoring
worker's write that marks claims anchored or checked (their transactions mined) notifies it,
so what a round mined is indexed at once rather than at the indexer's next poll of the chain.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from carbonledger.store.leader import KEEPALIVE

log = logging.getLogger("carbonledger.listen")

CHANNEL = "carbonledger_outbox"
#: claims marked anchored or checked: new blocks for the indexer
MINED = "carbonledger_mined"
#: how often a wait looks at the in-process wake-up (``kicked``) while it listens
KICK_POLL = 0.25


def announce(conn: Connection, channel: str = CHANNEL) -> None:
    """Tell whoever listens on ``channel`` (the worker: new claims; the indexer:
    :data:`MINED`) that ``conn``'s transaction adds work (PostgreSQL only; sent at commit,
    dropped on rollback)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"NOTIFY {channel}")


class OutboxListener:
    """See the module docstring. Used by one thread (the worker's, or the indexer's on
    ``channel`` :data:`MINED`)."""

    def __init__(self, engine: Engine, channel: str = CHANNEL) -> None:
        self.channel = channel
        # libpq takes the URL without SQLAlchemy's driver name
        self._conninfo = make_conninfo(
            engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            **KEEPALIVE,
        )
        self._conn: psycopg.Connection[Any] | None = None

    def wait(self, timeout: float, kicked: threading.Event) -> bool:
        """Wait up to ``timeout`` s for a notification or ``kicked``; True when woken."""
        deadline = time.monotonic() + timeout
        if self._conn is None:
            try:
                self._conn = psycopg.connect(self._conninfo, autocommit=True)
                self._conn.execute(f"LISTEN {self.channel}")
            except psycopg.Error as exc:  # the database is down: wait as without it
                log.warning("cannot listen on %s: %s", self.channel, str(exc)[:300])
                self.close()
                return kicked.wait(timeout)
            return True  # whatever was committed before LISTEN: the next round reads it
        conn = self._conn
        while not kicked.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                if list(conn.notifies(timeout=min(left, KICK_POLL), stop_after=1)):
                    # the round that follows reads everything committed so far: drop the rest
                    list(conn.notifies(timeout=0))
                    return True
            except psycopg.Error as exc:  # the session ended (database restart): reconnect
                log.warning("lost the connection listening on %s: %s", self.channel, str(exc)[:300])
                self.close()
                return kicked.wait(max(0.0, deadline - time.monotonic()))
        return True

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
