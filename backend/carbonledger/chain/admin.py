"""Admin actions on the registries, sent from an admin's own key.

An admission (or any membership change) is a proposal that needs ``adminQuorum`` approvals;
the proposer's approval counts. These helpers propose, and execute when the quorum is
reached; with a higher quorum the other admins approve (and one executes) with their keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from carbonledger.chain.sender import TxSender
from carbonledger.vocab import ROLE_BITS as ROLE_BITS  # the CLI lists the names


def role_bits(roles: list[str] | tuple[str, ...]) -> int:
    bits = 0
    for role in roles:
        bits |= ROLE_BITS[role]
    return bits


@dataclass(frozen=True)
class ProposalOutcome:
    proposal_id: int
    executed: bool


def _proposal_id(registry: Contract, receipt: TxReceipt) -> int:
    (event,) = registry.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["proposalId"])


def _execute_if_ready(sender: TxSender, registry: Contract, proposal_id: int) -> bool:
    approvals = int(registry.functions.approvalsOf(proposal_id).call())
    if approvals < int(registry.functions.adminQuorum().call()):
        return False
    data = registry.encode_abi("execute", args=[proposal_id])
    sender.transact({"to": registry.address, "data": data}, f"executing proposal {proposal_id}")
    return True


def propose_admission(
    sender: TxSender,
    registry: Contract,
    *,
    account: str,
    name: str,
    identifier_hash: bytes,
    signing_key: str | None = None,
    roles: tuple[str, ...] = ("firm",),
) -> ProposalOutcome:
    """Propose admitting ``account`` (and execute when this approval reaches the quorum)."""
    data = registry.encode_abi(
        "proposeAdmission",
        args=[
            to_checksum_address(account),
            identifier_hash,
            name,
            to_checksum_address(signing_key or account),
            role_bits(roles),
        ],
    )
    receipt = sender.transact({"to": registry.address, "data": data}, f"proposing {name}")
    proposal_id = _proposal_id(registry, receipt)
    return ProposalOutcome(proposal_id, _execute_if_ready(sender, registry, proposal_id))


def propose_about(
    sender: TxSender, registry: Contract, action: str, account: str
) -> ProposalOutcome:
    """``action`` is Removal, Suspension or Reinstatement."""
    data = registry.encode_abi(f"propose{action}", args=[to_checksum_address(account)])
    receipt = sender.transact({"to": registry.address, "data": data}, f"proposing {action}")
    proposal_id = _proposal_id(registry, receipt)
    return ProposalOutcome(proposal_id, _execute_if_ready(sender, registry, proposal_id))


def approve(sender: TxSender, registry: Contract, proposal_id: int) -> ProposalOutcome:
    data = registry.encode_abi("approve", args=[proposal_id])
    sender.transact({"to": registry.address, "data": data}, f"approving {proposal_id}")
    return ProposalOutcome(proposal_id, _execute_if_ready(sender, registry, proposal_id))


def publish_standard(
    sender: TxSender, registry: Contract, content_hash: bytes, effective_from: int = 0
) -> int:
    """Publish a standard version unless its content is already published; its number."""
    existing = int(registry.functions.versionByContent(content_hash).call())
    if existing:
        return existing
    data = registry.encode_abi("publish", args=[content_hash, effective_from])
    receipt = sender.transact({"to": registry.address, "data": data}, "publishing the standard")
    (event,) = registry.events.StandardPublished().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["version"])


class LedgerAdmin:
    """An admin's key over the deployed registries: the bootstrap's admission and
    publication, without the caller touching a contract."""

    def __init__(self, sender: TxSender, members: Contract, standards: Contract) -> None:
        self.sender = sender
        self.members = members
        self.standards = standards

    @property
    def address(self) -> str:
        return str(self.sender.address)

    def is_admin(self) -> bool:
        return bool(self.members.functions.hasRole(self.address, ROLE_BITS["admin"]).call())

    def admit(
        self, account: str, name: str, identifier_hash: bytes, roles: tuple[str, ...]
    ) -> ProposalOutcome:
        return propose_admission(
            self.sender,
            self.members,
            account=account,
            name=name,
            identifier_hash=identifier_hash,
            roles=roles,
        )

    def publish(self, content_hash: bytes) -> int:
        return publish_standard(self.sender, self.standards, content_hash)
