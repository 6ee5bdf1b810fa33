#!/usr/bin/env python3
"""anvil's CPU per block as its state grows: what one block per transaction costs the node.

Starts the embedded node (``AnvilNode``, as ``carbonledger chain`` does; by default with an
hour between state snapshots, so that no periodic dump is timed: ``--state-interval 1`` is
``carbonledger up``'s default), then ``--rounds`` times: adds ``--step``
new accounts (value transfers to fresh addresses, mined together in one block), then sends
``--txs`` transfers between two old accounts one block each (automine) and prints anvil's CPU
time (``/proc/<pid>/stat``) and the wall time per block.

Usage:  .venv/bin/python scripts/bench_anvil_state.py [--rounds 6] [--step 5000] [--txs 300]
                                                     [--state-interval 3600]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.anvil_state import scratch_node
from carbonledger.chain.node import AnvilNode


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--step", type=int, default=5000, help="new accounts per round")
    parser.add_argument("--txs", type=int, default=300, help="timed one-block transactions")
    parser.add_argument(
        "--state-interval", type=int, default=3600, help="seconds between anvil's snapshots"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carbonledger-anvil-state-") as tmp:
        node = scratch_node(Path(tmp), args.state_interval)
        node.start()
        try:
            run(node, args.rounds, args.step, args.txs)
        finally:
            node.stop()


def run(node: AnvilNode, rounds: int, step: int, txs: int) -> None:
    assert node.process is not None
    pid = node.process.pid
    with httpx.Client(base_url=node.url, timeout=300) as http:

        def call(method: str, *params: object) -> object:
            return http.post("", json={"jsonrpc": "2.0", "id": 1, "method": method,
                                       "params": list(params)}).json()["result"]  # fmt: skip

        accounts = call("eth_accounts")
        assert isinstance(accounts, list)
        print(f"anvil at {node.url}; {txs} one-block transfers timed per round; "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        added = 0
        for _ in range(rounds):
            call("evm_setAutomine", False)
            sends = [
                {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction",
                 "params": [{"from": accounts[1], "to": "0x" + os.urandom(20).hex(),
                             "value": "0x1"}]}
                for i in range(step)
            ]  # fmt: skip
            http.post("", json=sends)
            call("evm_mine")
            call("evm_setAutomine", True)
            added += step
            cpu, wall = cpu_seconds(pid), time.perf_counter()
            transfer = {"from": accounts[0], "to": accounts[2], "value": "0x1"}
            for _ in range(txs):
                call("eth_sendTransaction", transfer)
            cpu, wall = cpu_seconds(pid) - cpu, time.perf_counter() - wall
            print(f"  {added:>7,} accounts added: anvil {cpu / txs * 1e3:5.2f} ms CPU per block, "
                  f"{wall / txs * 1e3:5.2f} ms wall")  # fmt: skip


if __name__ == "__main__":
    main()
