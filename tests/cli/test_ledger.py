"""``carbonledger up | status | down`` end to end: a real anvil, real contracts, real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from web3 import Web3

from benchmarks.anvil_state import without_last_block
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.chain.node import free_port
from carbonledger.config import ANVIL_DEV_KEY_0, DEFAULT_PROJECT_ROOT
from carbonledger.runtime import RunInfo
from tests.cli.conftest import Ledger, run_cli
from tests.cli.records import publish_standard_version, standard_version_hash

pytestmark = pytest.mark.timeout(300)

VERSION_HASH = Web3.keccak(text="unified standard v1: methodology + factor tables")


def _registry(ledger: Ledger) -> tuple[Web3, object]:
    manifest = json.loads((ledger.data_dir / "deployment.json").read_text())
    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    abi = load_artifacts(DEFAULT_PROJECT_ROOT)["StandardRegistry"].abi
    address = manifest["contracts"]["StandardRegistry"]["address"]
    return w3, w3.eth.contract(address=address, abi=abi)


def write_record(ledger: Ledger) -> int:
    """Publish a standard version (a record on chain) as the deployer, the first admin."""
    w3, registry = _registry(ledger)
    return publish_standard_version(w3, registry, ANVIL_DEV_KEY_0, VERSION_HASH)


def read_record(ledger: Ledger, version_id: int) -> bytes:
    _w3, registry = _registry(ledger)
    return standard_version_hash(registry, version_id)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_a_record_and_the_contracts_survive_down_and_up(ledger: Ledger) -> None:
    first = ledger.up()
    assert "deployed now" in first
    health = httpx.get(f"{ledger.api_url}/health").json()
    assert health["status"] == "ok"
    assert health["chain"]["chain_id"] == 31337
    assert set(health["contracts"]) == {
        "MemberRegistry",
        "StandardRegistry",
        "ClaimLedger",
        "ClaimRoots",  # created by the ClaimLedger's constructor
        "OverlapSettlement",
        "TargetRegistry",
    }
    web_app = httpx.get(f"{ledger.api_url}/app/")  # `up` serves the web app too
    assert web_app.status_code == 200 and '<div id="root">' in web_app.text
    version_id = write_record(ledger)
    block = Web3(Web3.HTTPProvider(ledger.rpc_url)).eth.block_number

    stopped = ledger.down()
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped CarbonLedger" in stopped.stdout
    assert not (ledger.data_dir / "carbonledger.pid").exists()

    second = ledger.up()
    assert "reused from the manifest" in second
    assert f"recovered {block + 1} blocks (up to block {block})" in second
    assert "no block lost" in second
    assert read_record(ledger, version_id) == VERSION_HASH
    again = httpx.get(f"{ledger.api_url}/health").json()
    assert again["contracts"] == health["contracts"]

    status = run_cli("status", *ledger.args())
    assert status.returncode == 0, status.stdout + status.stderr
    assert "code present" in status.stdout
    assert ledger.down().returncode == 0


def test_a_sigkilled_chain_is_restarted_from_its_persisted_state(ledger: Ledger) -> None:
    ledger.up()
    version_id = write_record(ledger)
    time.sleep(2.5)  # let anvil write a snapshot that holds the record
    info = RunInfo.read(ledger.data_dir / "carbonledger.pid")
    assert info is not None and info.chain_pid is not None
    os.kill(info.chain_pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while "recovered the chain up to block" not in ledger.output():
        assert time.monotonic() < deadline, ledger.output()
        time.sleep(0.2)
    assert "anvil exited unexpectedly" in ledger.output()
    assert httpx.get(f"{ledger.api_url}/health").status_code == 200
    assert read_record(ledger, version_id) == VERSION_HASH
    restarted = RunInfo.read(ledger.data_dir / "carbonledger.pid")
    assert restarted is not None and restarted.chain_pid not in (None, info.chain_pid)
    assert ledger.down().returncode == 0


def test_after_a_crash_the_next_start_says_how_many_blocks_it_recovered(ledger: Ledger) -> None:
    ledger.up()
    write_record(ledger)
    time.sleep(2.5)
    info = RunInfo.read(ledger.data_dir / "carbonledger.pid")
    assert info is not None and info.chain_pid is not None
    os.kill(info.chain_pid, signal.SIGKILL)  # the chain and its supervisor die together
    ledger.kill()
    output = ledger.up()
    assert "the previous run did not stop cleanly" in output
    assert "blocks (up to block" in output and "from the persisted state" in output
    assert ledger.down().returncode == 0


def test_a_state_anvil_wrote_while_mining_is_replaced_by_the_monitors_whole_copy(
    ledger: Ledger,
) -> None:
    """anvil can write its state on SIGTERM with a block's effects but not the block
    (``scripts/anvil_state_race.py``); the next start loads the copy the monitor kept."""
    ledger.up()
    version_id = write_record(ledger)
    block = Web3(Web3.HTTPProvider(ledger.rpc_url)).eth.block_number
    recent = ledger.data_dir / "chain" / "state.json.recent"
    deadline = time.monotonic() + 20
    while not (recent.exists() and _best_block(recent) == block):
        assert time.monotonic() < deadline, "the monitor kept no copy of the newest state"
        time.sleep(0.2)
    ledger.kill()  # anvil writes its state on the supervisor's death
    state_path = ledger.data_dir / "chain" / "state.json"
    deadline = time.monotonic() + 20
    while _best_block(state_path) != block:  # anvil's write on its way out
        assert time.monotonic() < deadline
        time.sleep(0.2)
    state = without_last_block(json.loads(state_path.read_text()))  # block is the last
    state_path.write_text(json.dumps(state))  # as anvil wrote it when mining that block
    output = ledger.up()
    assert f"{state_path} was not loaded: it holds 1 transaction(s) of block(s) {block}" in output
    assert f"restored the whole copy {recent}" in output
    assert Web3(Web3.HTTPProvider(ledger.rpc_url)).eth.block_number == block
    assert read_record(ledger, version_id) == VERSION_HASH
    assert ledger.down().returncode == 0


def _best_block(path: Path) -> int | None:
    try:
        return int(json.loads(path.read_text())["best_block_number"])
    except (OSError, ValueError, KeyError):
        return None


def test_a_chain_that_lost_the_contracts_is_refused(ledger: Ledger) -> None:
    ledger.up()
    assert ledger.down().returncode == 0
    for name in ("state.json", "state.json.bak"):
        (ledger.data_dir / "chain" / name).unlink()
    manifest = (ledger.data_dir / "deployment.json").read_text()
    result = run_cli("up", *ledger.args())
    assert result.returncode == 1
    [line] = error_lines(result.stderr)
    assert "has no code at 0x" in line and "where MemberRegistry was deployed" in line
    assert (ledger.data_dir / "deployment.json").read_text() == manifest


def test_a_wrong_rpc_url_is_one_clear_line_and_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli(
        "up", "--data-dir", str(data_dir), "--rpc-url", url, "--api-port", str(free_port()),
        env={"CARBONLEDGER_MODE": "dev"},  # dev keys: the unreachable node is the error here
    )  # fmt: skip
    assert result.returncode == 1
    [line] = error_lines(result.stderr)
    assert f"cannot reach a JSON-RPC node at {url}" in line
    assert "Traceback" not in result.stderr
    assert not data_dir.exists()


def test_a_port_in_use_is_one_clear_line_and_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_cli(
            "up",
            "--data-dir",
            str(data_dir),
            "--chain-port",
            str(port),
            "--api-port",
            str(free_port()),
        )
        api = run_cli(
            "up",
            "--data-dir",
            str(data_dir),
            "--chain-port",
            str(free_port()),
            "--api-port",
            str(port),
        )
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        f"error: port {port} on 127.0.0.1 is already in use (chain_port): Address already in use"
    ]
    assert api.returncode == 1
    assert error_lines(api.stderr) == [
        f"error: port {port} on 127.0.0.1 is already in use (api_port): Address already in use"
    ]
    assert not data_dir.exists()


def test_the_api_and_the_pact_host_on_one_port_is_refused_naming_both(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    result = run_cli(
        "up", "--data-dir", str(data_dir), "--chain-port", str(free_port()),
        "--api-port", str(port), env={"CARBONLEDGER_PACT_PORT": str(port)},
    )  # fmt: skip
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        f"error: invalid settings api_port and pact_port: both are {port}; the API and the "
        "PACT host each need a port of their own (CARBONLEDGER_PACT_PORT or the command's "
        "option)"
    ]
    assert not data_dir.exists()  # refused before anything started


def test_a_missing_node_binary_is_one_clear_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env_bin = tmp_path / "no-such-anvil"
    result = run_cli(
        "up", "--data-dir", str(data_dir), env={"CARBONLEDGER_ANVIL_BIN": str(env_bin)}
    )
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        f"error: anvil not found: {env_bin} is not an executable file"
    ]
    assert not data_dir.exists()


def test_a_data_directory_that_is_not_writable_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    data_dir = blocker / "data"
    result = run_cli("up", "--data-dir", str(data_dir), "--api-port", str(free_port()))
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        f"error: data directory {data_dir} is not writable: Not a directory"
    ]


def test_status_and_down_when_nothing_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    status = run_cli(
        "status", "--data-dir", str(data_dir), "--chain-port", str(free_port()),
        "--api-port", str(free_port()),
    )  # fmt: skip
    assert status.returncode == 1
    assert "not running" in status.stdout and "not deployed" in status.stdout
    down = run_cli("down", "--data-dir", str(data_dir))
    assert down.returncode == 0
    assert "nothing is running" in down.stderr


def test_client_commands_and_status_find_the_ledger_by_its_data_directory(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.up()
    stranger = tmp_path / "stranger.json"
    stranger.write_text(json.dumps(Account.encrypt(Account.create().key, "pw")))
    env = {"CARBONLEDGER_KEY_PASSWORD": "pw", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    # no --api: the API the data directory records answers (a key that is no member: 403)
    login = run_cli("login", "--key", str(stranger), "--data-dir", str(ledger.data_dir), env=env)
    assert login.returncode == 1 and "HTTP 403" in login.stderr, login.stderr
    assert "Traceback" not in login.stderr

    # `down` takes the options `up` was given; `status` after it looks where it ran last
    stopped = run_cli("down", *ledger.args())
    assert stopped.returncode == 0, stopped.stderr
    assert ledger.process is not None
    ledger.process.wait(timeout=60)
    status = run_cli("status", "--data-dir", str(ledger.data_dir))
    assert status.returncode == 1
    assert "not running" in status.stdout
    assert f":{ledger.chain_port}" in status.stdout and f":{ledger.api_port}" in status.stdout
    assert ":8545" not in status.stdout
