"""Benchmark of the independent verifier: claims verified per second, in one process and a pool.

    uv run python scripts/bench_verify.py [--claims N] [--firms F] [--batch B]
                                          [--single-fraction S] [--workers W] [--repeat R]

Starts its own anvil on a free port (never 8545), deploys the contracts, admits F firms, a
relayer and a checker, publishes the default standard, files N small claim documents spread
over the firms (the carrier example, 5 lines, each with its own ``claim_id``), signed by each
firm and submitted by the relayer: the share S of each firm's claims one per transaction
(``submitClaim``), the rest in ``submitClaims`` batches of B; records the real checker's report
for each. Then it times firm mode (documents read from a directory, everything read from the
node): with one firm, its parts (documents, chain reads, checks); then every firm one after
another in this process, and in a warm pool of W processes (``verify.parallel``). Each line
gives claims/s and the CPU seconds spent, by this process, the pool's processes and anvil: on
a shared machine the CPU per claim is the steadier figure. (This process reads every firm's
event logs for the pool, so its CPU is counted in the pool's line too.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import coincurve
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from web3 import Web3

from carbonledger.chain import typed_data as td
from carbonledger.chain.artifacts import load_artifacts, sources_hash
from carbonledger.chain.deploy import deploy_contracts
from carbonledger.chain.manifest import write_manifest
from carbonledger.config import ANVIL_DEV_KEY_0, DEFAULT_PROJECT_ROOT
from carbonledger.gcpolicy import settle_heap
from carbonledger.standard import check, load_default_standard, parse_claim
from carbonledger.verify import RpcChainPort, resolve_addresses, verify_firm
from carbonledger.verify import abi as vabi
from carbonledger.verify.chain import ChainReader
from carbonledger.verify.core import verify
from carbonledger.verify.documents import load_directory
from carbonledger.verify.parallel import FirmJob, verify_firms
from carbonledger.verify.parallel import pool as verify_pool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests/, benchmarks/
from benchmarks.e2e import embedded_chain
from tests.support.devchain import CHECKER, FIRM, RELAYER, DevLedger, new_actor

ROOT = DEFAULT_PROJECT_ROOT
TEMPLATE = ROOT / "backend/carbonledger/standard/examples/carrier_footprint.json"


def fast_sign(domain_sep: bytes, claim: td.Claim, key: bytes) -> bytes:
    """The same EIP-712 signature as typed_data.sign_typed_data, computed directly (fast)."""
    struct = keccak(vabi.CLAIM_TYPEHASH + encode([vabi.CLAIM_TUPLE], [claim.as_tuple()]))
    sig = coincurve.PrivateKey(key).sign_recoverable(
        vabi.typed_digest(domain_sep, struct), hasher=None
    )
    return sig[:64] + bytes([sig[64] + 27])


@dataclass(frozen=True)
class History:
    manifest: Path
    directories: dict[str, Path]  # firm (lower-case address) -> its documents


def build_history(
    rpc: str, workdir: Path, n: int, batch: int, firms: int = 1, single_fraction: float = 0.0
) -> History:
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 120}))
    deployment = deploy_contracts(
        w3, ANVIL_DEV_KEY_0, load_artifacts(ROOT), sources_hash=sources_hash(ROOT)
    )
    manifest = workdir / "deployment.json"
    write_manifest(manifest, deployment)
    dev = DevLedger(w3, deployment, ANVIL_DEV_KEY_0)
    relayer, checker = (new_actor(x, seed="bench") for x in ("relayer", "checker"))
    actors = [new_actor("firm" if i == 0 else f"firm{i}", seed="bench") for i in range(firms)]
    for actor, roles in [(relayer, RELAYER), (checker, CHECKER)] + [(a, FIRM) for a in actors]:
        dev.admit(actor, roles)
    standard = load_default_standard()
    version = dev.standard_version(standard)
    domain_sep = vabi.domain_separator(dev.chain_id, dev.ledger, td.CLAIM_LEDGER_NAME, "1")
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    directories: dict[str, Path] = {}
    started = time.perf_counter()
    filed = 0
    for f, firm in enumerate(actors):
        count = n // firms + (1 if f < n % firms else 0)
        template["firm"]["address"] = firm.address.lower()
        docs_dir = workdir / "documents" / firm.address.lower()
        docs_dir.mkdir(parents=True)
        directories[firm.address.lower()] = docs_dir
        nonce = dev.nonce(firm.address)
        items = []
        for i in range(count):
            template["claim_id"] = f"bench-{f}-{i:07d}"
            raw = json.dumps(template, ensure_ascii=False).encode()
            (docs_dir / f"claim-{i:07d}.json").write_bytes(raw)
            document = parse_claim(raw)
            claim = dev.build(document, standard, version, nonce + i)
            sig = fast_sign(domain_sep, claim, bytes(firm.signing_key.key))
            if i == 0:  # the signing path must be the firm's: the fast one = eth-account's
                assert sig == dev.sign(claim, firm.signing_key), "fast signing differs"
            report = check(document, standard)
            items.append((claim, sig, (claim.claim_id, report.passed, report.report_hash)))
        singles = round(count * single_fraction)
        groups = [items[i : i + 1] for i in range(singles)]
        groups += [items[i : i + batch] for i in range(singles, count, batch)]
        for group in groups:
            dev.submit(relayer, [c for c, _, _ in group], [sig for _, sig, _ in group])
            filed += len(group)
            print(f"  filed {filed}/{n}", file=sys.stderr, end="\r")
        for i in range(0, count, batch):
            dev.record_checks(checker, [r for _, _, r in items[i : i + batch]])
    print(f"  filed {n} claims in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return History(manifest, directories)


def _cpu(pids: Sequence[int]) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far."""
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def parts_of_one_firm(rpc: str, history: History, repeat: int, n: int) -> None:
    (firm, docs_dir), *_ = history.directories.items()
    runs = []
    for _ in range(repeat):
        port = RpcChainPort(rpc)
        t0 = time.perf_counter()
        addresses = resolve_addresses(port, manifest=history.manifest)
        docs = load_directory(docs_dir)
        t1 = time.perf_counter()
        view = ChainReader(port, addresses).firm(firm)
        t2 = time.perf_counter()
        report = verify(view, docs, load_default_standard(), mode="firm", firm=firm, where="bench")
        t3 = time.perf_counter()
        port.close()
        assert report.ok and report.claims == n, report.summary()
        runs.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
    best = min(runs)
    total, load, chain, core = best
    print(f"one firm, in parts: {n} claims ({len(report.findings)} checks, all hold)")
    print(
        f"  claims/s: {n / total:,.0f} (best of {repeat}; median "
        f"{n / statistics.median(r[0] for r in runs):,.0f})"
    )
    print(
        f"  documents (read, parse, hash): {load * 1e3:.0f} ms = {n / load:,.0f}/s; "
        f"chain reads: {chain * 1e3:.0f} ms = {n / chain:,.0f}/s; "
        f"checks incl. standard re-run: {core * 1e3:.0f} ms = {n / core:,.0f}/s"
    )


