"""End-to-end benchmark: claims/s (single and batch), gas, verifier throughput, memory.

    uv run python scripts/bench.py [--claims N] [--firms F] [--mode single|batch ...]
                                   [--workers W] [--verify-workers V] [--no-eas]
                                   [--batch-size B] [--request-size R] [--no-settlements]
                                   [--profile FILE]
    uv run python scripts/bench.py --request-path [--claims N] [--profile FILE]
    uv run python scripts/bench.py --chain-path [--claims N] [--batch-size B] [--profile FILE]

Starts its own anvil on a free port (never 8545); see ``benchmarks/e2e.py`` for what is
measured and how. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks import e2e as bench
from benchmarks import pipeline


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000, help="claims per mode (1000)")
    parser.add_argument("--firms", type=int, default=8, help="firms submitting in parallel (8)")
    parser.add_argument(
        "--mode", action="append", choices=("single", "batch", "root"), help="all by default"
    )
    parser.add_argument("--batch-size", type=int, default=100, help="claims per transaction")
    parser.add_argument("--request-size", type=int, default=100, help="claims per batch POST")
    parser.add_argument("--concurrency", type=int, default=None, help="client threads (= firms)")
    parser.add_argument("--verify-repeat", type=int, default=1, help="(kept; one pass now)")
    parser.add_argument(
        "--workers", type=int, default=2,
        help="API processes of the multi-process service on PostgreSQL (2; 0: skip it)",
    )  # fmt: skip
    parser.add_argument("--verify-workers", type=int, default=2, help="verifier processes (2)")
    parser.add_argument("--no-eas", action="store_true", help="skip the EAS peer")
    parser.add_argument(
        "--block-time", type=float, default=None,
        help="seconds between the chain's blocks (interval mining, as a QBFT network mines); "
        "by default one block per transaction (automine)",
    )  # fmt: skip
    parser.add_argument("--no-settlements", action="store_true", help="skip the gas report")
    parser.add_argument(
        "--request-path",
        action="store_true",
        help="time ClaimService.submit_many alone (no HTTP, no worker, no indexer)",
    )
    parser.add_argument(
        "--chain-path",
        action="store_true",
        help="time the anchoring worker, then the indexer, over stored claims (no HTTP)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="cProfile output (with --request-path or --chain-path; else every thread of the "
        "in-process service per mode, to FILE.<mode>.prof)",
    )
    args = parser.parse_args(argv)
    # SIGTERM ends the run through its `finally`s: the chain and PostgreSQL stop with it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.request_path:
        n, seconds, cpu = bench.request_path(
            args.claims, firms=args.firms, request_size=args.request_size, profile=args.profile
        )
        print(
            f"request path (submit_many, {args.request_size} per call, one thread): {n} claims "
            f"in {seconds:.2f} s, {seconds / n * 1000:.2f} ms per claim, "
            f"{n / seconds:,.0f} claims/s; CPU {cpu / n * 1e6:,.0f} us per claim"
        )
        return
    if args.chain_path:
        parts = pipeline.chain_path(
            args.claims, firms=args.firms, batch_size=args.batch_size, profile=args.profile
        )
        print(
            "\n".join(["chain side (one thread, CPU of this process):"] + [p.line() for p in parts])
        )
        return
    result = bench.run(
        args.claims,
        firms=args.firms,
        modes=args.mode,
        batch_size=args.batch_size,
        request_size=args.request_size,
        concurrency=args.concurrency,
        verify_repeat=args.verify_repeat,
        with_settlements=not args.no_settlements,
        workers=args.workers,
        verify_workers=args.verify_workers,
        with_eas=not args.no_eas,
        profile=args.profile,
        block_time=args.block_time,
    )
    print(bench.render(result))


if __name__ == "__main__":
    main()
