"""Idle CPU of a running ledger: ``carbonledger up``, N claims, then nothing; print the figures.

    ./run test -q /dev/null  # (sets up the environment once)
    .venv/bin/python scripts/bench_idle.py --claims 300 --seconds 30

Starts ``carbonledger up`` on free ports in a temporary data directory (dev mode), admits a
firm, submits ``--claims`` claims one by one (one block each, so the chain grows as in the
security review), waits until all are checked on chain, lets the service settle, then
measures the CPU time the service process and its anvil use over ``--seconds`` of idling,
as a percentage of one core.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from eth_account import Account
from eth_utils.crypto import keccak
from web3 import Web3

from carbonledger.chain.admin import propose_admission
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.chain.node import free_port
from carbonledger.chain.sender import TxSender
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0, DEFAULT_PROJECT_ROOT

ROOT = DEFAULT_PROJECT_ROOT
EXAMPLE = ROOT / "backend/carbonledger/standard/examples/carrier_footprint.json"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="carbonledger-idle-"))
    data_dir = work / "data"
    api_port, chain_port = free_port(), free_port()
    cli = str(Path(sys.executable).with_name("carbonledger"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBONLEDGER_")}
    log = (work / "up.log").open("w")
    process = subprocess.Popen(
        [cli, "up", "--data-dir", str(data_dir), "--api-port", str(api_port),
         "--chain-port", str(chain_port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 900  # a first start compiles the contracts (minutes)
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                print((work / "up.log").read_text())
                return 1
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        run = json.loads((data_dir / "carbonledger.pid").read_text())
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{chain_port}"))
        manifest = json.loads((data_dir / "deployment.json").read_text())
        registry = w3.eth.contract(
            address=manifest["contracts"]["MemberRegistry"]["address"],
            abi=load_artifacts(ROOT)["MemberRegistry"].abi,
        )
        firm = Account.create()
        propose_admission(
            TxSender(w3, ANVIL_DEV_KEY_0), registry, account=firm.address, name="Idle Freight",
            identifier_hash=keccak(text=f"idle:{firm.address}"), roles=("firm",),
        )  # fmt: skip
        client = LedgerClient(url, firm)
        client.login()
        client.register_vault_key()
        template = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        started = time.perf_counter()
        for _ in range(args.claims):
            document = copy.deepcopy(template)
            document["firm"]["address"] = firm.address
            document["claim_id"] = f"idle-{uuid.uuid4()}"
            client.submit_claim(json.dumps(document).encode("utf-8"))
        print(
            f"submitted {args.claims} claims in {time.perf_counter() - started:.1f} s; "
            f"chain at block {w3.eth.block_number}"
        )
        time.sleep(5)  # let the worker and the indexer finish
        pids = {"service": int(run["pid"]), "anvil": int(run["chain_pid"])}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        time.sleep(args.seconds)
        for name, pid in pids.items():
            used = cpu_seconds(pid) - before[name]
            print(
                f"idle {name}: {used:.2f} s CPU in {args.seconds:.0f} s = "
                f"{100 * used / args.seconds:.2f} % of a core"
            )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
