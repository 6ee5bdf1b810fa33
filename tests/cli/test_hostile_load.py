"""Hostile requests against a running ``carbonledger up``: each refused with a 4xx naming the
limit or the field, while ``/health`` keeps answering and the service's memory stays flat."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from eth_account import Account
from eth_utils.crypto import keccak
from web3 import Web3

from carbonledger.chain.admin import propose_admission
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.chain.sender import TxSender
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0
from tests.cli.conftest import Ledger
from tests.conftest import PROJECT_ROOT

MB = 1024 * 1024
EXAMPLE = PROJECT_ROOT / "backend/carbonledger/standard/examples/carrier_footprint.json"


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class Watch:
    """Polls /health and the service's resident memory from a thread."""

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.pid = url, pid
        self.worst = 0.0
        self.failures: list[str] = []
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as http:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    if http.get(f"{self.url}/health").status_code != 200:
                        self.failures.append("health not 200")
                except httpx.HTTPError as exc:
                    self.failures.append(f"health: {type(exc).__name__}")
                self.worst = max(self.worst, time.monotonic() - started)
                self.peak_rss = max(self.peak_rss, _rss(self.pid))
                time.sleep(0.05)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _chunks(total: int, size: int = MB) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def _member(ledger: Ledger) -> str:
    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    manifest = json.loads((ledger.data_dir / "deployment.json").read_text())
    registry = w3.eth.contract(
        address=manifest["contracts"]["MemberRegistry"]["address"],
        abi=load_artifacts(PROJECT_ROOT)["MemberRegistry"].abi,
    )
    firm = Account.create()
    propose_admission(
        TxSender(w3, ANVIL_DEV_KEY_0),
        registry,
        account=firm.address,
        name="Load Lorries",
        identifier_hash=keccak(text=f"load:{firm.address}"),
        roles=("firm",),
    )
    return LedgerClient(ledger.api_url, firm).login()


def _million_line_claim() -> bytes:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    line = json.dumps(document["lines"][0]["id"])
    head = json.dumps({**document, "lines": []})[:-2]  # ... "lines": [
    lines = ",".join(f'{{"id": {line}, "quantity": "1"}}' for _ in range(1_000_000))
    text = f'{{"document": {head}{lines}]}}, "signature": "0x", "nonce": 0, "deadline": 1}}'
    return text.encode("utf-8")


def test_hostile_requests_get_4xx_while_health_answers_and_memory_stays_flat(
    ledger: Ledger,
) -> None:
    ledger.up()
    assert ledger.process is not None
    token = _member(ledger)
    url = ledger.api_url
    auth = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    plain = {"content-type": "application/json"}
    claim = _million_line_claim()
    sett = "0x" + "11" * 32
    surrogate = '"a\\ud800b"'
    member = "0x" + "ab" * 20
    # (method, path, body, headers, expected status, text the answer must name)
    cases: list[tuple[str, str, bytes | Iterator[bytes] | None, dict[str, str], int, str]] = [
        ("POST", "/auth/token",
         f'{{"member":"{member}","nonce":"0x","expiresAt":1e400,"signature":""}}'.encode(),
         plain, 422, "expiresAt"),
        ("POST", "/auth/challenge", f'{{"member":"{member}","expiresAt":1e400}}'.encode(),
         plain, 422, "expiresAt"),
        ("POST", "/claims", b'{"document":{},"signature":"0x","nonce":1e400,"deadline":1}',
         auth, 422, "nonce"),
        ("POST", "/claims", f'{{"document":{{"claim_id":{surrogate}}},"signature":"0x",'
         '"nonce":0,"deadline":1}'.encode(), auth, 422, "document.claim_id"),
        ("POST", f"/settlements/{sett}/declines",
         f'{{"nonce":0,"deadline":1,"signature":"0x","reason":{surrogate}}}'.encode(),
         auth, 422, "reason"),
        ("POST", f"/settlements/{sett}/reduction",
         f'{{"nonce":0,"deadline":1,"signature":"0x","realised_kgco2e":1,'
         f'"evidence":{surrogate}}}'.encode(), auth, 422, "evidence"),
        ("POST", f"/settlements/{sett}/payments",
         f'{{"nonce":0,"deadline":1,"signature":"0x","amount":1,'
         f'"reference":{surrogate}}}'.encode(), auth, 422, "reference"),
        ("GET", "/claims?page=1000000000000000000000", None, auth, 422, "query.page"),
        ("GET", "/settlements/allocations?settlement_id=", None, auth, 422, "settlement_id"),
        ("GET", "/settlements/allocations?settlement_id=0x12", None, auth, 422,
         "settlement_id"),
        ("DELETE", f"/claims/0x{'22' * 32}/grants/0", None, auth, 422, "reader"),
        ("POST", "/claims", b" " * (100 * MB), plain, 413, "max_claim_bytes"),
        ("POST", "/claims", _chunks(100 * MB), plain, 401, "unauthenticated_body_bytes"),
        ("POST", "/claims", claim, auth, 413, "max_claim_bytes"),
        ("POST", "/claims", _chunks(len(claim)), auth, 413, "max_claim_bytes"),
    ]  # fmt: skip
    with httpx.Client(base_url=url, timeout=120) as http:
        assert http.get("/claims?period_to=9999-12-31", headers=auth).status_code == 200
    baseline = _rss(ledger.process.pid)
    with Watch(url, ledger.process.pid) as watch:
        time.sleep(0.5)

        def send(
            case: tuple[str, str, bytes | Iterator[bytes] | None, dict[str, str], int, str],
        ) -> str:
            method, path, body, headers, status, named = case
            with httpx.Client(base_url=url, timeout=120) as http:
                try:
                    answer = http.request(method, path, content=body, headers=headers)
                except httpx.RemoteProtocolError:
                    return f"{method} {path}: connection dropped"
            if answer.status_code != status or named not in answer.text:
                return f"{method} {path}: {answer.status_code} {answer.text[:200]}"
            return ""

        with ThreadPoolExecutor(max_workers=4) as pool:
            problems = [p for p in pool.map(send, cases) if p]
            # four unauthenticated 100 MB bodies at once, as in the review
            problems += [p for p in pool.map(send, [cases[11]] * 4) if p]
        time.sleep(0.5)
    grown = (watch.peak_rss - baseline) / MB
    print(
        f"\n/health worst latency {watch.worst * 1000:.0f} ms; service memory "
        f"{baseline / MB:.0f} MB -> peak {watch.peak_rss / MB:.0f} MB (+{grown:.1f} MB)"
    )
    assert not problems, problems
    assert not watch.failures, watch.failures
    assert watch.worst < 2.0, f"/health went unanswered for {watch.worst:.2f} s"
    assert grown < 100, f"the service's memory grew by {grown:.0f} MB"
