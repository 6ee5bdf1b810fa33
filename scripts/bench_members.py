"""Benchmark of reading a large consortium's members: GET /members' pages and the active
auditors' list that each claim's vault wrapping needs after any registry event.

    uv run python scripts/bench_members.py [--members N] [--repeat R]

Starts its own anvil (a free port, never 8545), deploys the contracts, admits N firms, builds
the service as ``carbonledger up`` does (SQLite) and indexes the chain. Then, R times, with the
directory's cache dropped first (as a registry event drops it): the first two pages of 200
members (``MemberDirectory.page``, what GET /members answers) and the auditors' list
(``MemberDirectory.auditors``), each with the JSON-RPC HTTP requests it made.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.e2e import fresh_services
from benchmarks.rpc_requests import count_requests, requests_posted


def timed(label: str, read: Callable[[], object]) -> str:
    before, started = requests_posted(), time.perf_counter()
    read()
    seconds = time.perf_counter() - started
    return f"{label} {seconds * 1e3:,.0f} ms ({requests_posted() - before} requests)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=600, help="firms admitted (600)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    count_requests()
    with fresh_services(args.members) as (services, _):
        directory = services.members
        total = directory.page(0, 1)[0]
        print(f"{total} members (with the service account and the relayer):")
        for i in range(args.repeat):
            directory.forget()
            pages = [timed(f"page {p + 1} of 200", lambda p=p: directory.page(200 * p, 200))
                     for p in range(2)]  # fmt: skip
            directory.forget()
            auditors = timed("the auditors' list", directory.auditors)
            print(f"  run {i + 1}: " + "; ".join([*pages, auditors]))


if __name__ == "__main__":
    main()
