"""The independent verifier on several cores.

:func:`verify_firms` runs :func:`~carbonledger.verify.run_firm` for many firms in a pool of
processes (``workers``, by default one per core). A firm is one task, unless it holds more
than its share of the documents (1/workers of them; one firm alone always): then it is split
into parts (:func:`plan`), part k of n judging the k-th of n contiguous ranges of the
firm's claims in chain order (:meth:`~carbonledger.verify.chain.ChainReader.firm`), so one
firm's history uses every core too. The firms' event logs are read here, for all of them in
three walks of the block range (:meth:`~carbonledger.verify.chain.ChainReader.firms_logs`;
a task would walk it three times per firm, and the walk is most of a query's cost on the
node), and each task gets its firm's; each task opens its own RPC connection and reads the
rest for itself. Every part of a verification reads the chain up to the same block (read
once here), and the findings of the parts, concatenated in order, are exactly the
one-process report of that firm (same checks, same findings, same order). What a part
repeats: reading and hashing the whole documents directory and decoding the firm's event
logs (a claim's amendments and baselines can be in any part); what it does not: the
transactions, blocks, ``claimOf`` reads, signatures and standard re-runs of the other parts'
claims.

The pool's processes are started with ``forkserver`` (a clean interpreter, no inherited
threads or sockets) and warmed before :func:`pool` returns (the verifier and the standard
imported, every process up): pass that pool to reuse it across calls.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from carbonledger.verify.chain import Addresses, ChainReader, FirmLogs
from carbonledger.verify.core import Report


@dataclass(frozen=True)
class FirmJob:
    """One firm's history to verify against the documents in ``directory``."""

    firm: str
    directory: Path


@dataclass(frozen=True)
class FirmOutcome:
    firm: str
    report: Report
    #: the peak resident memory of the (largest) process that verified it, in MB (ru_maxrss)
    peak_rss_mb: float
    pid: int  # the process of its first part
    #: every process that verified a part of it: pid -> its peak resident memory, in MB
    processes: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _PartOutcome:
    report: Report
    peak_rss_mb: float
    pid: int


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pool(workers: int | None = None, *, warm: bool = True) -> ProcessPoolExecutor:
    """A pool of verifier processes (``forkserver``; one per core by default); with ``warm``,
    every process is started and has imported the verifier when this returns."""
    size = workers or default_workers()
    context = multiprocessing.get_context("forkserver")
    executor = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_warm)
    if warm:
        _start_all(executor, size)
    return executor


def _warm() -> None:
    """Import the verifier and the standard in each process before its first task, then
    settle its heap (:func:`~carbonledger.gcpolicy.settle_heap`): the pool's processes are
    the verifier's own, so the decision is the verifier's."""
    import carbonledger.verify  # noqa: F401
    from carbonledger.gcpolicy import settle_heap
    from carbonledger.standard import load_default_standard

    load_default_standard()
    settle_heap()


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _start_all(executor: Executor, size: int, rounds: int = 50) -> None:
    """Until every one of the ``size`` processes has answered (each after its warm-up): tasks
    that hold their process a moment, so that a round reaches every process that is up."""
    seen: set[int] = set()
    for _ in range(rounds):
        seen.update(executor.map(_pid_after, [0.05] * size))
        if len(seen) >= size:
            return


def _verify_part(
    rpc_url: str,
    addresses: Addresses,
    job: FirmJob,
    shard: tuple[int, int],
    to_block: int,
    logs: FirmLogs,
) -> _PartOutcome:
    from carbonledger.verify import RpcChainPort, run_firm

    port = RpcChainPort(rpc_url)
    try:
        report = run_firm(
            port, addresses, job.firm, job.directory, shard=shard, to_block=to_block, logs=logs
        ).report
    finally:
        port.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _PartOutcome(report, peak, os.getpid())


def _size(job: FirmJob) -> int:
    """How much there is to verify, roughly: the documents in the job's directory."""
    try:
        return sum(1 for _ in job.directory.glob("*.json"))
    except OSError:
        return 0


def plan(sizes: Sequence[int], workers: int) -> list[int]:
    """Parts per job of ``sizes`` documents: a job more than 1/workers of the whole is split
    into ceil(its share * workers) parts (at most one per process), the others stay whole;
    one job alone is split over every process."""
    total = sum(sizes)
    if total <= 0:
        return [1] * len(sizes)
    return [min(workers, max(1, math.ceil(size * workers / total))) for size in sizes]


def verify_firms(
    rpc_url: str,
    addresses: Addresses,
    jobs: Sequence[FirmJob],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
) -> list[FirmOutcome]:
    """Verify each job's firm in the processes of the pool (``executor``, or a new one of
    ``workers`` processes); outcomes in the order of ``jobs``."""
    if executor is None:
        with pool(workers) as own:
            return verify_firms(rpc_url, addresses, jobs, workers=workers, executor=own)
    from carbonledger.verify.rpc import RpcChainPort

    port = RpcChainPort(rpc_url)
    try:
        to_block = port.latest_block()  # every part reads the same history
        # every firm's logs in three walks of the block range, not three per task
        logs = ChainReader(port, addresses).firms_logs([job.firm for job in jobs], to_block)
    finally:
        port.close()
    size = workers or getattr(executor, "_max_workers", None) or default_workers()
    sizes = [_size(job) for job in jobs]
    parts = plan(sizes, size)
    tasks = [(i, k) for i, n in enumerate(parts) for k in range(n)]
    # the largest tasks first: the last ones to finish are then small
    tasks.sort(key=lambda t: -sizes[t[0]] / parts[t[0]])
    futures = {
        (i, k): executor.submit(
            _verify_part,
            rpc_url,
            addresses,
            jobs[i],
            (k, parts[i]),
            to_block,
            logs[jobs[i].firm.lower()],
        )
        for i, k in tasks
    }
    outcomes = []
    for i, job in enumerate(jobs):
        done = [futures[(i, k)].result() for k in range(parts[i])]
        report = Report(
            tuple(f for d in done for f in d.report.findings), sum(d.report.claims for d in done)
        )
        processes: dict[int, float] = {}
        for d in done:
            processes[d.pid] = max(processes.get(d.pid, 0.0), d.peak_rss_mb)
        outcomes.append(
            FirmOutcome(job.firm, report, max(processes.values()), done[0].pid, processes)
        )
    return outcomes
