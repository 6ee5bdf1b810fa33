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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.e2e import fresh_services
from benchmarks.outbox import database, fill, timed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--waiting", type=int, default=1_000, help="accepted rows (1000)")
    parser.add_argument("--repeat", type=int, default=5, help="readings per size (5)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite, not PostgreSQL")
    args = parser.parse_args(argv)
    with (
        database(args.sqlite, "bench_status") as url,
        fresh_services(1, database_url=url) as (services, _),
    ):
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
