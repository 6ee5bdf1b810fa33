"""Benchmark of the auditor's report of a firm's whole history (POST /audits/report's service
call) at scale.

    uv run python scripts/bench_audit_report.py [--claims N] [--formats html,pdf,verify] [--root]
                                                [--sample K]

Starts its own anvil (a free port, never 8545), deploys the contracts and builds the service
as ``carbonledger up`` does (SQLite). One firm files N footprints, all anchored and checked on
chain. Then, per format, it times the report of the firm's history (the independent verifier's
run over the chain and the vault's documents, then the page, then WeasyPrint for PDF) and
prints its size, pages (PDF) and how far the process's resident memory rose above what it held
before (its peak, VmHWM, reset before each format). ``verify`` times the verification the
auditor's page asks for (``POST /audits/verify``: the findings and a verdict to sign per claim).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import sys
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from pypdf import PdfReader

from benchmarks.e2e import fresh_services, signed_submissions
from benchmarks.memory import own_mb, reset_peak
from carbonledger.reports.audit import ReportFormat
from carbonledger.services.container import Services
from carbonledger.store.claims import ANCHORED, CHECKED

AUDITOR = "0x" + "ab" * 20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000, help="footprints (1000)")
    parser.add_argument("--formats", default="html,pdf")
    parser.add_argument("--root", action="store_true", help="claims anchored under batch roots")
    parser.add_argument("--sample", type=int, default=None, help="verify a sample of N claims")
    args = parser.parse_args(argv)
    settings = {"anchor_mode": "root"} if args.root else {}
    with fresh_services(1, **settings) as (services, accounts):
        (items,) = signed_submissions(services, accounts, args.claims, "audit")
        for k in range(0, len(items), 100):
            services.claims.submit_many(items[k : k + 100], None)
        services.start()
        done = ANCHORED if args.root else CHECKED  # a root claim has no check until admitted
        while services.store.count_in_state(done) < args.claims:
            time.sleep(0.2)
        services.stop()
        firm = accounts[0].address
        how = "under batch roots" if args.root else "one transaction per batch"
        print(f"the report of a firm's history of {args.claims:,} footprints ({how}):")
        for fmt in args.formats.split(","):
            if fmt == "verify":
                _verify(services, firm, args.sample)
                continue
            reset_peak()
            before = own_mb("VmRSS")
            cpu, started = time.process_time(), time.perf_counter()
            report = services.reports.audit_report(
                AUDITOR, None, firm, cast(ReportFormat, fmt), args.sample, "bench"
            )
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            rise = own_mb("VmHWM") - before
            pages = (
                f", {len(PdfReader(io.BytesIO(report.content)).pages)} pages"
                if fmt == "pdf"
                else ""
            )
            print(f"  {fmt}: {len(report.content) / 1e6:,.2f} MB{pages} in {seconds:,.1f} s "
                  f"(CPU {cpu:,.1f} s); memory rose {rise:,.0f} MB at its peak")  # fmt: skip


def _verify(services: Services, firm: str, sample: int | None) -> None:
    """``POST /audits/verify`` of the firm's history (or a sample of it): the service call,
    and its answer's size as JSON."""
    reset_peak()
    before = own_mb("VmRSS")
    cpu, started = time.process_time(), time.perf_counter()
    answer = services.audits.verify(AUDITOR, firm=firm, sample=sample, seed="bench")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rise = own_mb("VmHWM") - before
    size = len(json.dumps(dataclasses.asdict(answer)))
    print(
        f"  verify: {len(answer.claims):,} claims, the answer {size / 1e6:,.2f} MB of JSON, in "
        f"{seconds:,.1f} s (CPU {cpu:,.1f} s); memory rose {rise:,.0f} MB at its peak"
    )


if __name__ == "__main__":
    main()
