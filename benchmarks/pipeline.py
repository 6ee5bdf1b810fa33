"""The chain side of the pipeline alone: the anchoring worker, then the indexer.

``scripts/bench.py --chain-path [--claims N] [--batch-size B] [--profile FILE]`` (the
profiles go to ``FILE`` with the suffixes ``.worker.prof`` and ``.indexer.prof``): the
services are built as ``carbonledger up`` builds them (SQLite, a fresh anvil on a free port),
``N`` claims signed beforehand are stored through :meth:`ClaimService.submit_many` (not
timed), then, timed apart, :meth:`AnchorWorker.run_once` runs until every claim is checked on
chain and :meth:`Indexer.catch_up` copies their events. Neither the worker's nor the
indexer's thread runs: each is called in this thread, so its CPU time is this process's CPU
time over its part (the figure to compare on a shared machine; wall time includes anvil's
work and the machine's load).
"""

from __future__ import annotations

import cProfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.e2e import fresh_services, signed_submissions
from carbonledger.gcpolicy import settle_heap
from carbonledger.services.errors import ServiceError
from carbonledger.store.claims import ACCEPTED, ANCHORED, CHECKED


@dataclass(frozen=True)
class Part:
    """One timed part: wall and CPU seconds of this process."""

    name: str
    claims: int
    wall: float
    cpu: float

    def line(self) -> str:
        n = max(self.claims, 1)
        return (
            f"  {self.name:<24} {self.claims:>6} claims  wall {self.wall:6.2f} s "
            f"({self.claims / self.wall if self.wall else 0:,.0f}/s)  "
            f"cpu {self.cpu:6.2f} s = {1000 * self.cpu / n:.3f} ms per claim"
        )


def _timed(name: str, claims: int, work: Callable[[], object], profile: Path | None) -> Part:
    """``work`` timed; with ``profile``, its cProfile written to ``profile``."""
    # CPU time, not wall time: waiting for the node is not this process's cost
    profiler = cProfile.Profile(time.process_time) if profile is not None else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    work()
    if profiler is not None:
        profiler.disable()
    part = Part(name, claims, time.perf_counter() - wall, time.process_time() - cpu)
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    return part


def chain_path(
    n: int = 1000,
    *,
    firms: int = 8,
    batch_size: int = 100,
    profile: Path | None = None,
) -> list[Part]:
    """See the module docstring. Returns the worker's and the indexer's parts."""
    with fresh_services(firms, anchor_batch_size=batch_size) as (services, accounts):
        for items in signed_submissions(services, accounts, n, "chain"):
            for k in range(0, len(items), 100):
                for r in services.claims.submit_many(items[k : k + 100], None):
                    if isinstance(r, ServiceError):
                        raise RuntimeError(f"a claim was refused: {r}")
        worker, store = services.worker, services.store
        # as the service's processes once started: without it the collector's full passes
        # fall where the previous part's garbage leaves them (one in the indexer's part or
        # not: twice its CPU), not where the work is
        settle_heap()

        def anchor() -> None:
            first = True
            while store.count_in_state(ACCEPTED) or store.count_in_state(ANCHORED):
                worker.run_once(full_reconcile=first)
                first = False

        def named(part: str) -> Path | None:
            return None if profile is None else profile.with_suffix(f".{part}.prof")

        parts = [_timed(f"worker ({batch_size} per tx)", n, anchor, named("worker"))]
        if store.count_in_state(CHECKED) != n:
            raise RuntimeError(f"{store.count_in_state(CHECKED)}/{n} checked")
        parts.append(_timed("indexer", n, services.indexer.catch_up, named("indexer")))
        return parts
