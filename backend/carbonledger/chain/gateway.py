"""The service's view of the ledger contracts: reads, and the relayer's transactions.

:class:`LedgerGateway` is the one place the service talks to the contracts. It holds the
service's own key (a member with the checker role; it also relays, which needs no role) and
never a firm's key: a firm's claim is relayed with the firm's signature, which the contract
checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import collapse_if_tuple, function_abi_to_4byte_selector
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import BlockIdentifier

from carbonledger.chain.artifacts import ContractArtifact, event_topic
from carbonledger.chain.errors import ChainError
from carbonledger.chain.manifest import Deployment
from carbonledger.chain.sender import TransactionFailed, TxSender
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


class _Function:
    """A contract function with its selector and ABI types worked out once: called with a
    raw ``eth_call``, or encoded as a transaction's data.

    ``contract.functions.f(...).call()`` re-validates the ABI and re-hashes the function's
    signature on every call (about 1 ms here), and ``contract.encode_abi`` runs web3's
    per-value normalizers over every argument (about 15 ms for 100 claims): the hot reads of
    the claim pipeline and the relayer's transactions go through this instead. Same call,
    same bytes, same decoding (a single output is returned bare, as web3 does).
    """

    def __init__(self, rpc: JsonRpc, contract: Contract, name: str) -> None:
        abi: list[dict[str, Any]] = [dict(i) for i in contract.abi]
        (item,) = [i for i in abi if i.get("type") == "function" and i.get("name") == name]
        self.rpc = rpc
        self.address = contract.address
        self.selector = function_abi_to_4byte_selector(item)  # type: ignore[arg-type]
        self.inputs = [collapse_if_tuple(dict(i)) for i in item.get("inputs", [])]
        self.outputs = [collapse_if_tuple(dict(o)) for o in item.get("outputs", [])]

    def encode(self, *args: Any) -> bytes:
        """The call data: selector and ABI-encoded arguments."""
        return self.selector + abi_encode(self.inputs, args)

    def request(self, *args: Any) -> dict[str, Any]:
        return {"to": self.address, "data": self.encode(*args)}

    def decode(self, raw: bytes) -> Any:
        values = abi_decode(self.outputs, bytes(raw))
        return values[0] if len(values) == 1 else values

    def __call__(self, *args: Any, block: BlockIdentifier = "latest") -> Any:
        return self.decode(self.rpc.eth_calls([self.request(*args)], block)[0])


class JsonRpc:
    """``eth_call`` over plain JSON-RPC, one call or a batch in one HTTP request.

    web3's ``eth.call`` costs about 11 ms here: its validation middleware asks the node for
    the chain id twice per call, and ``requests`` re-reads the proxy environment each time.
    Not web3's ``batch_requests`` either: it switches the shared provider into batching mode,
    which the worker's and the indexer's threads would fall into. Without an HTTP endpoint
    (another provider) the calls go through web3."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.url = getattr(w3.provider, "endpoint_uri", None)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=60)
            return self._client

    def request(self, method: str, params: Sequence[Any]) -> Any:
        """One JSON-RPC call's ``result`` (the node's JSON, unformatted); needs an HTTP
        endpoint (:attr:`url`)."""
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        answer = self._http().post(str(self.url), json=body).json()
        if "error" in answer:
            raise ChainError(f"{method} failed: {answer['error']}")
        return answer.get("result")

    def eth_calls(
        self, calls: Sequence[dict[str, Any]], block: BlockIdentifier = "latest"
    ) -> list[bytes]:
        if not self.url:
            return [bytes(self.w3.eth.call(c, block)) for c in calls]  # type: ignore[arg-type]
        tag = hex(block) if isinstance(block, int) else str(block)
        body = [
            {
                "jsonrpc": "2.0",
                "id": i,
                "method": "eth_call",
                "params": [{"to": c["to"], "data": _hex(c["data"])}, tag],
            }
            for i, c in enumerate(calls)
        ]
        answers = self._http().post(str(self.url), json=body[0] if len(body) == 1 else body).json()
        if isinstance(answers, dict):
            answers = [answers]
        by_id = {a.get("id"): a for a in answers}
        out = []
        for i in range(len(calls)):
            answer = by_id.get(i) or {}
            if "result" not in answer:
                raise ChainError(f"eth_call failed: {answer.get('error')}")
            out.append(bytes.fromhex(str(answer["result"])[2:]))
        return out


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
        registry = self.contracts["MemberRegistry"]
        self._rpc = JsonRpc(w3)
        self._member_state = _Function(self._rpc, registry, "memberState")
        self._nonces = _Function(self._rpc, ledger, "nonces")
        self._claim_of = _Function(self._rpc, ledger, "claimOf")
        self._version_by_content = _Function(
            self._rpc, self.contracts["StandardRegistry"], "versionByContent"
        )
        self._try_submit_claims = _Function(self._rpc, ledger, "trySubmitClaims")
        self._record_checks = _Function(self._rpc, ledger, "recordChecks")

    # --- reads ---
    @property
    def service_address(self) -> str:
        return str(self.sender.address)

    def domain(self) -> Domain:
        return claim_ledger_domain(self.chain_id, self.deployment.address("ClaimLedger"))

    def member_state(self, account: str, block: BlockIdentifier = "latest") -> MemberState:
        key, roles, status = self._member_state(to_checksum_address(account), block=block)
        return MemberState(
            account=to_checksum_address(account),
            signing_key=to_checksum_address(key),
            roles=int(roles),
            status=MEMBER_STATUS.get(int(status), "none"),
        )

    def nonce(self, account: str) -> int:
        return int(self._nonces(to_checksum_address(account)))

    def standard_version_of(self, content_hash: bytes) -> int:
        """The StandardRegistry version number of ``content_hash`` (0 when unpublished)."""
        return int(self._version_by_content(content_hash))

    def standard_status(self, version: int) -> tuple[int, int]:
        status, effective_from = (
            self.contracts["StandardRegistry"].functions.versionState(version).call()
        )
        return int(status), int(effective_from)

    def claim_state(self, claim_id: bytes) -> ClaimState:
        return self._claim_state(claim_id, self._claim_of(claim_id))

    def claim_states(self, claim_ids: Sequence[bytes]) -> list[ClaimState]:
        """:meth:`claim_state` of many claims, in one JSON-RPC batch."""
        if not claim_ids:
            return []
        raw = self._rpc.eth_calls([self._claim_of.request(c) for c in claim_ids])
        return [
            self._claim_state(c, self._claim_of.decode(r))
            for c, r in zip(claim_ids, raw, strict=True)
        ]

    @staticmethod
    def _claim_state(claim_id: bytes, record: Any) -> ClaimState:
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
        return self.claims_outcome(self.send_claims(items))

    def send_claims(
        self, items: Sequence[tuple[Claim, bytes]], gas_price: int | None = None
    ) -> HexBytes:
        """Send one ``trySubmitClaims`` of ``items`` without waiting; its hash."""
        data = self._try_submit_claims.encode(
            [c.as_tuple() for c, _ in items], [bytes(s) for _, s in items]
        )
        gas = 120_000 + 90_000 * len(items)
        tx: dict[str, Any] = {"to": self._try_submit_claims.address, "data": data}
        if gas_price is not None:
            tx["gasPrice"] = gas_price
        return self.sender.send(tx, gas=gas)

    def claims_outcome(self, tx_hash: HexBytes) -> BatchOutcome:
        """Wait for a ``trySubmitClaims`` sent by :meth:`send_claims`: where, which failed."""
        receipt = self._wait(tx_hash, "relaying claims")
        failed: dict[int, bytes] = {}
        failed_topic = bytes(HexBytes(self._failed_topic))
        for log in receipt["logs"]:
            if log["topics"] and bytes(log["topics"][0]) == failed_topic:
                index = int.from_bytes(bytes(log["topics"][1]), "big")
                (reason,) = abi_decode(["bytes"], bytes(log["data"]))
                failed[index] = bytes(reason)
        return BatchOutcome(anchored=_anchored(receipt), failed=failed)

    def record_checks(self, results: Sequence[tuple[bytes, bool, bytes]]) -> Anchored:
        """Record the checker's outcomes (claim id, passed, report hash) in one transaction."""
        data = self._record_checks.encode([tuple(r) for r in results])
        gas = 80_000 + 40_000 * len(results)
        tx_hash = self.sender.send({"to": self._record_checks.address, "data": data}, gas=gas)
        return _anchored(self._wait(tx_hash, "recording checks"))

    def _wait(self, tx_hash: HexBytes, what: str, timeout: float = 120) -> Mapping[str, Any]:
        """The receipt of ``tx_hash`` once mined, polled with plain JSON-RPC: web3's
        ``wait_for_transaction_receipt`` formats every field of every log (~25 ms for a
        100-claim batch). Only what the relayer reads is kept: status, where it landed,
        and the logs' topics and data. :class:`TransactionFailed` if it reverted."""
        if not self._rpc.url:
            return self.sender.wait(tx_hash, what, timeout)
        name = _hex(tx_hash)
        deadline = time.monotonic() + timeout
        while (raw := self._rpc.request("eth_getTransactionReceipt", [name])) is None:
            if time.monotonic() > deadline:
                raise ChainError(f"{what}: transaction {name} not mined after {timeout:.0f} s")
            time.sleep(0.02)
        if int(raw["status"], 16) != 1:
            raise TransactionFailed(f"{what} reverted in transaction {name}")
        return {
            "transactionHash": HexBytes(raw["transactionHash"]),
            "blockNumber": int(raw["blockNumber"], 16),
            "blockHash": HexBytes(raw["blockHash"]),
            "gasUsed": int(raw["gasUsed"], 16),
            "logs": [
                {"topics": [HexBytes(t) for t in log["topics"]], "data": HexBytes(log["data"])}
                for log in raw["logs"]
            ],
        }

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
