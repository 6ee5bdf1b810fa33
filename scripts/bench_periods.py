"""Benchmark of a firm's footprint by period (GET /claims/periods's service call) at scale.

    uv run python scripts/bench_periods.py [--claims N] [--repeat R]

Starts its own anvil (a free port, never 8545), deploys the contracts and builds the service
as ``carbonledger up`` does (SQLite). One firm files N footprints (the carrier example),
accepted by the service (the anchoring worker is not started: the sums count passed
footprints from acceptance on). Then it asks for the firm's periods: the first call (which
writes each footprint's totals once, where the service keeps them), and R calls after it,
and prints each one's wall clock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.e2e import fresh_services, signed_submissions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000, help="footprints (10000)")
    parser.add_argument("--repeat", type=int, default=5, help="calls after the first (5)")
    args = parser.parse_args(argv)
    with fresh_services(1) as (services, accounts):
        (items,) = signed_submissions(services, accounts, args.claims, "periods")
        cpu, started = time.process_time(), time.perf_counter()
        for k in range(0, len(items), 100):
            services.claims.submit_many(items[k : k + 100], None)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"accepted {args.claims:,} footprints, 100 a request, in {seconds:,.2f} s "
              f"(CPU {cpu / args.claims * 1e3:.3f} ms per footprint)")  # fmt: skip
        firm = accounts[0].address
        seconds = []
        for _ in range(1 + args.repeat):
            started = time.perf_counter()
            view = services.queries.footprint_periods(firm)
            seconds.append(time.perf_counter() - started)
        summed = sum(p.claims for p in view.periods)
        print(f"a firm's footprint by period, {args.claims:,} footprints "
              f"({summed:,} summed in {len(view.periods)} period(s)):")  # fmt: skip
        print(f"  first call {seconds[0] * 1e3:,.0f} ms; the {args.repeat} after it "
              f"{min(seconds[1:]) * 1e3:,.1f}-{max(seconds[1:]) * 1e3:,.1f} ms "
              f"(median {statistics.median(seconds[1:]) * 1e3:,.1f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
