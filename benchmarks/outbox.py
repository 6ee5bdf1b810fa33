"""The claims table at scale, for the benchmarks of what reads it (``scripts/bench_status.py``,
``scripts/bench_queue.py``): synthetic rows, a throw-away database, and a timer."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from carbonledger.store.claims import claims
from tests.postgres import fresh_database, postgres_server

#: what the stores read of a claim row, none of it a real claim (no document is opened)
_PLACEHOLDERS: dict[str, Any] = {
    "kind": "footprint",
    "period_start": 0,
    "period_end": 1,
    "standard_version": 1,
    "deadline": 2**40,
    "claim": {},
    "signature": "0x" + "33" * 65,
    "check_passed": True,
    "report_hash": "0x" + "44" * 32,
    "report": "{}",
    "accepted_at": "2026-12-06T00:00:00.000+00:00",
    "updated_at": "2026-12-06T00:00:00.000+00:00",
}


def firm(k: int) -> str:
    """The address of synthetic firm ``k``."""
    return f"0x{k:040x}"


def fill(engine: Engine, rows: int, waiting: int, *, firms: int = 97) -> None:
    """``rows`` synthetic claim rows in all (on top of those there), the first ``waiting``
    accepted, the rest checked; row ``k`` is firm ``k % firms``'s."""
    have = int(engine.connect().execute(select(func.count()).select_from(claims)).scalar_one())
    batch = 50_000
    with engine.begin() as conn:
        for start in range(have, rows, batch):
            values = [
                {
                    **_PLACEHOLDERS,
                    "claim_id": f"0x{k:064x}",
                    "firm": firm(k % firms),
                    "document_hash": f"0x{k:064x}",
                    "nonce": k,
                    "state": "accepted" if k < waiting else "checked",
                    "turn": k,
                }
                for k in range(start, min(rows, start + batch))
            ]
            conn.execute(insert(claims), values)
    analyse(engine)


def fill_queue(engine: Engine, uploads: Sequence[int]) -> None:
    """A queue as the service leaves it when firm ``i`` filed ``uploads[i]`` claims, one after
    the other, none on chain yet: each firm's claims in nonce order from the same first turn
    (:func:`carbonledger.store.claims.turns`)."""
    batch = 50_000
    seq = 0
    with engine.begin() as conn:
        for i, count in enumerate(uploads):
            for start in range(0, count, batch):
                values = []
                for nonce in range(start, min(count, start + batch)):
                    values.append(
                        {
                            **_PLACEHOLDERS,
                            "claim_id": f"0x{seq:064x}",
                            "firm": firm(i),
                            "document_hash": f"0x{seq:064x}",
                            "nonce": nonce,
                            "state": "accepted",
                            "turn": nonce,
                        }
                    )
                    seq += 1
                conn.execute(insert(claims), values)
    analyse(engine)


def analyse(engine: Engine) -> None:
    """``VACUUM ANALYZE`` on PostgreSQL, as autovacuum would after a fill this size."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE claims"))


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The median and the slowest of ``repeat`` calls, in ms."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1e3, max(seconds) * 1e3


@contextlib.contextmanager
def database(sqlite: bool, name: str) -> Iterator[str | None]:
    """The URL of a fresh database on a throw-away PostgreSQL server, or None (``sqlite``:
    the service's default, a file in its data directory)."""
    if sqlite:
        yield None
        return
    with tempfile.TemporaryDirectory() as work, postgres_server(Path(work)) as server:
        yield fresh_database(server, name)
