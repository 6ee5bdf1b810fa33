"""Benchmark of a firm filing many claims from its own machine with ``carbonledger claim
submit``: one claim a request (``POST /claims``, answered once the claim is on chain: what
the command did with several files before) against the bulk filing (``POST /claims/batch``,
100 a request, the claims followed to the chain afterwards).

    uv run python scripts/bench_filing.py [--claims N] [--block-time S] [--mode batch|single|root]
                                          [--ways one-a-request,bulk] [--checks N]

Starts its own anvil (a free port; with ``--block-time`` a block every S seconds, as a QBFT
network mines), deploys the contracts and serves the API over HTTP as ``carbonledger up``
does (SQLite, answering ``POST /claims`` within ``submit_wait``'s 20 s), anchoring in
``--mode``. Two firms are admitted; each files N footprints from a folder of files, in a
process of its own running the command's code (each file checked here, signed, sent). The
clock runs from the start of that process until every one of its claims is on chain
(checked; anchored under a root in root mode).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from benchmarks.e2e import ROOT, admit_firms, documents, embedded_chain, serve
from carbonledger.chain.artifacts import load_artifacts, sources_hash
from carbonledger.chain.deploy import deploy_contracts
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.store.claims import ANCHORED, CHECKED


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=500, help="footprints each way (500)")
    parser.add_argument("--block-time", type=float, default=None, help="seconds per block")
    parser.add_argument("--mode", default="batch", choices=("batch", "single", "root"))
    parser.add_argument(
        "--ways", default="one-a-request,bulk", help="one-a-request,bulk (both, in this order)"
    )
    parser.add_argument(
        "--checks",
        type=int,
        default=0,
        help="first, the web app's dry-run checks of this many documents: one a request "
        "(POST /claims/check, as the page did) against 100 a request (POST /claims/check/batch)",
    )
    parser.add_argument("--as-client", choices=("one-a-request", "bulk"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.as_client:
        _file(args.as_client, args.api, args.key, args.folder)
        return
    n, done = args.claims, ANCHORED if args.mode == "root" else CHECKED
    with tempfile.TemporaryDirectory(prefix="carbonledger-filing-") as tmp:
        workdir = Path(tmp)
        with embedded_chain(workdir, args.block_time) as node:
            w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))
            artifacts = load_artifacts(ROOT)
            deployment = deploy_contracts(
                w3, ANVIL_DEV_KEY_0, artifacts, sources_hash=sources_hash(ROOT)
            )
            firms = admit_firms(w3, deployment, artifacts, len(args.ways.split(",")))
            more = {"block_time": args.block_time} if args.block_time else {}
            ledger = serve(
                workdir, w3, deployment, artifacts, 100, args.mode, submit_wait=20, **more
            )
            blocks = f"a block every {args.block_time:g} s" if args.block_time else "automine"
            print(f"{n:,} footprints filed from a folder, {args.mode} anchoring, {blocks}:")
            try:
                if args.checks:
                    _checks(ledger.url, firms[0], args.checks)
                hows = args.ways.split(",")
                for k, (how, firm) in enumerate(zip(hows, firms, strict=True)):
                    folder = workdir / how
                    folder.mkdir()
                    for i, raw in enumerate(documents(firm.address, how, n)):
                        (folder / f"{i:06d}.json").write_bytes(raw)
                    start = time.perf_counter()
                    subprocess.run(
                        [sys.executable, __file__, "--as-client", how, "--api", ledger.url,
                         "--key", bytes(firm.key).hex(), "--folder", str(folder)],
                        check=True,
                    )  # fmt: skip
                    # one firm at a time: the claims done so far are this run's and those before
                    while ledger.services.store.count_in_state(done) < n * (k + 1):
                        time.sleep(0.1)
                    took = time.perf_counter() - start
                    print(
                        f"  {how:<14} {took:8.1f} s  {n / took:8.1f} claims/s  "
                        f"{1000 * took / n:7.1f} ms a claim"
                    )
            finally:
                ledger.stop()


def _checks(api: str, firm: LocalAccount, n: int) -> None:
    """``n`` documents checked by the service's dry run, both ways, as the web app sends them
    (the documents as text, the firm's bearer token); nothing is stored."""
    client = LedgerClient(api, firm, timeout=120)
    client.login()
    texts = [raw.decode() for raw in documents(firm.address, "checks", n)]
    print(f"  the dry-run checks of {n:,} documents before signing (the web app's first step):")
    start = time.perf_counter()
    for text in texts:
        assert client.request("POST", "/claims/check", json={"document": text})["passed"]
    one = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(0, n, 100):
        part = [{"document": t} for t in texts[k : k + 100]]
        assert client.request("POST", "/claims/check/batch", json={"claims": part})[
            "passed"
        ] == len(part)
    batched = time.perf_counter() - start
    for how, took in (("one a request", one), ("100 a request", batched)):
        print(f"    {how:<14} {took:8.2f} s  {1000 * took / n:7.2f} ms a document")


def _file(how: str, api: str, key: str, folder: Path) -> None:
    """The command's own code as the firm's process runs it."""
    from carbonledger.cli.claim import Bulk, _submit

    paths = sorted(folder.glob("*.json"))
    client = LedgerClient(api, Account.from_key(key), timeout=120)
    client.login()
    if how == "bulk":
        Bulk(client, paths, None).file(force=False, wait=3600)
    else:  # what `claim submit` did with several files: each its own request
        for path in paths:
            _submit(client, path.read_bytes(), None, False, str(path))


if __name__ == "__main__":
    main()
