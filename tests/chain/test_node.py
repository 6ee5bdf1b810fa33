"""The embedded anvil node: start, stop, persistence and its limits."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import socket
import time
from collections import deque
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.anvil_state import (
    DEV_ACCOUNT,
    Tally,
    call_counter,
    deploy_counter,
    tally,
    without_last_block,
)
from carbonledger.chain import node as node_module
from carbonledger.chain.errors import NodeBinaryNotFound, NodeStartFailed, PortInUse
from carbonledger.chain.node import (
    AnvilNode,
    StateFile,
    ensure_port_free,
    find_anvil,
    free_port,
    rpc_call,
    state_defect,
)
from carbonledger.config import ANVIL_DEV_MNEMONIC, DEFAULT_PROJECT_ROOT


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
    assert note is not None and "it does not parse" in note
    assert f"restored the whole copy {state.backup}" in note
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


# --- a state anvil wrote while it was mining a block ---


@pytest.fixture(scope="module")
def counted_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stopped chain's directory: the counter called 3 times a block each, ``earlier.json``
    (a snapshot then), then 3 calls mined in one block (block 5), and its state on stop."""
    tmp = tmp_path_factory.mktemp("counted")
    node = make_node(tmp, DEFAULT_PROJECT_ROOT)
    node.start()
    try:
        counter = deploy_counter(node.url)
        for _ in range(3):
            call_counter(node.url, counter, 1)
        node.snapshot()
        shutil.copyfile(node.state_path, tmp / "earlier.json")
        rpc_call(node.url, "evm_setAutomine", [False])
        call_counter(node.url, counter, 3)
        rpc_call(node.url, "evm_mine")
        (tmp / "counter").write_text(counter)
    finally:
        node.stop()
    return tmp


