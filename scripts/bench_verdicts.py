"""Benchmark of an auditor recording verdicts: one request per verdict (``POST /audits``'s
service call, which waits for its block) against a page of them in one request
(``POST /audits/batch``: each its own transaction, sent in one JSON-RPC batch).

    uv run python scripts/bench_verdicts.py [--verdicts N] [--block-time S] [--root]

Starts its own anvil (a free port; with ``--block-time`` it mines a block every S seconds, as
a QBFT network does, else one block per transaction), deploys the contracts and builds the
service as ``carbonledger up`` does (SQLite). One firm files 2N footprints, checked on chain;
another member, an auditor, signs an approved verdict on each: N recorded one at a time, then
N in batches of up to 200. Prints the time per verdict both ways and the blocks they took.
With ``--root`` the claims are anchored under batch roots: each verdict's claim is admitted
into the ClaimLedger with its proof, and its check recorded, before its verdict.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.e2e import fresh_services, signed_submissions
from carbonledger.chain.typed_data import sign_typed_data
from carbonledger.services.audits import MAX_VERDICTS
from carbonledger.store.claims import ANCHORED, CHECKED
from carbonledger.vocab import Audit, AuditVerdict


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=100, help="verdicts each way (100)")
    parser.add_argument("--block-time", type=float, default=None, help="seconds per block")
    parser.add_argument(
        "--root", action="store_true", help="claims under batch roots (each admitted first)"
    )
    args = parser.parse_args(argv)
    n = args.verdicts
    settings: dict[str, object] = {"block_time": args.block_time} if args.block_time else {}
    if args.root:
        settings["anchor_mode"] = "root"
    done = ANCHORED if args.root else CHECKED  # a root claim has no check until admitted
    with fresh_services(2, ("firm", "auditor"), **settings) as (services, accounts):
        firm, auditor = accounts
        (items,) = signed_submissions(services, [firm], 2 * n, "verdicts")
        for k in range(0, len(items), 100):
            services.claims.submit_many(items[k : k + 100], None)
        services.start()
        while services.store.count_in_state(done) < 2 * n:
            time.sleep(0.2)
        services.stop()
        ids = [bytes.fromhex(row.claim_id[2:]) for row in services.store.in_state(done, 2 * n)]
        domain, report = services.ledger.domain(), b"\x01" * 32
        deadline = int(time.time()) + 86_400

        def signed(claim_id: bytes, nonce: int) -> tuple[Audit, bytes]:
            audit = Audit(claim_id, auditor.address, AuditVerdict.APPROVED, report, nonce, deadline)
            return audit, sign_typed_data(bytes(auditor.key), audit.typed_data(domain))

        blocks = "per transaction" if args.block_time is None else f"every {args.block_time:g} s"
        kind = "root-anchored claims, each admitted first" if args.root else "claims"
        print(f"{n} verdicts each way on {kind}, a block {blocks}:")
        started, nonce, landed = time.perf_counter(), services.ledger.nonce(auditor.address), []
        for k, claim_id in enumerate(ids[:n]):
            landed.append(services.audits.record(*signed(claim_id, nonce + k)).block_number)
        one = time.perf_counter() - started
        print(f"  one request per verdict: {one:,.2f} s, {one / n * 1000:,.1f} ms a verdict, "
              f"{len(set(landed))} blocks")  # fmt: skip
        started, nonce, landed = time.perf_counter(), services.ledger.nonce(auditor.address), []
        for k in range(0, n, MAX_VERDICTS):
            page = ids[n + k : n + k + MAX_VERDICTS]
            out = services.audits.record_many(
                auditor.address, [signed(c, nonce + k + i) for i, c in enumerate(page)]
            )
            landed += [at.block_number for at in out.landed if at is not None]
        many = time.perf_counter() - started
        print(f"  {MAX_VERDICTS} a request: {many:,.2f} s (signing included), "
              f"{many / n * 1000:,.1f} ms a verdict, {len(set(landed))} blocks; "
              f"{len(landed)} of {n} recorded")  # fmt: skip


if __name__ == "__main__":
    main()
