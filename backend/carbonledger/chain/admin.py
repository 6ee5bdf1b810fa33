"""Admin actions on the registries, sent from an admin's own key.

An admission (or any membership change) is a proposal that needs ``adminQuorum`` approvals;
the proposer's approval counts. These helpers propose, and execute when the quorum is
reached; with a higher quorum the other admins approve (and one executes) with their keys.

Publishing or retiring a standard version is a proposal of the StandardRegistry, governed by
the same admins and quorum; it executes inside the transaction whose approval reaches the
quorum (with quorum 1, the proposal's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import TxReceipt

from carbonledger.chain.errors import ChainError, ChainRefused
from carbonledger.chain.sender import TxSender
from carbonledger.vocab import ROLE_BITS as ROLE_BITS  # the CLI lists the names
from carbonledger.vocab import role_bits


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


def refusal(registry: Contract, exc: ContractLogicError) -> str:
    """The contract's custom error with its values (``Name(arg=value, ...)``), else the message."""
    data = exc.data
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""
    items: list[dict[str, Any]] = [dict(i) for i in registry.abi]
    for item in items:
        if item.get("type") != "error":
            continue
        types = [str(i["type"]) for i in item.get("inputs", [])]
        if keccak(text=f"{item['name']}({','.join(types)})")[:4] != raw[:4]:
            continue
        values = decode(types, raw[4:])
        shown = ", ".join(
            f"{i['name']}={'0x' + v.hex() if isinstance(v, bytes) else v}"
            for i, v in zip(item.get("inputs", []), values, strict=True)
        )
        return f"{item['name']}({shown})"
    return str(exc)[:200]


def _send(sender: TxSender, registry: Contract, data: str, what: str) -> TxReceipt:
    try:
        return sender.transact({"to": registry.address, "data": data}, what)
    except ContractLogicError as exc:
        raise ChainRefused(what, refusal(registry, exc)) from None


@dataclass(frozen=True)
class StandardProposal:
    """A StandardRegistry proposal: its id (None when nothing had to be proposed), whether it
    executed, and the version it is about (for a publication, the id it got once executed)."""

    proposal_id: int | None
    executed: bool
    version: int | None


def _standard_outcome(registry: Contract, receipt: TxReceipt, proposal_id: int) -> StandardProposal:
    executed = bool(registry.events.ProposalExecuted().process_receipt(receipt, errors=DISCARD))
    published = registry.events.StandardPublished().process_receipt(receipt, errors=DISCARD)
    if published:
        return StandardProposal(proposal_id, executed, int(published[0]["args"]["version"]))
    version = int(registry.functions.proposalOf(proposal_id).call()[2])
    return StandardProposal(proposal_id, executed, version or None)


def propose_publication(
    sender: TxSender, registry: Contract, content_hash: bytes, effective_from: int = 0
) -> StandardProposal:
    """Propose publishing ``content_hash`` (executed at once when this approval reaches the
    quorum). Content already published is reported with its version, not proposed again."""
    existing = int(registry.functions.versionByContent(content_hash).call())
    if existing:
        return StandardProposal(None, True, existing)
    data = registry.encode_abi("proposePublication", args=[content_hash, effective_from])
    receipt = _send(sender, registry, data, "proposing the standard")
    (event,) = registry.events.PublicationProposed().process_receipt(receipt, errors=DISCARD)
    return _standard_outcome(registry, receipt, int(event["args"]["proposalId"]))


def propose_retirement(sender: TxSender, registry: Contract, version: int) -> StandardProposal:
    """Propose retiring standard ``version`` (executed at once at quorum)."""
    data = registry.encode_abi("proposeRetirement", args=[version])
    receipt = _send(sender, registry, data, f"proposing to retire version {version}")
    (event,) = registry.events.RetirementProposed().process_receipt(receipt, errors=DISCARD)
    return _standard_outcome(registry, receipt, int(event["args"]["proposalId"]))


def approve_standard(sender: TxSender, registry: Contract, proposal_id: int) -> StandardProposal:
    """Approve a pending StandardRegistry proposal (it executes when this reaches the quorum)."""
    data = registry.encode_abi("approve", args=[proposal_id])
    receipt = _send(sender, registry, data, f"approving proposal {proposal_id}")
    return _standard_outcome(registry, receipt, proposal_id)


def publish_standard(
    sender: TxSender, registry: Contract, content_hash: bytes, effective_from: int = 0
) -> int:
    """Publish a standard version where the sender's approval alone reaches the quorum (the
    dev chain's bootstrap); its number. A quorum above 1 leaves a pending proposal: an error
    naming it, for the other admins to approve."""
    outcome = propose_publication(sender, registry, content_hash, effective_from)
    if not outcome.executed or outcome.version is None:
        raise ChainError(
            f"publication proposal {outcome.proposal_id} awaits the other admins' approvals "
            f"(`carbonledger standard approve {outcome.proposal_id}`)"
        )
    return outcome.version


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
