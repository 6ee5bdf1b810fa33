"""Benchmark of the independent verifier: claims verified per second.

    uv run python scripts/bench_verify.py [--claims N] [--batch B] [--repeat R]

Starts its own anvil on a free port (never 8545), deploys the contracts, admits a firm, a
relayer and a checker, publishes the default standard, files N small claim documents (the
carrier example, 5 lines, each with its own ``claim_id``) signed by the firm and submitted by the
relayer in ``submitClaims`` batches of B, records the real checker's report for each, then times
``carbonledger verify --firm`` (documents read from a directory, everything read from the
node) and prints claims/s for the whole run and for its parts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import coincurve
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from web3 import Web3

from carbonledger.chain import typed_data as td
from carbonledger.chain.artifacts import load_artifacts, sources_hash
from carbonledger.chain.deploy import deploy_contracts
from carbonledger.chain.manifest import write_manifest
from carbonledger.chain.node import AnvilNode, find_anvil, free_port
from carbonledger.config import ANVIL_DEV_KEY_0, ANVIL_DEV_MNEMONIC, DEFAULT_PROJECT_ROOT
from carbonledger.standard import check, load_default_standard, parse_claim
from carbonledger.verify import RpcChainPort, resolve_addresses
from carbonledger.verify import abi as vabi
from carbonledger.verify.chain import ChainReader
from carbonledger.verify.core import verify
from carbonledger.verify.documents import load_directory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests/support/
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


def build_history(rpc: str, workdir: Path, n: int, batch: int) -> tuple[Path, Path, str]:
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 120}))
    deployment = deploy_contracts(
        w3, ANVIL_DEV_KEY_0, load_artifacts(ROOT), sources_hash=sources_hash(ROOT)
    )
    manifest = workdir / "deployment.json"
    write_manifest(manifest, deployment)
    dev = DevLedger(w3, deployment, ANVIL_DEV_KEY_0)
    firm, relayer, checker = (new_actor(x, seed="bench") for x in ("firm", "relayer", "checker"))
    for actor, roles in ((firm, FIRM), (relayer, RELAYER), (checker, CHECKER)):
        dev.admit(actor, roles)
    standard = load_default_standard()
    version = dev.standard_version(standard)
    domain_sep = vabi.domain_separator(dev.chain_id, dev.ledger, td.CLAIM_LEDGER_NAME, "1")
    # the signing path must be the firm's: check the fast one against eth-account once
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    template["firm"]["address"] = firm.address.lower()
    docs_dir = workdir / "documents"
    docs_dir.mkdir()
    nonce = dev.nonce(firm.address)
    started = time.perf_counter()
    for start in range(0, n, batch):
        claims, sigs, results = [], [], []
        for i in range(start, min(n, start + batch)):
            template["claim_id"] = f"bench-{i:07d}"
            raw = json.dumps(template, ensure_ascii=False).encode()
            (docs_dir / f"claim-{i:07d}.json").write_bytes(raw)
            document = parse_claim(raw)
            claim = dev.build(document, standard, version, nonce + i)
            sig = fast_sign(domain_sep, claim, bytes(firm.signing_key.key))
            if i == 0:
                assert sig == dev.sign(claim, firm.signing_key), "fast signing differs"
            claims.append(claim)
            sigs.append(sig)
            report = check(document, standard)
            results.append((claim.claim_id, report.passed, report.report_hash))
        dev.submit(relayer, claims, sigs)
        dev.record_checks(checker, results)
        print(f"  filed {min(n, start + batch)}/{n}", file=sys.stderr, end="\r")
    print(f"  filed {n} claims in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return manifest, docs_dir, firm.address.lower()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        workdir = Path(tmp)
        node = AnvilNode(
            binary=find_anvil(None, ROOT),
            host="127.0.0.1",
            port=free_port(),
            chain_id=31337,
            state_path=workdir / "chain" / "state.json",
            state_interval=3600,
            block_time=None,
            mnemonic=ANVIL_DEV_MNEMONIC,
            log_path=workdir / "anvil.log",
        )
        node.start()
        try:
            print(f"anvil at {node.url}; filing {args.claims} claims", file=sys.stderr)
            manifest, docs_dir, firm = build_history(node.url, workdir, args.claims, args.batch)
            runs = []
            for _ in range(args.repeat):
                port = RpcChainPort(node.url)
                t0 = time.perf_counter()
                addresses = resolve_addresses(port, manifest=manifest)
                docs = load_directory(docs_dir)
                t1 = time.perf_counter()
                view = ChainReader(port, addresses).firm(firm)
                t2 = time.perf_counter()
                report = verify(
                    view, docs, load_default_standard(), mode="firm", firm=firm, where="bench"
                )
                t3 = time.perf_counter()
                port.close()
                assert report.ok and report.claims == args.claims, report.summary()
                runs.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2))
            best = min(runs)
            n = args.claims
            total, load, chain, core = best
            print(f"claims verified: {n} ({len(report.findings)} checks, all hold)")
            print(
                f"claims/s: {n / total:,.0f} (best of {args.repeat}; median "
                f"{n / statistics.median(r[0] for r in runs):,.0f})"
            )
            print(
                f"  documents (read, parse, hash): {load * 1e3:.0f} ms = {n / load:,.0f}/s; "
                f"chain reads: {chain * 1e3:.0f} ms = {n / chain:,.0f}/s; "
                f"checks incl. standard re-run: {core * 1e3:.0f} ms = {n / core:,.0f}/s"
            )
        finally:
            node.stop()


if __name__ == "__main__":
    main()