def one_process_and_pool(rpc: str, history: History, repeat: int, workers: int, anvil: int) -> None:
    port = RpcChainPort(rpc)
    addresses = resolve_addresses(port, manifest=history.manifest)
    port.close()
    jobs = [FirmJob(firm, directory) for firm, directory in history.directories.items()]

    def line(label: str, claims: int, seconds: float, cpu: str) -> None:
        print(f"{label}: {claims} claims in {seconds:.2f} s = {claims / seconds:,.0f} claims/s; "
              f"CPU {cpu}; load {os.getloadavg()[0]:.2f}")  # fmt: skip

    settle_heap()  # as `carbonledger verify` does before it reads the chain
    for _ in range(repeat):
        port = RpcChainPort(rpc)
        mine, node = _cpu([os.getpid()]), _cpu([anvil])
        started = time.perf_counter()
        claims = 0
        for job in jobs:
            report = verify_firm(port, addresses, job.firm, job.directory)
            assert report.ok, report.summary()
            claims += report.claims
        seconds = time.perf_counter() - started
        port.close()
        mine, node = _cpu([os.getpid()]) - mine, _cpu([anvil]) - node
        per = (mine + node) / claims * 1e3
        line("one process", claims, seconds,
             f"{mine:.2f} s here + {node:.2f} s anvil = {per:.2f} ms/claim")  # fmt: skip
    with verify_pool(workers) as executor:
        pids = [p.pid for p in getattr(executor, "_processes", {}).values()]
        for _ in range(repeat):
            # this process reads every firm's logs for the pool: its CPU counts too
            pool, here, node = _cpu(pids), _cpu([os.getpid()]), _cpu([anvil])
            started = time.perf_counter()
            outcomes = verify_firms(rpc, addresses, jobs, executor=executor)
            seconds = time.perf_counter() - started
            assert all(o.report.ok for o in outcomes)
            pool, here = _cpu(pids) - pool, _cpu([os.getpid()]) - here
            node = _cpu([anvil]) - node
            claims = sum(o.report.claims for o in outcomes)
            per = (pool + here + node) / claims * 1e3
            cpu = f"{pool:.2f} s pool + {here:.2f} s here + {node:.2f} s anvil"
            line(f"pool of {workers}", claims, seconds, f"{cpu} = {per:.2f} ms/claim")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--firms", type=int, default=1)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--single-fraction", type=float, default=0.0,
                        help="share of each firm's claims sent one per transaction")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="processes of the pool (2)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        workdir = Path(tmp)
        with embedded_chain(workdir) as node:
            print(f"anvil at {node.url}; filing {args.claims} claims", file=sys.stderr)
            history = build_history(node.url, workdir, args.claims, args.batch, args.firms,
                                    args.single_fraction)  # fmt: skip
            if args.firms == 1:
                parts_of_one_firm(node.url, history, args.repeat, args.claims)
            assert node.process is not None
            one_process_and_pool(node.url, history, args.repeat, args.workers, node.process.pid)


if __name__ == "__main__":
    main()
