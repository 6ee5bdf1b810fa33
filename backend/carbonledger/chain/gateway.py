"""The service's view of the ledger contracts: reads, and the relayer's transactions.

:class:`LedgerGateway` is the one place the service talks to the contracts. It holds the
service's own key (a member with the checker role; it also relays, which needs no role) and
never a firm's key: a firm's claim is relayed with the firm's signature, which the contract
checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import BlockIdentifier

from carbonledger.chain.artifacts import ContractArtifact, event_topic
from carbonledger.chain.manifest import Deployment
from carbonledger.chain.sender import TxSender
from carbonledger.chain.typed_data import Claim, Domain, claim_ledger_domain

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MEMBER_STATUS = {0: "none", 1: "active", 2: "suspended", 3: "removed"}
CLAIM_STATUS = {0: "none", 1: "active", 2: "superseded", 3: "revoked"}
CHECK_OUTCOME = {0: "none", 1: "passed", 2: "failed"}
AUDIT_VERDICT = {0: "none", 1: "approved", 2: "rejected"}


@dataclass(frozen=True)
class MemberState:
    account: str
    signing_key: str
    roles: int
    status: str  # none | active | suspended | removed


@dataclass(frozen=True)
class ClaimState:
    claim_id: bytes
    firm: str
    kind: int
    status: str  # none | active | superseded | revoked
    check: str  # none | passed | failed
    audit: str  # none | approved | rejected
    standard_version: int


@dataclass(frozen=True)
class Anchored:
    """Where a transaction landed."""

    tx_hash: str
    block_number: int
    block_hash: str


@dataclass(frozen=True)
class BatchOutcome:
    """The result of one ``trySubmitClaims``: where it landed and which items failed."""

    anchored: Anchored
    failed: Mapping[int, bytes]  # index -> revert data of that item


def _hex(value: bytes | HexBytes) -> str:
    return "0x" + bytes(value).hex()


class LedgerGateway:
    """Reads the contracts and sends the service's transactions."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        artifacts: Mapping[str, ContractArtifact],
        service_key: str,
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.chain_id = deployment.chain_id
        self.contracts: dict[str, Contract] = {
            name: w3.eth.contract(address=to_checksum_address(c.address), abi=artifacts[name].abi)
            for name, c in deployment.contracts.items()
        }
        self.sender = TxSender(w3, service_key)
        ledger = self.contracts["ClaimLedger"]
        self._submitted_topic = _event_topic(ledger, "ClaimSubmitted")
        self._failed_topic = _event_topic(ledger, "ClaimSubmissionFailed")
        self._checked_topic = _event_topic(ledger, "ClaimChecked")

    # --- reads ---
    @property
    def service_address(self) -> str:
        return str(self.sender.address)

    def domain(self) -> Domain:
        return claim_ledger_domain(self.chain_id, self.deployment.address("ClaimLedger"))

    def member_state(self, account: str, block: BlockIdentifier = "latest") -> MemberState:
        key, roles, status = (
            self.contracts["MemberRegistry"]
            .functions.memberState(to_checksum_address(account))
            .call(block_identifier=block)
        )
        return MemberState(
            account=to_checksum_address(account),
            signing_key=to_checksum_address(key),
            roles=int(roles),
            status=MEMBER_STATUS.get(int(status), "none"),
        )

    def nonce(self, account: str) -> int:
        return int(
            self.contracts["ClaimLedger"].functions.nonces(to_checksum_address(account)).call()
        )

    def standard_version_of(self, content_hash: bytes) -> int:
        """The StandardRegistry version number of ``content_hash`` (0 when unpublished)."""
        return int(
            self.contracts["StandardRegistry"].functions.versionByContent(content_hash).call()
        )

    def standard_status(self, version: int) -> tuple[int, int]:
        status, effective_from = (
            self.contracts["StandardRegistry"].functions.versionState(version).call()
        )
        return int(status), int(effective_from)

    def claim_state(self, claim_id: bytes) -> ClaimState:
        record = self.contracts["ClaimLedger"].functions.claimOf(claim_id).call()
        firm, kind, status, check, audit, version, _total = record
        return ClaimState(
            claim_id=claim_id,
            firm=to_checksum_address(firm),
            kind=int(kind),
            status=CLAIM_STATUS.get(int(status), "none"),
            check=CHECK_OUTCOME.get(int(check), "none"),
            audit=AUDIT_VERDICT.get(int(audit), "none"),
            standard_version=int(version),
        )

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def block_hash(self, number: int) -> str | None:
        try:
            block = self.w3.eth.get_block(number)
        except Exception:  # web3 raises BlockNotFound for a block the chain does not have
            return None
        return _hex(block["hash"])

    def find_submission(self, claim_id: bytes) -> Anchored | None:
        """The transaction that recorded ``claim_id``, from its ClaimSubmitted event."""
        return self._find_event(self._submitted_topic, claim_id)

    def find_check(self, claim_id: bytes) -> Anchored | None:
        """The transaction of the newest ClaimChecked event of ``claim_id``."""
        return self._find_event(self._checked_topic, claim_id)

    def _find_event(self, topic: str, claim_id: bytes) -> Anchored | None:
        logs = self.w3.eth.get_logs(
            {
                "fromBlock": self.deployment.deploy_block,
                "toBlock": "latest",
                "address": self.contracts["ClaimLedger"].address,
                "topics": [topic, _hex(claim_id)],
            }
        )
        return _anchored(logs[-1]) if logs else None

    # --- transactions ---
    def submit_claims(self, items: Sequence[tuple[Claim, bytes]]) -> BatchOutcome:
        """Relay signed claims in one ``trySubmitClaims``; failures are per item."""
        ledger = self.contracts["ClaimLedger"]
        data = ledger.encode_abi(
            "trySubmitClaims",
            args=[[c.as_tuple() for c, _ in items], [bytes(s) for _, s in items]],
        )
        gas = 120_000 + 90_000 * len(items)
        receipt = self.sender.transact(
            {"to": ledger.address, "data": data}, "relaying claims", gas=gas
        )
        failed: dict[int, bytes] = {}
        for log in receipt["logs"]:
            if log["topics"] and bytes(log["topics"][0]) == bytes(HexBytes(self._failed_topic)):
                index = int.from_bytes(bytes(log["topics"][1]), "big")
                (reason,) = abi_decode(["bytes"], bytes(log["data"]))
                failed[index] = bytes(reason)
        return BatchOutcome(anchored=_anchored(receipt), failed=failed)

    def record_checks(self, results: Sequence[tuple[bytes, bool, bytes]]) -> Anchored:
        """Record the checker's outcomes (claim id, passed, report hash) in one transaction."""
        ledger = self.contracts["ClaimLedger"]
        data = ledger.encode_abi("recordChecks", args=[[tuple(r) for r in results]])
        gas = 80_000 + 40_000 * len(results)
        receipt = self.sender.transact(
            {"to": ledger.address, "data": data}, "recording checks", gas=gas
        )
        return _anchored(receipt)

    def relay(self, contract: str, function: str, args: Sequence[Any], what: str) -> Anchored:
        """Send any other call (a revocation, an audit verdict) and wait for it."""
        target = self.contracts[contract]
        data = target.encode_abi(function, args=list(args))
        receipt = self.sender.transact({"to": target.address, "data": data}, what)
        return _anchored(receipt)


def _anchored(item: Mapping[str, Any]) -> Anchored:
    """Where a receipt or a log landed."""
    return Anchored(
        _hex(item["transactionHash"]), int(item["blockNumber"]), _hex(item["blockHash"])
    )


def _event_topic(contract: Contract, name: str) -> str:
    return _hex(event_topic(contract.events[name].abi))
