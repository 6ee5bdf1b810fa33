"""The whole pipeline, unchanged, on a second and independent EVM node: Hardhat's node (EDR,
from npm ``hardhat``), not anvil.

``carbonledger up --rpc-url`` (production mode: its own deployer keystore, service key, token
secret and admin) deploys the contracts on Hardhat's node, in batch and in root anchoring
mode. A firm is admitted, signs in and submits claims through the API, one a request and in
bulk; every claim becomes ``checked`` on chain with its ``ClaimSubmitted`` and
``ClaimChecked`` indexed (in root mode: ``anchored`` under a recorded root). An auditor's
verdicts on three of them are relayed together (in root mode each claim admitted first, its
gas estimated by this node) and the firm revokes a fourth. The service reaches the node only
through a recording JSON-RPC proxy, and the test asserts that no node-specific method
(``anvil_*``, ``hardhat_*``, ``evm_*``, ``debug_*``, ...) was called: only the embedded-chain
supervisor, not used here, may use one.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from carbonledger.chain.admin import propose_admission
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.chain.manifest import Deployment, read_manifest
from carbonledger.chain.node import free_port
from carbonledger.chain.sender import TxSender
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0
from tests.api.conftest import as_bytes, example
from tests.cli.conftest import CLI, cli_env
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.timeout(900)

HARDHAT = PROJECT_ROOT / "node_modules/.bin/hardhat"
CONFIG = PROJECT_ROOT / "tools/hardhat-node.config.js"
CLAIMS = 8
#: the standard methods of the Ethereum JSON-RPC API (execution-apis) that a node of any
#: implementation answers; everything the product sends must be one of these namespaces
STANDARD_PREFIXES = ("eth_", "net_", "web3_")


class HardhatNode:
    """``hardhat node`` on a free port, from the repository root (Hardhat wants its local
    installation), its output in a log file."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "hardhat.log"
        env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true", "CI": "true"}
        with self.log.open("w") as handle:
            self.process = subprocess.Popen(
                [str(HARDHAT), "node", "--config", str(CONFIG),
                 "--hostname", "127.0.0.1", "--port", str(self.port)],
                cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while "Started HTTP" not in self.log.read_text():
            assert self.process.poll() is None, f"hardhat node exited:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, (
                f"hardhat node did not start:\n{self.log.read_text()}"
            )
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class RecordingProxy:
    """A JSON-RPC pass-through that counts the methods sent through it (single and batch)."""

    def __init__(self, upstream: str) -> None:
        self.methods: Counter[str] = Counter()
        lock = threading.Lock()
        client = httpx.Client(timeout=120)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                calls = json.loads(body)
                with lock:
                    for call in calls if isinstance(calls, list) else [calls]:
                        proxy.methods[str(call.get("method"))] += 1
                answer = client.post(
                    upstream, content=body, headers={"Content-Type": "application/json"}
                )
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hardhat(tmp_path: Path) -> Iterator[HardhatNode]:
    if not HARDHAT.exists():
        pytest.fail("node_modules/.bin/hardhat is missing: run ./run setup (npm ci)")
    node = HardhatNode(tmp_path)
    yield node
    node.stop()


def _fund(w3: Web3, funder: TxSender, address: str) -> None:
    funder.transact({"to": address, "value": 10**21}, f"funding {address}", gas=21_000)


def _admit(
    w3: Web3, deployer: LocalAccount, deployment: Deployment, name: str, role: str
) -> LocalAccount:
    member: LocalAccount = Account.create()
    artifacts = load_artifacts(PROJECT_ROOT)
    registry = w3.eth.contract(
        address=Web3.to_checksum_address(deployment.address("MemberRegistry")),
        abi=artifacts["MemberRegistry"].abi,
    )
    propose_admission(
        TxSender(w3, bytes(deployer.key).hex()),
        registry,
        account=member.address,
        name=name,
        identifier_hash=Web3.keccak(text=f"hardhat:{member.address}"),
        roles=(role,),
    )
    return member


def _shipments(firm: str, first: int, count: int) -> list[bytes]:
    docs = []
    for n in range(first, first + count):
        doc = example("carrier_footprint.json", firm)
        doc["claim_id"] = f"hardhat-shipment-{n}"
        docs.append(as_bytes(doc))
    return docs


def _until(client: LedgerClient, claim_id: str, done: Callable[[dict[str, Any]], bool]) -> None:
    deadline = time.monotonic() + 180
    while not done(detail := client.claim(claim_id)):
        assert time.monotonic() < deadline, f"{claim_id}: {detail}"
        time.sleep(0.5)