def _chain_copy(counted_chain: Path, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """The counted chain's state as anvil wrote it on stop, and the counter's address."""
    state = json.loads((counted_chain / "chain" / "state.json").read_text())
    return state, (counted_chain / "counter").read_text()


def _faulty_state_file(counted_chain: Path, tmp_path: Path) -> tuple[StateFile, str]:
    """A state file in ``tmp_path`` that lacks its last block, and its text."""
    state, _ = _chain_copy(counted_chain, tmp_path)
    damaged = json.dumps(without_last_block(state))
    files = StateFile(tmp_path / "state.json")
    files.path.write_text(damaged)
    return files, damaged


def _tally_of(state: dict[str, Any], counter: str, tmp_path: Path, project_root: Path) -> Tally:
    node = make_node(tmp_path, project_root)
    node.state_path.parent.mkdir(parents=True, exist_ok=True)
    node.state_path.write_text(json.dumps(state))
    node.start()
    try:
        return tally(node.url, counter)
    finally:
        node.stop()


def test_a_state_anvil_wrote_on_a_clean_stop_is_whole(counted_chain: Path, tmp_path: Path) -> None:
    state, _ = _chain_copy(counted_chain, tmp_path)
    assert state["best_block_number"] == 5
    assert state_defect(state) is None
    assert state_defect(json.loads((counted_chain / "earlier.json").read_text())) is None


def test_anvil_loads_a_state_without_its_last_block_with_the_blocks_effects_and_no_events(
    counted_chain: Path, tmp_path: Path, project_root: Path
) -> None:
    """Why :func:`state_defect` exists: anvil itself takes such a file."""
    state, counter = _chain_copy(counted_chain, tmp_path)
    assert _tally_of(state, counter, tmp_path / "whole", project_root) == Tally(6, 6, 5)
    damaged = without_last_block(state)
    assert _tally_of(damaged, counter, tmp_path / "damaged", project_root) == Tally(6, 3, 4)


def test_a_state_without_the_block_of_its_receipts_names_it_and_the_whole_copy_is_loaded(
    counted_chain: Path, tmp_path: Path, project_root: Path
) -> None:
    state, counter = _chain_copy(counted_chain, tmp_path)
    damaged = without_last_block(state)
    assert state_defect(damaged) == (
        "it holds 3 transaction(s) of block(s) 5 but not the block(s) (written while they "
        "were being mined)"
    )
    files = StateFile(tmp_path / "chain" / "state.json")
    files.path.parent.mkdir()
    files.path.write_text(json.dumps(damaged))
    shutil.copyfile(counted_chain / "earlier.json", files.recent)
    note = files.prepare()
    assert note == (
        f"{files.path} was not loaded: {state_defect(damaged)}; restored the whole copy "
        f"{files.recent}"
    )
    assert _tally_of(json.loads(files.path.read_text()), counter, tmp_path, project_root) == (
        Tally(3, 3, 4)
    )


def test_a_state_whose_accounts_are_behind_its_blocks_is_faulty(
    counted_chain: Path, tmp_path: Path
) -> None:
    state, _ = _chain_copy(counted_chain, tmp_path)
    sender = DEV_ACCOUNT.lower()
    state["accounts"][sender]["nonce"] -= 1
    assert state_defect(state) == (
        f"the nonce of account {sender} is behind a transaction it sent (its accounts were "
        "written before its last block)"
    )


def test_a_state_with_a_transactions_effects_but_neither_its_block_nor_its_receipt_is_faulty(
    counted_chain: Path, tmp_path: Path
) -> None:
    """Also written by anvil under load (``scripts/anvil_state_race.py``): the counter one
    ahead of its events, the sender's nonce one ahead of its last transaction."""
    state, _ = _chain_copy(counted_chain, tmp_path)
    sender = DEV_ACCOUNT.lower()
    ahead = copy.deepcopy(state)
    ahead["accounts"][sender]["nonce"] += 1
    expected = (
        f"the nonce of account {sender} is ahead of the transactions it sent (a transaction's "
        "effects were written without the transaction)"
    )
    assert state_defect(ahead) == expected
    stranger = "0x" + "ab" * 20
    state["accounts"][stranger] = {"nonce": 1, "balance": "0x0", "code": "0x", "storage": {}}
    assert state_defect(state) == expected.replace(sender, stranger)
    state["accounts"][stranger]["code"] = "0x00"  # a contract's nonce counts what it created
    assert state_defect(state) is None


def test_a_block_whose_transactions_differ_from_the_receipts_is_faulty(
    counted_chain: Path, tmp_path: Path
) -> None:
    state, _ = _chain_copy(counted_chain, tmp_path)
    state["transactions"] = [t for t in state["transactions"] if t["block_number"] != 4]
    assert state_defect(state) == "the transactions of block(s) 4 differ from their receipts"


def test_a_structure_it_does_not_know_is_left_to_anvil() -> None:
    assert state_defect({"block": 1}) is None
    assert state_defect([]) is None
    assert state_defect({"blocks": [{"header": {}}], "transactions": []}) is None


def test_of_two_whole_copies_the_one_with_more_blocks_is_restored(tmp_path: Path) -> None:
    files = StateFile(tmp_path / "state.json")
    files.path.write_text("{cut")
    files.recent.write_text('{"best_block_number": 7}')
    files.backup.write_text('{"best_block_number": 9}')
    assert files.prepare() is not None
    assert json.loads(files.path.read_text()) == {"best_block_number": 9}


def test_a_faulty_state_with_no_whole_copy_is_loaded_as_it_is_and_said_so(
    counted_chain: Path, tmp_path: Path
) -> None:
    files, damaged = _faulty_state_file(counted_chain, tmp_path)
    files.recent.write_text("{cut")
    note = files.prepare()
    assert note is not None and "no copy is whole, so it is loaded as it is" in note
    assert files.path.read_text() == damaged
    assert not files.back_up()  # a faulty state never becomes the backup


def test_the_recent_copy_is_taken_only_when_the_state_file_changed(tmp_path: Path) -> None:
    files = StateFile(tmp_path / "state.json")
    assert files.keep_recent(None) is None  # no state file yet
    files.path.write_text('{"best_block_number": 1}')
    seen = files.keep_recent(None)
    assert seen is not None and files.recent.read_text() == '{"best_block_number": 1}'
    files.recent.write_text("untouched")
    assert files.keep_recent(seen) == seen
    assert files.recent.read_text() == "untouched"
    files.path.write_text('{"best_block_number": 22}')
    assert files.keep_recent(seen) != seen
    assert files.recent.read_text() == '{"best_block_number": 22}'
    assert files.previous.read_text() == "untouched"  # the copy before


def test_when_the_newest_copy_is_the_faulty_file_itself_the_one_before_is_restored(
    counted_chain: Path, tmp_path: Path
) -> None:
    """After a SIGKILL of anvil, ``recent`` is often a copy of the very file it left."""
    files, damaged = _faulty_state_file(counted_chain, tmp_path)
    files.recent.write_text(damaged)
    shutil.copyfile(counted_chain / "earlier.json", files.previous)
    files.backup.write_text('{"best_block_number": 1}')
    note = files.prepare()
    assert note is not None and f"restored the whole copy {files.previous}" in note
    assert files.path.read_bytes() == (counted_chain / "earlier.json").read_bytes()


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


def test_a_port_handed_out_is_not_handed_out_again_when_the_kernel_offers_it_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offered = iter([41001, 41001, 41002])  # the same ephemeral port for two binds in a row
    monkeypatch.setattr(node_module, "_bound_port", lambda host: next(offered))
    monkeypatch.setattr(node_module, "_GIVEN", deque(maxlen=256))
    assert (free_port(), free_port()) == (41001, 41002)
