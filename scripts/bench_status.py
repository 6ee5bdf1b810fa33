"""Benchmark of the operators' reading (GET /status, GET /metrics) over a large outbox.

    uv run python scripts/bench_status.py [--rows N ...] [--waiting W] [--repeat R] [--sqlite]

Starts its own anvil (a free port, never 8545), deploys the contracts and builds the service
as ``carbonledger up`` does, on a throw-away PostgreSQL server (``--sqlite``: SQLite). For
each N it fills the claims table with N synthetic rows (W of them accepted, the rest
checked: the reading counts rows, it never reads their documents), then times R readings:
the claim counts by state, the oldest accepted claim, and the whole ``StatusService.status()``
(those two, the instances, the indexer's cursor and one JSON-RPC batch to the chain).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from sqlalchemy import Engine, func, insert, select, text

from benchmarks.e2e import fresh_services
from carbonledger.store.claims import claims
from tests.postgres import fresh_database, postgres_server


def fill(engine: Engine, rows: int, waiting: int) -> None:
    """``rows`` synthetic claim rows in all, the first ``waiting`` accepted, the rest checked."""
    have = int(engine.connect().execute(select(func.count()).select_from(claims)).scalar_one())
    batch = 50_000
    with engine.begin() as conn:
        for start in range(have, rows, batch):
            n = min(batch, rows - start)
            values = [
                {
                    "claim_id": f"0x{k:064x}",
                    "firm": f"0x{k % 97:040x}",
                    "kind": "footprint",
                    "period_start": 0,
                    "period_end": 1,
                    "standard_version": 1,
                    "document_hash": f"0x{k:064x}",
                    "nonce": k,
                    "deadline": 2**40,
                    "claim": {},
                    "signature": "0x" + "33" * 65,
                    "state": "accepted" if k < waiting else "checked",
                    "check_passed": True,
                    "report_hash": "0x" + "44" * 32,
                    "report": "{}",
                    "accepted_at": "2026-12-06T00:00:00.000+00:00",
                    "updated_at": "2026-12-06T00:00:00.000+00:00",
                }
                for k in range(start, start + n)
            ]
            conn.execute(insert(claims), values)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE claims"))


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1e3, max(seconds) * 1e3


@contextlib.contextmanager
def database(sqlite: bool) -> Iterator[str | None]:
    if sqlite:
        yield None
        return
    with tempfile.TemporaryDirectory() as work, postgres_server(Path(work)) as server:
        yield fresh_database(server, "bench_status")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--waiting", type=int, default=1_000, help="accepted rows (1000)")
    parser.add_argument("--repeat", type=int, default=5, help="readings per size (5)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite, not PostgreSQL")
    args = parser.parse_args(argv)
    with database(args.sqlite) as url, fresh_services(1, database_url=url) as (services, _):
        engine, status = services.engine, services.status
        print(f"{engine.dialect.name}; median and slowest of {args.repeat} readings, ms:")
        for rows in sorted(args.rows):
            started = time.perf_counter()
            fill(engine, rows, args.waiting)
            filled = time.perf_counter() - started
            counts = timed(services.store.state_counts, args.repeat)
            oldest = timed(services.store.oldest_accepted_at, args.repeat)
            whole = timed(status.status, args.repeat)
            print(
                f"  {rows:>10,} claims ({args.waiting:,} accepted; filled in {filled:.0f} s): "
                f"counts by state {counts[0]:,.1f} (max {counts[1]:,.1f}), oldest accepted "
                f"{oldest[0]:,.1f} (max {oldest[1]:,.1f}), whole status {whole[0]:,.1f} "
                f"(max {whole[1]:,.1f})"
            )


if __name__ == "__main__":
    main()