@pytest.mark.parametrize("mode", ["batch", "root"])
def test_the_pipeline_runs_unchanged_on_hardhats_node_with_standard_rpc_only(
    hardhat: HardhatNode, tmp_path: Path, mode: str
) -> None:
    w3 = Web3(Web3.HTTPProvider(hardhat.url))
    assert "HardhatNetwork" in w3.client_version  # not anvil
    funder = TxSender(w3, ANVIL_DEV_KEY_0)  # the node's own funded development account
    deployer, service = Account.create(), Account.create()
    for account in (deployer, service):
        _fund(w3, funder, account.address)
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(deployer.key, "pass phrase")))
    service_file = tmp_path / "service.key"
    service_file.write_text("0x" + bytes(service.key).hex() + "\n")
    service_file.chmod(0o600)

    proxy = RecordingProxy(hardhat.url)
    data_dir, api_port = tmp_path / "data", free_port()
    env = {
        **cli_env(),
        "CARBONLEDGER_DEPLOYER_KEY_FILE": str(keystore),
        "CARBONLEDGER_KEYSTORE_PASSWORD": "pass phrase",
        "CARBONLEDGER_SERVICE_KEY_FILE": str(service_file),
        "CARBONLEDGER_AUTH_SECRET": "a-secret-for-the-second-node-test-0123456789abcdef",
        "CARBONLEDGER_ADMINS": json.dumps([deployer.address]),
        "CARBONLEDGER_SUBMIT_WAIT": "0",
        "CARBONLEDGER_ANCHOR_MODE": mode,
        "CARBONLEDGER_PACT_PORT": str(free_port()),
    }
    log = tmp_path / "up.log"
    with log.open("w") as handle:
        up = subprocess.Popen(
            [CLI, "up", "--data-dir", str(data_dir), "--rpc-url", proxy.url,
             "--api-port", str(api_port)],
            stdout=handle, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert up.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        deployment = read_manifest(data_dir / "deployment.json")
        assert deployment is not None
        for name in ("MemberRegistry", "StandardRegistry", "ClaimLedger", "OverlapSettlement"):
            assert w3.eth.get_code(Web3.to_checksum_address(deployment.address(name))), name

        firm = _admit(w3, deployer, deployment, "Hardhat Freight", "firm")
        auditor = _admit(w3, deployer, deployment, "Hardhat Assurance", "auditor")
        client = LedgerClient(url, firm, timeout=60)
        client.login()
        client.register_vault_key()
        docs = _shipments(firm.address, 0, CLAIMS)
        # one claim a request, then the rest in bulk (POST /claims/batch)
        ids = [client.submit_claim(docs[0])["claim_id"]]
        filed = client.submit_claims(docs[1:])
        ids += [f["claim"]["claim_id"] for f in filed]
        for claim_id in ids:
            if mode == "root":  # under a recorded root, entering the ledger when needed
                _until(client, claim_id, lambda d: d["state"] == "anchored")
            else:
                _until(
                    client,
                    claim_id,
                    lambda d: (
                        d["state"] == "checked"
                        and {"ClaimSubmitted", "ClaimChecked"} <= {e["event"] for e in d["history"]}
                    ),
                )

        # an auditor's verdicts, each its own transaction, sent in one JSON-RPC batch (in
        # root mode each claim is first admitted with its proof: gas estimated on this node)
        verdicts = LedgerClient(url, auditor, timeout=120)
        verdicts.login()
        answer = verdicts.record_audits(ids[:3], "approved", Web3.keccak(text="the report"))
        assert [r["claim_id"] for r in answer["recorded"]] == ids[:3] and not answer["reverted"]
        for claim_id in ids[:3]:
            assert client.claim(claim_id)["on_chain"]["audit"] == "approved"
        # the firm withdraws another
        client.revoke_claim(ids[3], "a weight was keyed twice")
        assert client.claim(ids[3])["on_chain"]["status"] == "revoked"
        assert {c["claim_id"] for c in client.claims(firm=firm.address)} == set(ids)
    finally:
        up.terminate()
        up.wait(timeout=60)
        proxy.stop()
    assert proxy.methods, "the service never reached the node through the proxy"
    odd = {m: n for m, n in proxy.methods.items() if not m.startswith(STANDARD_PREFIXES)}
    assert not odd, f"node-specific JSON-RPC methods in the product path: {odd}"
    # deployment, claims (or roots), checks, admissions, verdicts, the revocation
    assert proxy.methods["eth_sendRawTransaction"] >= 8
