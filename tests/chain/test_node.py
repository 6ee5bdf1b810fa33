"""The embedded anvil node: start, stop, persistence and its limits."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from carbonledger.chain.errors import NodeBinaryNotFound, NodeStartFailed, PortInUse
from carbonledger.chain.node import (
    AnvilNode,
    StateFile,
    ensure_port_free,
    find_anvil,
    free_port,
    rpc_call,
)
from carbonledger.config import ANVIL_DEV_MNEMONIC


def make_node(tmp_path: Path, project_root: Path, **kw: object) -> AnvilNode:
    args: dict[str, object] = {
        "binary": find_anvil(None, project_root),
        "host": "127.0.0.1",
        "port": free_port(),
        "chain_id": 31337,
        "state_path": tmp_path / "chain" / "state.json",
        "state_interval": 1,
        "block_time": None,
        "mnemonic": ANVIL_DEV_MNEMONIC,
        "log_path": tmp_path / "anvil.log",
    }
    args.update(kw)
    return AnvilNode(**args)  # type: ignore[arg-type]


def mine(node: AnvilNode, blocks: int) -> int:
    for _ in range(blocks):
        rpc_call(node.url, "evm_mine")
    return int(str(rpc_call(node.url, "eth_blockNumber")), 16)


def test_a_missing_anvil_binary_is_named(tmp_path: Path) -> None:
    with pytest.raises(NodeBinaryNotFound, match=r"anvil not found: .*nope is not an executable"):
        find_anvil(tmp_path / "nope", tmp_path)


def test_a_port_in_use_is_refused_naming_the_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(PortInUse, match=rf"port {port} on 127.0.0.1 is already in use"):
            ensure_port_free("127.0.0.1", port, "chain_port")


def test_a_clean_stop_saves_every_block(tmp_path: Path, project_root: Path) -> None:
    node = make_node(tmp_path, project_root)
    assert node.start() == 0
    top = mine(node, 5)
    node.stop()
    again = make_node(tmp_path, project_root)
    try:
        assert again.start() == top == 5
    finally:
        again.stop()


def test_after_sigkill_the_chain_restarts_from_the_last_snapshot(
    tmp_path: Path, project_root: Path
) -> None:
    """Blocks mined after the last snapshot are lost; those before it are kept."""
    node = make_node(tmp_path, project_root)
    node.start()
    snapshot_top = mine(node, 3)
    state = StateFile(node.state_path)
    # wait for a snapshot that holds block 3 (anvil writes one every state_interval seconds)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if state.exists() and state.back_up():
            saved = json.loads(state.backup.read_text())
            if int(str(saved["block"]["number"]), 16) >= snapshot_top:
                break
        time.sleep(0.1)
    assert node.process is not None
    os.kill(node.process.pid, signal.SIGKILL)
    node.process.wait()
    again = make_node(tmp_path, project_root)
    try:
        recovered = again.start()
    finally:
        again.stop()
    assert recovered >= snapshot_top


def test_a_snapshot_taken_on_demand_survives_sigkill_whatever_the_state_interval(
    tmp_path: Path, project_root: Path
) -> None:
    """With an hour between anvil's own snapshots, ``snapshot()`` is what keeps the blocks."""
    node = make_node(tmp_path, project_root, state_interval=3600)
    node.start()
    kept = mine(node, 4)
    node.snapshot()
    assert StateFile(node.state_path).back_up()  # the file parses
    lost = mine(node, 3)
    assert node.process is not None
    os.kill(node.process.pid, signal.SIGKILL)
    node.process.wait()
    again = make_node(tmp_path, project_root, state_interval=3600)
    try:
        recovered = again.start()
    finally:
        again.stop()
    assert recovered == kept < lost


def test_a_snapshot_of_a_node_that_is_gone_names_the_node(
    tmp_path: Path, project_root: Path
) -> None:
    node = make_node(tmp_path, project_root)
    with pytest.raises(NodeStartFailed, match=rf"anvil on {node.url} did not give its state"):
        node.snapshot(timeout=1)
    assert not node.state_path.exists()


def test_a_node_that_cannot_start_says_why(tmp_path: Path, project_root: Path) -> None:
    node = make_node(tmp_path, project_root)
    node.state_path.parent.mkdir(parents=True)
    node.state_path.write_text('{"not": "an anvil state"}')
    with pytest.raises(NodeStartFailed, match="anvil exited with code"):
        node.start(timeout=10)


def test_a_damaged_state_file_falls_back_to_the_last_good_copy(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")
    state.path.write_text('{"block": 1}')
    assert state.back_up()
    state.path.write_text('{"block": 2, "acc')  # a write cut short by SIGKILL
    note = state.prepare()
    assert note is not None and "restored the last good copy" in note
    assert json.loads(state.path.read_text()) == {"block": 1}


def test_a_damaged_state_file_without_a_good_copy_is_moved_aside(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")
    state.path.write_text("{trunc")
    note = state.prepare()
    assert note is not None and "no good copy" in note
    assert not state.path.exists()
    assert (tmp_path / "state.json.damaged").read_text() == "{trunc"


def test_a_sound_state_file_is_left_alone(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")
    state.path.write_text('{"block": 7}')
    assert state.prepare() is None
    assert state.path.read_text() == '{"block": 7}'


def test_the_states_anvil_pages_out_stay_in_the_data_dir_and_go_when_it_stops(
    tmp_path: Path, project_root: Path
) -> None:
    """anvil leaves its paged-out states behind even on SIGTERM; without ``--cache-path``
    they went to ``~/.foundry/anvil/tmp`` and stayed there."""
    node = make_node(tmp_path, project_root, state_interval=3600)
    node.start()
    try:
        accounts = rpc_call(node.url, "eth_accounts")
        send = {"from": accounts[0], "to": accounts[1], "value": "0x1"}
        with httpx.Client(base_url=node.url, timeout=30) as http:
            for i in range(520):  # a block each: past the 500 states anvil keeps in memory
                body = {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction"}
                assert "result" in http.post("", json={**body, "params": [send]}).json()
        assert any(node.cache_path.iterdir())  # paged out, under the data directory
    finally:
        node.stop()
    assert not node.cache_path.exists()
    again = make_node(tmp_path, project_root)
    node.cache_path.mkdir()  # as a killed run leaves it
    (node.cache_path / "anvil-state-left").mkdir()
    again.start()
    try:
        assert not (node.cache_path / "anvil-state-left").exists()
    finally:
        again.stop()
