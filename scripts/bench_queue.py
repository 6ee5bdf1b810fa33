"""Benchmark of the anchoring queue: its reads over a large backlog, and one firm's claim
behind another firm's upload, end to end.

    uv run python scripts/bench_queue.py [--waiting N ...] [--repeat R] [--sqlite]
                                         [--upload U] [--no-reads]

Each N: a fresh database (a throw-away PostgreSQL server; ``--sqlite``: SQLite) holding N
synthetic accepted claims, one firm's upload of 99 % of them and 99 other firms' 1 %, then R
timings of the worker's round read (1,000 claims in turns, and as it was read first come
first served), a single claim's one query (duplicate, nonce, backlog), a request of 100
claims stored (rolled back), a firm's backlog (the span of its places, and counted), the
status's count per firm; and how
many claims wait ahead of a new firm's first claim, in turns and first come first served.

``--upload U`` (0 skips it): on a fresh anvil, a firm's U claims are accepted with the
anchoring worker stopped, then one claim of another firm; the worker starts and the seconds
until that claim, then the whole upload, is checked on chain are printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.queue import after_a_loss, behind_an_upload, queue_reads, upgrade


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--waiting", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5, help="timings per read (5)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite, not PostgreSQL")
    parser.add_argument("--upload", type=int, default=10_000, help="claims of the upload")
    parser.add_argument("--no-reads", action="store_true", help="only the end-to-end part")
    parser.add_argument(
        "--upgrade",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="claims of a database an older version wrote (1 %% waiting)",
    )
    parser.add_argument(
        "--lost",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="claims the chain loses after they were checked: the worker's reconciliation",
    )
    args = parser.parse_args(argv)
    for lost in args.lost:
        loss = after_a_loss(lost)
        print(
            f"a chain that lost {loss.lost:,} checked claims: the worker's reconciliation put "
            f"{loss.put_back:,} back in the queue in {loss.seconds:.2f} s"
        )
    for rows in args.upgrade:
        name, u = upgrade(rows, rows // 100, args.sqlite)
        grown = f"; the table and its indexes {u.size_before / 2**20:,.0f} MB before, " \
            f"{u.size_after / 2**20:,.0f} MB after" if u.size_before else ""  # fmt: skip
        print(
            f"{name}, a database an older version wrote, {u.rows:,} claims ({u.waiting:,} "
            f"waiting): this version's first start gave the queue its places in "
            f"{u.seconds:.2f} s{grown}"
        )
    for waiting in [] if args.no_reads else sorted(args.waiting):
        others = 99  # 1 % of the claims between them
        each = max(1, waiting // 100 // others)
        name, r = queue_reads(waiting - others * each, others, each, args.repeat, args.sqlite)

        def ms(pair: tuple[float, float]) -> str:
            return f"{pair[0]:,.2f} (max {pair[1]:,.2f})"

        print(
            f"{name}, {r.waiting:,} claims waiting (one firm {r.waiting - others * each:,}, "
            f"{others} firms {each:,} each); median of {args.repeat}, ms:\n"
            f"  the worker's round (1,000 claims): in turns {ms(r.round_in_turns)}, "
            f"first come first served {ms(r.round_first_come)}\n"
            f"  a single claim's query (duplicate, nonce, backlog) {ms(r.submission_reads)}; "
            f"without the backlog {ms(r.submission_reads_before)}\n"
            f"  100 claims of a new firm stored (places included, rolled back) {ms(r.accept_100)}\n"
            f"  the big firm's backlog: span {ms(r.backlog_span)}, counted "
            f"{ms(r.backlog_counted)}\n"
            f"  GET /status's claims waiting per firm {ms(r.waiting_by_firm)}\n"
            f"  claims ahead of a new firm's first claim: {r.ahead_in_turns:,} in turns, "
            f"{r.ahead_first_come:,} first come first served"
        )
    if args.upload:
        name, b = behind_an_upload(args.upload, args.sqlite)
        print(
            f"{name}, batch mode, one anvil: a firm's {b.upload:,} claims accepted "
            f"({b.accept_seconds:.1f} s), then one claim of another firm; from the worker's "
            f"start, that claim checked on chain after {b.small_checked:.2f} s, the whole "
            f"upload after {b.upload_checked:.2f} s"
        )


if __name__ == "__main__":
    main()
