"""The two registries' governance, as :class:`carbonledger.services.governance.GovernanceService`
reads and relays it: proposals and approvals as typed values, an admin's transaction encoded,
dry-run and priced for the admin to sign, and a transaction the admin signed broadcast and
read back as the registry's events.

It signs nothing: every transaction it prepares or relays is an admin's own, from its
account. The registries are named as on the API (``members``, ``standards``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, TimeExhausted, Web3Exception
from web3.logs import DISCARD

from carbonledger.chain.admin import refusal
from carbonledger.chain.errors import ChainError, ChainRefused

#: registry name on the API -> contract name in the deployment
REGISTRIES = {"members": "MemberRegistry", "standards": "StandardRegistry"}


class EstimateFailed(ChainError):
    """The node could not estimate a transaction for a reason other than the contract's
    (e.g. an account without gas money)."""


@dataclass(frozen=True)
class Proposal:
    """One proposal of either registry (``proposalOf``, ``approvalsOf``, ``hasApproved``).

    ``action`` and ``status`` are the contract's enum values; the fields a registry's
    proposals do not have stay at their zero value."""

    proposal_id: int
    action: int
    status: int
    proposer: str
    expires_at: int
    approvals: int
    approved_by_caller: bool
    # MemberRegistry
    account: str = ""
    roles: int = 0
    quorum: int = 0
    name: str = ""
    # StandardRegistry
    version: int = 0
    content_hash: bytes = b""


@dataclass(frozen=True)
class DraftTransaction:
    """An admin's transaction, encoded and dry-run: what it signs. ``gas`` is the node's
    estimate as drafted; the service raises it by its margin before handing it out."""

    chain_id: int
    sender: str
    to: str
    data: str
    nonce: int
    gas: int
    gas_price: int
    description: str
    value: int = 0


@dataclass(frozen=True)
class RegistryEvent:
    name: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class RelayedReceipt:
    """The receipt of a relayed transaction, with the registry's events decoded (grouped by
    event in the ABI's order)."""

    tx_hash: str
    block_number: int
    succeeded: bool
    events: list[RegistryEvent] = field(default_factory=list)


class RegistryGovernance:
    """The MemberRegistry and the StandardRegistry of one deployment, over web3."""

    def __init__(self, w3: Web3, contracts: Mapping[str, Contract]) -> None:
        self.w3 = w3
        self.registries = {key: contracts[name] for key, name in REGISTRIES.items()}

    # --- reads ---
    def registry_addresses(self) -> dict[str, str]:
        return {key: str(c.address) for key, c in self.registries.items()}

    def admin_quorum(self) -> int:
        return int(self.registries["members"].functions.adminQuorum().call())

    def admin_count(self) -> int:
        return int(self.registries["members"].functions.adminCount().call())

    def latest_timestamp(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def standard_version_of(self, content_hash: bytes) -> int:
        """``versionByContent``: 0 while not published."""
        registry = self.registries["standards"]
        return int(registry.functions.versionByContent(content_hash).call())

    def proposal_count(self, registry: str) -> int:
        return int(self.registries[registry].functions.proposalCount().call())

    def approvals_of(self, registry: str, proposal_id: int) -> int:
        return int(self.registries[registry].functions.approvalsOf(proposal_id).call())

    def proposal(self, registry: str, proposal_id: int, caller: str) -> Proposal:
        contract = self.registries[registry]
        p = contract.functions.proposalOf(proposal_id).call()
        approvals = self.approvals_of(registry, proposal_id)
        mine = bool(contract.functions.hasApproved(proposal_id, caller).call())
        extra: dict[str, Any]
        if registry == "members":
            action, status, proposer, expires_at, account, _key, roles, quorum, _id, name = p
            extra = {
                "account": str(account),
                "roles": int(roles),
                "quorum": int(quorum),
                "name": str(name),
            }
        else:
            action, status, version, _effective, expires_at, proposer, content_hash = p
            extra = {"version": int(version), "content_hash": bytes(content_hash)}
        return Proposal(
            proposal_id,
            int(action),
            int(status),
            str(proposer),
            int(expires_at),
            approvals,
            mine,
            **extra,
        )

    # --- an admin's transaction ---
    def draft(
        self, sender: str, registry: str, function: str, args: Sequence[Any], what: str
    ) -> DraftTransaction:
        """``function(args)`` of ``registry`` from ``sender``, encoded and dry-run.

        :class:`ChainRefused` with the contract's error (and its values) when the chain would
        refuse it; :class:`EstimateFailed` when the node cannot estimate it otherwise."""
        contract = self.registries[registry]
        tx: dict[str, Any] = {
            "from": to_checksum_address(sender),
            "to": contract.address,
            "data": contract.encode_abi(function, args=list(args)),
        }
        try:
            estimate = int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]
        except ContractLogicError as exc:
            raise ChainRefused(what, refusal(contract, exc)) from None
        except (Web3Exception, ValueError) as exc:
            raise EstimateFailed(str(exc)) from None
        return DraftTransaction(
            chain_id=int(self.w3.eth.chain_id),
            sender=tx["from"],
            to=tx["to"],
            data=tx["data"],
            nonce=int(self.w3.eth.get_transaction_count(tx["from"], "pending")),
            gas=estimate,
            gas_price=int(self.w3.eth.gas_price),
            description=what,
        )

    def send_raw(self, registry: str, raw: bytes) -> RelayedReceipt:
        """Broadcast a signed transaction to ``registry`` and wait for its receipt.

        :class:`ChainError` when the node refuses it or it is not mined in time."""
        tx_hash = HexBytes(b"")
        try:
            tx_hash = self.w3.eth.send_raw_transaction(raw)
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=120, poll_latency=0.05
            )
        except TimeExhausted:
            shown = "0x" + bytes(tx_hash).hex()
            raise ChainError(f"transaction {shown} was not mined in time") from None
        except (Web3Exception, ValueError) as exc:
            raise ChainError(f"the node refused the transaction: {exc}") from None
        events = (
            [
                RegistryEvent(str(log["event"]), dict(log["args"]))
                for event in self.registries[registry].all_events()
                for log in event.process_receipt(receipt, errors=DISCARD)
            ]
            if receipt["status"] == 1
            else []
        )
        return RelayedReceipt(
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            succeeded=receipt["status"] == 1,
            events=events,
        )
