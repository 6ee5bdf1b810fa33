"""Once the API has answered "accepted", the claim reaches the chain exactly once.

The real service (``carbonledger up``) with its embedded anvil, 200 submissions from four
firms in parallel, and a SIGKILL in the middle: of the service, or of the chain process.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from sqlalchemy import create_engine, select
from web3 import Web3

from carbonledger.chain.admin import propose_admission
from carbonledger.chain.artifacts import load_artifacts
from carbonledger.chain.sender import TxSender
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0, DEFAULT_PROJECT_ROOT
from carbonledger.errors import CarbonLedgerError
from carbonledger.runtime import RunInfo
from carbonledger.store.claims import claims
from tests.api.conftest import as_bytes, example
from tests.cli.conftest import Ledger

pytestmark = pytest.mark.timeout(600)

FIRMS = 4
PER_FIRM = 50


def _contracts(ledger: Ledger) -> tuple[Web3, dict[str, Any]]:
    manifest = json.loads((ledger.data_dir / "deployment.json").read_text())
    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    artifacts = load_artifacts(DEFAULT_PROJECT_ROOT)
    contracts = {
        name: w3.eth.contract(address=item["address"], abi=artifacts[name].abi)
        for name, item in manifest["contracts"].items()
    }
    return w3, contracts


def admit_firms(ledger: Ledger, count: int) -> list[LocalAccount]:
    w3, contracts = _contracts(ledger)
    admin = TxSender(w3, ANVIL_DEV_KEY_0)
    firms = []
    for i in range(count):
        firm: LocalAccount = Account.create()
        propose_admission(
            admin,
            contracts["MemberRegistry"],
            account=firm.address,
            name=f"Durable Freight {i}",
            identifier_hash=keccak(text=f"durable-{firm.address}"),
        )
        firms.append(firm)
    return firms


class Submitter:
    """Four firms submitting in parallel; remembers every claim the API accepted."""

    def __init__(self, ledger: Ledger, firms: list[LocalAccount]) -> None:
        self.ledger = ledger
        self.firms = firms
        self.accepted: dict[str, str] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(f,)) for f in firms]

    def _client(self, firm: LocalAccount) -> LedgerClient:
        while True:
            try:
                client = LedgerClient(self.ledger.api_url, firm, timeout=30)
                client.login()
                client.register_vault_key()
                return client
            except (httpx.HTTPError, CarbonLedgerError):
                if self.stop.is_set():
                    raise
                time.sleep(0.5)

    def _run(self, firm: LocalAccount) -> None:
        client = self._client(firm)
        done = 0
        while done < PER_FIRM and not self.stop.is_set():
            raw = as_bytes(example("carrier_footprint.json", firm.address))
            try:
                answer = client.submit_claim(raw)
            except (httpx.HTTPError, CarbonLedgerError):
                time.sleep(0.3)  # the service or the chain is down: try again
                try:
                    client = self._client(firm)
                except (httpx.HTTPError, CarbonLedgerError):
                    return
                continue
            with self.lock:
                self.accepted[answer["claim_id"]] = answer["state"]
            done += 1

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.accepted) < count:
            assert time.monotonic() < deadline, f"only {len(self.accepted)} accepted"
            time.sleep(0.05)

    def join(self, timeout: float = 300) -> None:
        for thread in self.threads:
            thread.join(timeout)
            assert not thread.is_alive()


def _outbox_rows(ledger: Ledger, claim_ids: set[str]) -> list[tuple[Any, ...]]:
    """What the service's own database says about ``claim_ids`` (for the failure message)."""
    url = (
        ledger.env.get("CARBONLEDGER_DATABASE_URL")
        or f"sqlite:///{ledger.data_dir}/carbonledger.db"
    )
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            query = select(claims.c.claim_id, claims.c.nonce, claims.c.state, claims.c.error)
            return [tuple(r) for r in db.execute(query.where(claims.c.claim_id.in_(claim_ids)))]
    finally:
        engine.dispose()


def assert_each_on_chain_exactly_once(ledger: Ledger, claim_ids: list[str]) -> None:
    _w3, contracts = _contracts(ledger)
    ledger_contract = contracts["ClaimLedger"]
    deadline = time.monotonic() + 120
    pending = set(claim_ids)
    while pending:
        pending = {
            c
            for c in pending
            if ledger_contract.functions.claimOf(bytes.fromhex(c[2:])).call()[3] == 0
        }
        if pending:
            assert time.monotonic() < deadline, (
                f"{len(pending)} accepted claims not checked on chain: "
                f"{_outbox_rows(ledger, pending)}\n{ledger.output()[-4000:]}"
            )
            time.sleep(0.5)
    event = ledger_contract.events.ClaimSubmitted
    logs = event().get_logs(from_block=0)
    counts = Counter("0x" + bytes(log["args"]["claimId"]).hex() for log in logs)
    assert {c: counts[c] for c in claim_ids} == dict.fromkeys(claim_ids, 1)
    for claim_id in claim_ids:
        record = ledger_contract.functions.claimOf(bytes.fromhex(claim_id[2:])).call()
        assert record[2] == 1  # Active


def test_sigkill_of_the_service_mid_submissions_loses_no_accepted_claim(ledger: Ledger) -> None:
    ledger.env = {"CARBONLEDGER_SUBMIT_WAIT": "0"}  # answer right after the outbox write
    ledger.up()
    firms = admit_firms(ledger, FIRMS)
    submitter = Submitter(ledger, firms)
    submitter.start()
    submitter.wait_for(FIRMS * PER_FIRM // 3)
    ledger.kill()  # SIGKILL: no cleanup at all (anvil is told by the kernel and saves)
    submitter.stop.set()
    submitter.join()
    accepted_before = dict(submitter.accepted)
    assert any(state == "accepted" for state in accepted_before.values())

    ledger.up()
    submitter = Submitter(ledger, firms)
    submitter.start()
    submitter.join()
    everything = {**accepted_before, **submitter.accepted}
    assert len(everything) >= FIRMS * PER_FIRM
    assert_each_on_chain_exactly_once(ledger, list(everything))
    assert ledger.down().returncode == 0


def test_sigkill_of_the_chain_mid_submissions_loses_no_accepted_claim(ledger: Ledger) -> None:
    ledger.up()
    firms = admit_firms(ledger, FIRMS)
    time.sleep(2.5)  # the admissions are in a snapshot
    submitter = Submitter(ledger, firms)
    submitter.start()
    submitter.wait_for(FIRMS * PER_FIRM // 3)
    info = RunInfo.read(ledger.data_dir / "carbonledger.pid")
    assert info is not None and info.chain_pid is not None
    os.kill(info.chain_pid, signal.SIGKILL)
    submitter.join()
    assert "recovered the chain up to block" in ledger.output()
    assert len(submitter.accepted) == FIRMS * PER_FIRM
    assert_each_on_chain_exactly_once(ledger, list(submitter.accepted))
    assert ledger.down().returncode == 0
