"""Benchmark of finding a firm's overlaps (GET /overlaps) in a consortium with many footprints.

    uv run python scripts/bench_overlaps.py [--claims N] [--shippers S] [--repeat R] [--postgres]

Starts its own anvil (a free port, never 8545), deploys the contracts and builds the service
as ``carbonledger up`` does (SQLite; ``--postgres``: a throw-away PostgreSQL server). One
carrier and S shippers each file N footprints (the shipped examples, each claim's shipment
refs its own, salted with the carrier's pair salt of that shipper): carrier claim k shares
its shipments with claim k // S of shipper k % S, so the carrier has N overlaps and each
shipper about N / S. Once every claim is checked on chain, it times
``SettlementService.overlaps_of`` (what GET /overlaps calls) for the carrier and for one
shipper, then the carrier's overlaps summed per partner (GET /overlaps/partners), with one
shipper (GET /overlaps?partner=) and one by its id (GET /overlaps/{id}): the first call of the
process, then R more, with the JSON-RPC requests and the process's CPU time of each, and the
process's peak memory. ``--backlog`` empties the shipment index first (a database of a version
before it) and times reading every footprint into it.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sized
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import delete

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.e2e import fresh_services, signed_submissions
from benchmarks.rpc_requests import count_requests, requests_posted
from carbonledger.overlaps import new_pair_salt, salted_ref
from carbonledger.services.container import Services
from carbonledger.services.overlap_finder import OverlapFinder
from carbonledger.store.claims import CHECKED
from carbonledger.store.shipments import shipment_refs
from tests.postgres import fresh_database, postgres_server

EXAMPLES = Path(__file__).resolve().parents[1] / "backend/carbonledger/standard/examples"


def from_example(
    name: str, account: LocalAccount, count: int, fill: Callable[[dict[str, Any], int], None]
) -> list[bytes]:
    """``count`` copies of the shipped example ``name``, the firm's, each filled in by
    ``fill(document, i)`` (its claim id and shipment refs)."""
    template = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    template["firm"]["address"] = account.address.lower()
    out = []
    for i in range(count):
        doc = copy.deepcopy(template)
        fill(doc, i)
        out.append(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    return out


def carrier_documents(account: LocalAccount, count: int, salts: list[bytes]) -> list[bytes]:
    def fill(doc: dict[str, Any], k: int) -> None:
        doc["claim_id"] = f"bench-overlaps-carrier-{k:07d}"
        salt = salts[k % len(salts)]
        trips = (("1", "2"), ("3",))  # trip 1 carries two shipments, trip 2 one
        for line, waybills in zip(doc["lines"][:2], trips, strict=True):
            for shipment, w in zip(line["shipments"], waybills, strict=True):
                shipment["shipment_ref"] = salted_ref(salt, f"WB-{k}-{w}")

    return from_example("carrier_footprint.json", account, count, fill)


def shipper_documents(
    account: LocalAccount, count: int, salt: bytes, j: int, s: int
) -> list[bytes]:
    def fill(doc: dict[str, Any], m: int) -> None:
        doc["claim_id"] = f"bench-overlaps-shipper-{j}-{m:07d}"
        k = m * s + j  # the carrier's claim it shares shipments with (none when k >= count)
        cat4 = [line for line in doc["lines"] if "shipment_ref" in line]
        for line, w in zip(cat4, ("1", "3"), strict=True):
            line["shipment_ref"] = salted_ref(salt, f"WB-{k}-{w}")

    return from_example("shipper_footprint.json", account, count, fill)


def file_and_anchor(services: Services, accounts: list[LocalAccount], n: int) -> None:
    carrier, shippers = accounts[0], accounts[1:]
    salts = [new_pair_salt() for _ in shippers]
    index = {a.address: i for i, a in enumerate(shippers)}

    def made(account: LocalAccount, count: int) -> list[bytes]:
        if account.address == carrier.address:
            return carrier_documents(account, count, salts)
        j = index[account.address]
        return shipper_documents(account, count, salts[j], j, len(shippers))

    started = time.perf_counter()
    per_firm = signed_submissions(services, accounts, n * len(accounts), "overlaps", made)
    for items in per_firm:
        for k in range(0, len(items), 100):
            services.claims.submit_many(items[k : k + 100], None)
    services.start()
    total = n * len(accounts)
    while services.store.count_in_state(CHECKED) < total:
        time.sleep(0.5)
        print(f"  checked {services.store.count_in_state(CHECKED)}/{total}", end="\r",
              file=sys.stderr)  # fmt: skip
    services.stop()
    seconds = time.perf_counter() - started
    print(f"filed {total} footprints, all checked on chain, in {seconds:.0f} s", file=sys.stderr)


def timed(label: str, repeat: int, call: Callable[[], Sized], what: str = "overlaps") -> None:
    for i in range(repeat + 1):
        before = requests_posted()
        cpu, started = time.process_time(), time.perf_counter()
        found = call()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"  {label}, {'first call' if i == 0 else f'again ({i})'}: {len(found)} {what} "
              f"in {seconds * 1e3:,.0f} ms (CPU {cpu * 1e3:,.0f} ms, "
              f"{requests_posted() - before} JSON-RPC HTTP requests)")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000, help="footprints per firm (1000)")
    parser.add_argument("--shippers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--backlog", action="store_true",
        help="empty the shipment index first and time reading every footprint into it",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", action="store_true",
        help="the service's database on a throw-away PostgreSQL server (SQLite otherwise)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    count_requests()
    with contextlib.ExitStack() as stack:
        settings = {}
        if args.postgres:  # its own directory under /tmp: the postgres user cannot enter others
            pg_dir = Path(tempfile.mkdtemp(prefix="carbonledger-bench-pg-"))
            stack.callback(shutil.rmtree, pg_dir, ignore_errors=True)
            server = stack.enter_context(postgres_server(pg_dir))
            settings["database_url"] = fresh_database(server, "bench_overlaps")
        services, accounts = stack.enter_context(fresh_services(1 + args.shippers, **settings))
        print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
        measure(services, accounts, args)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")


def measure(services: Services, accounts: list[LocalAccount], args: argparse.Namespace) -> None:
    file_and_anchor(services, accounts, args.claims)
    total = args.claims * (1 + args.shippers)
    finder = services.settlements.overlaps
    unread = len(finder.index.unread(10 * total))  # (none: each written when accepted)
    print(f"footprints not in the shipment index once accepted: {unread}")
    if args.backlog:  # as a database of an older version has them: none read yet
        with services.engine.begin() as conn:
            conn.execute(delete(shipment_refs))
        started = time.perf_counter()  # as a process of this version started on it
        read = OverlapFinder(finder.claims, finder.index, finder.catch_up).read_new()
        seconds = time.perf_counter() - started
        print(f"reading {read} footprints stored before the index from their documents: "
              f"{seconds:,.1f} s ({seconds / read * 1e3:.2f} ms each)")  # fmt: skip
    print(f"GET /overlaps' service call, {total} footprints in the consortium:")
    settlements = services.settlements
    carrier, shipper = accounts[0].address, accounts[1].address
    timed("the carrier", args.repeat, lambda: settlements.overlaps_of(carrier))
    timed("a shipper", args.repeat, lambda: settlements.overlaps_of(shipper))
    print("GET /overlaps/partners, GET /overlaps?partner= and GET /overlaps/{id}:")
    timed("the carrier, summed per partner", args.repeat,
          lambda: settlements.partners_of(carrier), "partners")  # fmt: skip
    timed("the carrier, with one shipper", args.repeat,
          lambda: settlements.overlaps_of(carrier, shipper))  # fmt: skip
    last = settlements.overlaps_of(carrier)[-1].overlap_id
    timed("the carrier, one overlap by id", args.repeat,
          lambda: [settlements.overlap(last, carrier)])  # fmt: skip
    looking = OverlapFinder(finder.claims, finder.index, finder.catch_up)
    for which in ("a process's first (every claim)", "a later one (the claims since)"):
        started = time.perf_counter()
        looking.read_new()
        seconds = time.perf_counter() - started
        print(f"  looking for footprints not read yet, {which}: {seconds * 1e3:,.1f} ms")


if __name__ == "__main__":
    main()
