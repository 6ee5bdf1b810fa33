"""One active instance of a background role (anchoring worker, indexer) per database.

On PostgreSQL the role is a session-level advisory lock held on a connection of its own: a
second instance of the role is a hot standby that keeps trying the lock and takes over as
soon as the first one's connection ends. When the holder dies (even by SIGKILL) the kernel
closes its socket and the server ends its session at once, releasing the lock; when its host
vanishes, TCP keepalives (about 15 s here) end the session. A holder that loses its
connection stops acting when :meth:`LeaderLock.held` says so, at its next round.

Limit, stated honestly: between a holder losing its connection and its next call to
:meth:`held` (one round), a standby may already act. For the anchoring worker this is safe
because the contract refuses a claim it already holds and the worker marks such claims
anchored instead (see ``services/anchoring.py``); it costs at most some refused gas.

On SQLite (the single-process default) there is nothing to share and the lock is always held.
"""

from __future__ import annotations

import contextlib
import logging

from eth_utils.crypto import keccak
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

log = logging.getLogger("carbonledger.leader")

#: libpq settings of the lock's connection: a vanished holder is noticed within ~15 s
KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 5,
}


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for the role ``name`` (signed, as PostgreSQL takes it)."""
    return int.from_bytes(keccak(text=f"carbonledger:{name}")[:8], "big", signed=True)


class LeaderLock:
    """See the module docstring."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.name = name
        self.key = lock_key(name)
        self.shared = engine.dialect.name == "postgresql"
        self._engine: Engine | None = None
        if self.shared:
            # its own engine without a pool: closing the connection ends the session, and
            # with it the lock (a pooled connection would keep it)
            self._engine = create_engine(
                engine.url.render_as_string(hide_password=False),
                poolclass=NullPool,
                connect_args=KEEPALIVE,
            )
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this instance holds it (now or already)."""
        if not self.shared:
            return True
        if self.held():
            return True
        assert self._engine is not None
        try:
            conn = self._engine.connect()
        except Exception as exc:  # the database is down: stay standby
            log.warning("cannot reach the database for the %s lock: %s", self.name, exc)
            return False
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        conn.commit()
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.warning("this process is now the active %s", self.name)
        return True

    @property
    def holding(self) -> bool:
        """True when this instance took the lock and its holder has not found it lost since
        (no I/O: safe to read from another thread than the one that calls :meth:`held`)."""
        return not self.shared or self._conn is not None

    def held(self) -> bool:
        """True while the lock's session is alive (one round trip on PostgreSQL)."""
        if not self.shared:
            return True
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1")).scalar()
            self._conn.commit()
            return True
        except Exception:
            log.warning("lost the database session holding the %s lock", self.name)
            self._drop()
            return False

    def release(self) -> None:
        self._drop()
        if self._engine is not None:
            self._engine.dispose()

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
