"""The claim pipeline over the in-memory fakes of its ports: no chain node, no database.

A consortium of two firms (admitted on the fake chain with their signing keys), the default
standard published, a claim service and an anchoring worker wired as the container wires
them, and a clock the tests move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.claims import build_claim
from carbonledger.services.anchoring import AnchorWorker
from carbonledger.services.claims import ClaimService, Submission
from carbonledger.standard import Standard, load_default_standard, parse_claim
from carbonledger.vault.keys import VaultKeyPair
from carbonledger.vault.repository import InMemoryVaultRepository
from carbonledger.vault.service import EvidenceVault
from carbonledger.vocab import ZERO32, sign_digest
from tests.support.fakes import FakeLedger, InMemoryClaimStore

EXAMPLES = Path(__file__).resolve().parents[2] / "backend/carbonledger/standard/examples"
START = 1_767_225_600.0  # 2026-01-01


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Firm:
    account: LocalAccount
    key: LocalAccount

    @property
    def address(self) -> str:
        return str(self.account.address)


@dataclass
class Pipeline:
    chain: FakeLedger
    store: InMemoryClaimStore
    claims: ClaimService
    worker: AnchorWorker
    standard: Standard
    clock: Clock
    firms: list[Firm]

    def document(self, firm: Firm, n: int = 0) -> bytes:
        """The shipped carrier footprint filed by ``firm``, made unique by ``n``."""
        obj = json.loads((EXAMPLES / "carrier_footprint.json").read_bytes())
        obj["firm"]["address"] = firm.address.lower()
        obj["claim_id"] = f"{obj.get('claim_id', 'claim')}-{firm.address[-6:]}-{n}"
        return json.dumps(obj, indent=2).encode()

    def submission(
        self,
        firm: Firm,
        n: int = 0,
        *,
        nonce: int | None = None,
        key: LocalAccount | None = None,
        deadline: int | None = None,
    ) -> Submission:
        """``firm``'s signed submission of its ``n``-th document, as its client builds it."""
        document = self.document(firm, n)
        nonce = self.claims.next_nonce(firm.address) if nonce is None else nonce
        deadline = int(self.clock() + 3_600) if deadline is None else deadline
        claim = build_claim(
            parse_claim(document),
            self.standard,
            standard_version=self.chain.versions[self.standard.content_hash],
            nonce=nonce,
            deadline=deadline,
        )
        signature = sign_digest(bytes((key or firm.key).key), claim.digest(self.chain.domain()))
        return Submission(document, signature, nonce, deadline, ZERO32)

    def rounds(self, n: int = 3) -> None:
        for _ in range(n):
            self.worker.run_once()


def _firm(label: str) -> Firm:
    return Firm(
        Account.from_key(keccak(text=f"services:{label}:account")),
        Account.from_key(keccak(text=f"services:{label}:signing")),
    )


@pytest.fixture
def pipeline() -> Pipeline:
    clock = Clock()
    chain = FakeLedger(clock=clock)
    standard = load_default_standard()
    chain.publish(standard.content_hash)
    firms = [_firm("carrier"), _firm("shipper")]
    store = InMemoryClaimStore()
    vault = EvidenceVault(InMemoryVaultRepository())
    for firm in firms:
        chain.admit(firm.address, firm.key.address)
        vault.register_reader_key(firm.address, VaultKeyPair.generate().public_key)
    service_key = VaultKeyPair.generate()
    vault.register_reader_key(chain.service_address, service_key.public_key)
    worker = AnchorWorker(chain, store, batch_size=10, idle_interval=0.01)
    claims = ClaimService(
        chain,
        store,
        vault,
        standard,
        worker,
        service_reader=chain.service_address,
        service_vault_key=service_key.private_key,
        clock=clock,
    )
    return Pipeline(chain, store, claims, worker, standard, clock, firms)
