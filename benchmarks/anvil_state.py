"""Whether anvil's state file holds every block whose effects it holds.

A counter contract adds one to its storage and emits an event (topic: the new count) on
every call, so a chain whose storage and history agree has ``count == events``. The race
(:func:`sigterm_race`): calls stream into anvil, SIGTERM lands at a random moment, and the
state anvil wrote on its way out is judged (:func:`carbonledger.chain.node.state_defect`)
and then loaded, both as it is and as :meth:`StateFile.prepare` leaves it, with the copies
the supervisor keeps: the backup of the deployed chain, and the newest two states
(:meth:`StateFile.keep_recent`, once a second, as its monitor does).
"""

from __future__ import annotations

import copy
import json
import random
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from carbonledger.chain.node import (
    AnvilNode,
    StateFile,
    find_anvil,
    free_port,
    rpc_call,
    state_defect,
)
from carbonledger.config import ANVIL_DEV_MNEMONIC, DEFAULT_PROJECT_ROOT

#: runtime ``count = count + 1; emit(count)``:
#: PUSH1 0 SLOAD PUSH1 1 ADD DUP1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 LOG1 STOP
COUNTER_RUNTIME = "6000546001018060005560006000a100"
#: its creation code: CODECOPY the 16 runtime bytes after these 12, RETURN them
COUNTER_INIT = "0x6010600c60003960106000f3" + COUNTER_RUNTIME
DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # anvil's first, unlocked


def scratch_node(directory: Path, state_interval: int) -> AnvilNode:
    """An embedded node as ``carbonledger chain`` runs it, its state in ``directory``."""
    return AnvilNode(
        binary=find_anvil(None, DEFAULT_PROJECT_ROOT),
        host="127.0.0.1",
        port=free_port(),
        chain_id=31337,
        state_path=directory / "state.json",
        state_interval=state_interval,
        block_time=None,
        mnemonic=ANVIL_DEV_MNEMONIC,
        log_path=directory / "anvil.log",
    )


def deploy_counter(url: str) -> str:
    """Deploy the counter from anvil's first development account; its address."""
    sent = rpc_call(url, "eth_sendTransaction", [{"from": DEV_ACCOUNT, "data": COUNTER_INIT}])
    receipt = rpc_call(url, "eth_getTransactionReceipt", [sent])
    assert isinstance(receipt, dict)
    return str(receipt["contractAddress"])


def call_counter(url: str, counter: str, times: int) -> None:
    """``times`` calls in one JSON-RPC batch (as the anchoring worker sends its round)."""
    call = {"from": DEV_ACCOUNT, "to": counter, "gas": hex(100_000)}
    body = [
        {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction", "params": [call]}
        for i in range(times)
    ]
    httpx.post(url, json=body, timeout=30).raise_for_status()


def without_last_block(state: dict[str, Any]) -> dict[str, Any]:
    """A copy of a parsed state as anvil 1.7.1 writes it when SIGTERM falls while it mines the
    last block: the block's accounts and receipts, not the block."""
    top = state["best_block_number"]
    damaged = copy.deepcopy(state)
    damaged["blocks"] = [b for b in state["blocks"] if int(b["header"]["number"], 16) != top]
    damaged["best_block_number"] = top - 1
    damaged["block"]["number"] = hex(top - 1)
    return damaged


@dataclass(frozen=True)
class Tally:
    """The counter's storage, its events and the chain's newest block."""

    count: int
    events: int
    block: int

    @property
    def agrees(self) -> bool:
        return self.count == self.events


def tally(url: str, counter: str) -> Tally:
    count = int(str(rpc_call(url, "eth_getStorageAt", [counter, "0x0", "latest"])), 16)
    logs = rpc_call(url, "eth_getLogs", [{"fromBlock": "0x0", "address": counter}])
    block = int(str(rpc_call(url, "eth_blockNumber")), 16)
    assert isinstance(logs, list)
    return Tally(count, len(logs), block)


@dataclass(frozen=True)
class RaceRound:
    defect: str | None
    as_written: Tally
    prepared: Tally
    note: str | None


def sigterm_race(node: AnvilNode, seconds: tuple[float, float], rng: random.Random) -> RaceRound:
    """One round on a fresh chain in ``node.state_path``'s directory (see the module doc)."""
    state = StateFile(node.state_path)
    node.start()
    counter = deploy_counter(node.url)
    node.snapshot()  # as the supervisor does once it deployed (``_snapshot_deployment``)
    state.back_up()
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            try:
                call_counter(node.url, counter, 20)
            except httpx.HTTPError:
                return

    def monitor() -> None:
        seen = None
        while not stop.wait(1.0):
            seen = state.keep_recent(seen)

    threads = [threading.Thread(target=load), threading.Thread(target=monitor)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(rng.uniform(*seconds))
        assert node.process is not None
        node.process.send_signal(signal.SIGTERM)
        node.process.wait()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    written = node.state_path.with_name("as-written.json")
    shutil.copyfile(node.state_path, written)
    defect = state_defect(json.loads(written.read_text()))
    as_written = _restart(node, counter)
    shutil.copyfile(written, node.state_path)
    note = state.prepare()
    prepared = _restart(node, counter)
    return RaceRound(defect, as_written, prepared, note)


def _restart(node: AnvilNode, counter: str) -> Tally:
    """Start ``node`` from its state file, tally, stop it without writing the state back."""
    kept = node.state_path.read_bytes()
    node.start()
    try:
        return tally(node.url, counter)
    finally:
        node.stop()
        node.state_path.write_bytes(kept)
