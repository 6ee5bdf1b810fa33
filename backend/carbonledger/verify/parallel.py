"""The independent verifier on several cores: one firm per process.

:func:`verify_firms` runs :func:`~carbonledger.verify.verify_firm` for many firms in a pool of
processes (``workers``, by default one per core). Each process opens its own RPC connection
and reads its firm's history itself, so a firm's verification is exactly the one-process
verification of that firm (same reads, same findings): the parallelism is between firms, none
inside one firm's history, where baselines, supersessions and citations tie claims together.
One firm's history alone therefore runs on one core.

The pool's processes are started with ``forkserver`` (a clean interpreter, no inherited
threads or sockets); importing the verifier costs each of them about a second, paid once per
pool: pass a pool from :func:`pool` to reuse it across calls.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from carbonledger.verify.chain import Addresses
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
    #: the peak resident memory of the process that verified it, in MB (ru_maxrss)
    peak_rss_mb: float
    pid: int


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A pool of verifier processes (``forkserver``; one per core by default)."""
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(max_workers=workers or default_workers(), mp_context=context,
                               initializer=_warm)  # fmt: skip


def _warm() -> None:
    """Import the verifier and the standard in each process before its first firm."""
    from carbonledger.standard import load_default_standard

    load_default_standard()


def _verify_one(rpc_url: str, addresses: Addresses, job: FirmJob) -> FirmOutcome:
    from carbonledger.verify import RpcChainPort, verify_firm

    port = RpcChainPort(rpc_url)
    try:
        report = verify_firm(port, addresses, job.firm, job.directory)
    finally:
        port.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return FirmOutcome(job.firm, report, peak, os.getpid())


def verify_firms(
    rpc_url: str,
    addresses: Addresses,
    jobs: Sequence[FirmJob],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
) -> list[FirmOutcome]:
    """Verify each job's firm in a process of the pool (``executor``, or a new one of
    ``workers`` processes); outcomes in the order of ``jobs``."""
    if executor is not None:
        futures = [executor.submit(_verify_one, rpc_url, addresses, job) for job in jobs]
        return [f.result() for f in futures]
    with pool(workers) as own:
        return verify_firms(rpc_url, addresses, jobs, executor=own)
