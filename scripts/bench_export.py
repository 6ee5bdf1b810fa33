"""Benchmark of a firm's inventory export (GET /claims/export's service call) at scale.

    uv run python scripts/bench_export.py [--claims N] [--formats csv,xlsx,json]

Starts its own anvil (a free port, never 8545), deploys the contracts and builds the service
as ``carbonledger up`` does (SQLite). One firm files N footprints (the carrier example, 5
lines each), accepted by the service (the anchoring worker is not started: an export reads
the service's store and vault, not the chain). Then, per format, it exports every claim of
the firm as the firm itself (each document opened for its lines) and prints the wall clock,
the process's CPU, the bytes written, and how far the process's resident memory rose above
what it held before the export (its peak, VmHWM, reset before each format).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.e2e import fresh_services, signed_submissions
from benchmarks.memory import own_mb, reset_peak
from carbonledger.reports.export import Format
from carbonledger.store.claims import ClaimFilter


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000, help="footprints (10000)")
    parser.add_argument("--formats", default="csv,xlsx,json")
    args = parser.parse_args(argv)
    with fresh_services(1) as (services, accounts):
        started = time.perf_counter()
        (items,) = signed_submissions(services, accounts, args.claims, "export")
        for k in range(0, len(items), 100):
            services.claims.submit_many(items[k : k + 100], None)
        print(f"filed {args.claims:,} footprints in {time.perf_counter() - started:,.0f} s",
              file=sys.stderr)  # fmt: skip
        firm = accounts[0].address
        where = ClaimFilter(firm=firm)  # checksummed, as the route passes it
        print(f"export of {args.claims:,} claims (5 lines each), as the firm:")
        for fmt in args.formats.split(","):
            reset_peak()
            before = own_mb("VmRSS")
            cpu, started = time.process_time(), time.perf_counter()
            export = services.reports.export(firm, where, cast(Format, fmt))
            size = sum(len(c) for c in export.chunks)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            rise = own_mb("VmHWM") - before
            print(f"  {fmt}: {export.claims:,} claims, {size / 1e6:,.1f} MB in {seconds:,.1f} s "
                  f"(CPU {cpu:,.1f} s, {cpu / args.claims * 1e3:.2f} ms per claim); resident "
                  f"memory rose "
                  f"{rise:,.0f} MB at its peak")  # fmt: skip


if __name__ == "__main__":
    main()
