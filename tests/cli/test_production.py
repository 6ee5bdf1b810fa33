"""Production mode (an external node): no development key, no default secret, named admins."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from web3 import Web3

from carbonledger.auth.settings import AuthSettings
from carbonledger.auth.tokens import decode_token
from carbonledger.chain.node import AnvilNode, find_anvil, free_port
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0, ANVIL_DEV_MNEMONIC
from tests.cli.conftest import CLI, cli_env, run_cli
from tests.conftest import PROJECT_ROOT

SECRET = "a-production-secret-shared-by-every-instance-0123456789"


@pytest.fixture
def external_node(tmp_path: Path) -> Iterator[AnvilNode]:
    """An anvil standing for the consortium's network (the service does not manage it)."""
    node = AnvilNode(
        binary=find_anvil(None, PROJECT_ROOT),
        host="127.0.0.1",
        port=free_port(),
        chain_id=31337,
        state_path=tmp_path / "external" / "state.json",
        state_interval=60,
        block_time=None,
        mnemonic=ANVIL_DEV_MNEMONIC,
        log_path=tmp_path / "external.log",
    )
    (tmp_path / "external").mkdir()
    node.start()
    yield node
    node.stop()


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_production_without_keys_refuses_naming_the_setting(
    external_node: AnvilNode, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    args = ("up", "--data-dir", str(data_dir), "--rpc-url", external_node.url)
    result = run_cli(*args, "--api-port", str(free_port()))
    assert result.returncode == 1
    line = _error_line(result.stderr)
    assert "production mode" in line and "CARBONLEDGER_DEPLOYER_KEY_FILE" in line
    assert "Traceback" not in result.stderr
    assert not data_dir.exists()

    dev_key = {"CARBONLEDGER_DEPLOYER_KEY": ANVIL_DEV_KEY_0}
    result = run_cli(*args, "--api-port", str(free_port()), env=dev_key)
    assert result.returncode == 1
    assert "well-known development key" in _error_line(result.stderr)

    key_file = tmp_path / "deployer.key"
    key_file.write_text(Account.create().key.hex())
    result = run_cli(
        *args,
        "--api-port",
        str(free_port()),
        env={"CARBONLEDGER_DEPLOYER_KEY_FILE": str(key_file)},
    )
    assert result.returncode == 1
    assert "CARBONLEDGER_SERVICE_KEY_FILE" in _error_line(result.stderr)


def _fund(w3: Web3, address: str) -> None:
    w3.provider.make_request("anvil_setBalance", [address, hex(10**21)])


def test_production_with_keys_and_secret_uses_them(
    external_node: AnvilNode, tmp_path: Path
) -> None:
    w3 = Web3(Web3.HTTPProvider(external_node.url))
    deployer, service, second_admin = Account.create(), Account.create(), Account.create()
    for account in (deployer, service):
        _fund(w3, account.address)
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(deployer.key, "s3cret pass")))
    service_file = tmp_path / "service.key"
    service_file.write_text("0x" + bytes(service.key).hex() + "\n")
    service_file.chmod(0o600)
    data_dir = tmp_path / "data"
    api_port = free_port()
    env = {
        **cli_env(),
        "CARBONLEDGER_DEPLOYER_KEY_FILE": str(keystore),
        "CARBONLEDGER_KEYSTORE_PASSWORD": "s3cret pass",
        "CARBONLEDGER_SERVICE_KEY_FILE": str(service_file),
        "CARBONLEDGER_AUTH_SECRET": SECRET,
        "CARBONLEDGER_ADMINS": json.dumps([deployer.address, second_admin.address]),
        "CARBONLEDGER_PACT_PORT": str(free_port()),  # not the default: a shared machine
    }
    without_secret = {k: v for k, v in env.items() if k != "CARBONLEDGER_AUTH_SECRET"}
    refused = subprocess.run(
        [CLI, "up", "--data-dir", str(data_dir), "--rpc-url", external_node.url],
        capture_output=True,
        text=True,
        env=without_secret,
        timeout=120,
    )
    assert refused.returncode == 1
    assert "CARBONLEDGER_AUTH_SECRET" in _error_line(refused.stderr)

    log = (tmp_path / "up.log").open("w")
    process = subprocess.Popen(
        [CLI, "up", "--data-dir", str(data_dir), "--rpc-url", external_node.url,
         "--api-port", str(api_port)],
        stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp_path / "up.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "up.log").read_text()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)

        manifest = json.loads((data_dir / "deployment.json").read_text())
        assert manifest["deployer"] == deployer.address
        assert manifest["settings"]["admins"] == [deployer.address, second_admin.address]
        # the service account (its key from the key file) was admitted and signs in
        client = LedgerClient(url, service)
        token = client.login()
        claims = decode_token(token, AuthSettings(secret=SECRET).token_key)  # type: ignore[arg-type]
        assert claims.account == service.address
        assert not (data_dir / "auth.secret").exists()
        # the data directory and the database are private
        assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(data_dir / "carbonledger.db").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(data_dir / "service-vault.key").st_mode) == 0o600
    finally:
        process.terminate()
        process.wait(timeout=60)
