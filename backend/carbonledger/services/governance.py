"""The consortium's governance for clients that hold an admin's key but not a node.

Membership changes (admit, suspend, reinstate, remove, roles, quorum) and standard versions
(publish, retire) are proposals of the MemberRegistry and the StandardRegistry, each
approved by ``adminQuorum`` admins from their OWN accounts (:mod:`carbonledger.chain.admin`,
which the CLI's ``member`` and ``standard`` commands use with web3 and the admin's keystore).
The registries are read and relayed to through :class:`~carbonledger.services.ports.
GovernancePort` (:mod:`carbonledger.chain.governance` on a node); this module decides what
an admin may ask for and how the chain's answers read.

A client that holds the key but not a connection to the node (the web app: the key is
decrypted in the page and never sent) asks this service to encode and price the transaction
(:meth:`GovernanceService.prepare`: the contract's ABI stays on the server, and a call the chain
would refuse is refused before anything is signed, with the contract's error), signs it
itself, and hands back the raw signed bytes (:meth:`GovernanceService.relay`). The service
signs nothing here: a relayed transaction is the admin's own, from its account, paying its
gas; it only broadcasts transactions to the two registries, signed by the caller.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import rlp
from eth_account import Account
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak

from carbonledger.chain.errors import ChainError, ChainRefused
from carbonledger.services.errors import Conflict, InvalidRequest, NotPermitted
from carbonledger.services.ports import (
    REGISTRIES,
    DraftTransaction,
    EstimateFailed,
    GovernancePort,
    Proposal,
    RelayedReceipt,
)
from carbonledger.standard import Standard
from carbonledger.vocab import ROLE_BITS, role_bits, roles_of

MEMBER_ACTIONS = ("none", "admit", "remove", "suspend", "reinstate", "set_roles", "set_quorum")
STANDARD_ACTIONS = ("none", "publish", "retire")
#: proposals listed, newest first
PROPOSALS_SHOWN = 100


@dataclass(frozen=True)
class ProposalView:
    registry: str
    proposal_id: int
    action: str
    status: str  # pending | executed | expired
    proposer: str
    expires_at: int
    approvals: int
    approved_by_caller: bool
    account: str | None = None
    name: str | None = None
    roles: tuple[str, ...] = ()
    quorum: int | None = None
    content_hash: str | None = None
    standard_version_id: str | None = None
    onchain_version: int | None = None


@dataclass(frozen=True)
class ShippedStandard:
    version_id: str
    methodology_version: str
    content_hash: str
    onchain_version: int  # 0: not published


@dataclass(frozen=True)
class GovernanceView:
    quorum: int
    admin_count: int
    proposals: list[ProposalView]
    standards: list[ShippedStandard]
    roles: tuple[str, ...] = tuple(ROLE_BITS)


@dataclass(frozen=True)
class AdminAction:
    """One admin action, as a client asks for it (fields as the action needs them)."""

    action: str
    account: str | None = None
    name: str | None = None
    roles: tuple[str, ...] = ()
    identifier: str | None = None
    signing_key: str | None = None
    quorum: int | None = None
    registry: str = "members"
    proposal_id: int | None = None
    methodology_version: str | None = None
    onchain_version: int | None = None


@dataclass(frozen=True)
class Relayed:
    tx_hash: str
    block_number: int
    registry: str
    proposal_id: int | None
    approvals: int | None
    quorum: int
    executed: bool
    #: a MemberRegistry proposal at its quorum waits for an ``execute`` transaction
    ready_to_execute: bool
    events: list[str] = field(default_factory=list)


class GovernanceService:
    def __init__(
        self,
        chain: GovernancePort,
        standards: Sequence[Standard],
        after_change: Callable[[], object] | None = None,
        gas_margin: float = 1.2,
    ) -> None:
        self.chain = chain
        self.standards = {s.methodology_version: s for s in standards}
        self.after_change = after_change
        self.gas_margin = gas_margin

    # --- reads ---
    def overview(self, caller: str) -> GovernanceView:
        """The quorum, the latest proposals of both registries and the shipped standards."""
        quorum = self.chain.admin_quorum()
        now = self.chain.latest_timestamp()
        proposals = [
            *self._proposals("members", caller, now),
            *self._proposals("standards", caller, now),
        ]
        shipped = [
            ShippedStandard(
                s.version_id,
                s.methodology_version,
                "0x" + s.content_hash.hex(),
                self.chain.standard_version_of(s.content_hash),
            )
            for s in self.standards.values()
        ]
        return GovernanceView(
            quorum=quorum,
            admin_count=self.chain.admin_count(),
            proposals=sorted(proposals, key=lambda p: (p.status != "pending", -p.expires_at)),
            standards=shipped,
        )

    def _proposals(self, registry: str, caller: str, now: int) -> list[ProposalView]:
        count = self.chain.proposal_count(registry)
        views = []
        for pid in range(count, max(0, count - PROPOSALS_SHOWN), -1):
            p = self.chain.proposal(registry, pid, caller)
            views.append(
                self._member_view(p, now) if registry == "members" else self._standard_view(p, now)
            )
        return views

    @staticmethod
    def _status(status: int, expires_at: int, now: int) -> str:
        if status == 2:
            return "executed"
        return "expired" if now > expires_at else "pending"

    def _view(
        self, registry: str, p: Proposal, action: str, now: int, **details: Any
    ) -> ProposalView:
        """``p`` as either registry shows it: what every proposal has, then ``details``."""
        return ProposalView(
            registry=registry,
            proposal_id=p.proposal_id,
            action=action,
            status=self._status(p.status, p.expires_at, now),
            proposer=p.proposer,
            expires_at=p.expires_at,
            approvals=p.approvals,
            approved_by_caller=p.approved_by_caller,
            **details,
        )

    def _member_view(self, p: Proposal, now: int) -> ProposalView:
        kind = MEMBER_ACTIONS[p.action]
        return self._view(
            "members",
            p,
            kind,
            now,
            account=None if kind == "set_quorum" else p.account,
            name=p.name or None,
            roles=roles_of(p.roles) if kind in ("admit", "set_roles") else (),
            quorum=p.quorum if kind == "set_quorum" else None,
        )

    def _standard_view(self, p: Proposal, now: int) -> ProposalView:
        known = {s.content_hash: s.version_id for s in self.standards.values()}
        return self._view(
            "standards",
            p,
            STANDARD_ACTIONS[p.action],
            now,
            content_hash="0x" + p.content_hash.hex(),
            standard_version_id=known.get(p.content_hash),
            onchain_version=p.version or None,
        )

    # --- preparing an admin's transaction ---
    def prepare(self, sender: str, action: AdminAction) -> DraftTransaction:
        """The transaction ``sender`` signs for ``action``: encoded, priced and dry-run.

        :class:`InvalidRequest` naming the field when the action lacks one; :class:`Conflict`
        with the contract's error (and its values) when the chain would refuse it."""
        registry, function, args, what = self._call(action)
        try:
            draft = self.chain.draft(sender, registry, function, args, what)
        except ChainRefused as exc:
            raise Conflict(f"the chain would refuse {what}: {exc.reason}") from None
        except EstimateFailed as exc:  # e.g. an account without gas money
            raise Conflict(f"the node refused to estimate {what}: {exc}") from None
        return replace(draft, gas=int(draft.gas * self.gas_margin) + 20_000)

    def _call(self, a: AdminAction) -> tuple[str, str, list[Any], str]:
        if a.action == "admit":
            account = _address(a.account, "account")
            name = (a.name or "").strip()
            if not name:
                raise InvalidRequest("a name is required", [_problem("name", "required")])
            bits = _role_bits(a.roles)
            key = _address(a.signing_key, "signing_key") if a.signing_key else account
            ident = keccak(text=a.identifier or f"account:{account}")
            return (
                "members",
                "proposeAdmission",
                [account, ident, name, key, bits],
                f"admitting {name}",
            )
        if a.action in ("suspend", "reinstate", "remove"):
            account = _address(a.account, "account")
            function = {"suspend": "Suspension", "reinstate": "Reinstatement", "remove": "Removal"}
            return (
                "members",
                f"propose{function[a.action]}",
                [account],
                f"the {a.action} of {account}",
            )
        if a.action == "set_roles":
            account = _address(a.account, "account")
            return (
                "members",
                "proposeRoles",
                [account, _role_bits(a.roles)],
                f"new roles for {account}",
            )
        if a.action == "set_quorum":
            if a.quorum is None or a.quorum < 1:
                raise InvalidRequest("quorum must be 1 or more", [_problem("quorum", "at least 1")])
            return "members", "proposeQuorum", [a.quorum], f"a quorum of {a.quorum}"
        if a.action in ("approve", "execute"):
            if a.registry not in REGISTRIES:
                raise InvalidRequest(
                    f"registry must be one of {sorted(REGISTRIES)}",
                    [_problem("registry", f"unknown {a.registry!r}")],
                )
            if a.proposal_id is None or a.proposal_id < 1:
                raise InvalidRequest(
                    "proposal_id is required", [_problem("proposal_id", "at least 1")]
                )
            what = (
                f"{'approving' if a.action == 'approve' else 'executing'} proposal {a.proposal_id}"
            )
            return a.registry, a.action, [a.proposal_id], what
        if a.action == "publish_standard":
            std = self.standards.get(a.methodology_version or "")
            if std is None:
                raise InvalidRequest(
                    f"no shipped standard {a.methodology_version!r} "
                    f"(shipped: {', '.join(sorted(self.standards))})",
                    [_problem("methodology_version", "not a shipped version")],
                )
            return (
                "standards",
                "proposePublication",
                [std.content_hash, 0],
                f"publishing {std.version_id}",
            )
        if a.action == "retire_standard":
            if a.onchain_version is None or a.onchain_version < 1:
                raise InvalidRequest(
                    "onchain_version is required", [_problem("onchain_version", "at least 1")]
                )
            return (
                "standards",
                "proposeRetirement",
                [a.onchain_version],
                f"retiring version {a.onchain_version}",
            )
        raise InvalidRequest(f"unknown action {a.action!r}", [_problem("action", "unknown")])

    # --- relaying the signed transaction ---
    def relay(self, caller: str, raw_hex: str) -> Relayed:
        """Broadcast ``caller``'s signed transaction to a registry and report what it did."""
        raw = _bytes_of(raw_hex)
        to = _recipient(raw)
        try:
            signer = Account.recover_transaction(raw)
        except Exception as exc:  # eth-account raises several types for a bad signature
            raise InvalidRequest(
                f"not a signed transaction: {exc}", [_problem("raw", "bad signature")]
            ) from None
        if signer.lower() != caller.lower():
            raise NotPermitted(
                f"the transaction is signed by {signer}, not by the signed-in member {caller}"
            )
        addresses = self.chain.registry_addresses().items()
        registry = next((k for k, address in addresses if address.lower() == to), None)
        if registry is None:
            raise NotPermitted(
                "only transactions to the MemberRegistry or the StandardRegistry are relayed"
            )
        try:
            receipt = self.chain.send_raw(registry, raw)
        except ChainError as exc:  # not mined in time, or refused by the node
            raise Conflict(str(exc)) from None
        if not receipt.succeeded:
            raise Conflict(f"transaction {receipt.tx_hash} reverted")
        outcome = self._outcome(registry, receipt)
        if outcome.executed and self.after_change is not None:
            with contextlib.suppress(Exception):  # the indexer's own loop catches up anyway
                self.after_change()
        return outcome

    def _outcome(self, registry: str, receipt: RelayedReceipt) -> Relayed:
        proposal_id: int | None = None
        approvals: int | None = None
        executed = False
        for event in receipt.events:
            if "proposalId" in event.args:
                proposal_id = int(event.args["proposalId"])
            if event.name == "ProposalApproved":
                approvals = int(event.args["approvals"])
            if event.name == "ProposalExecuted":
                executed = True
        quorum = self.chain.admin_quorum()
        if proposal_id is not None and approvals is None:
            approvals = self.chain.approvals_of(registry, proposal_id)
        ready = (
            registry == "members"
            and proposal_id is not None
            and not executed
            and (approvals or 0) >= quorum
        )
        return Relayed(
            tx_hash=receipt.tx_hash,
            block_number=receipt.block_number,
            registry=registry,
            proposal_id=proposal_id,
            approvals=approvals,
            quorum=quorum,
            executed=executed,
            ready_to_execute=ready,
            events=[event.name for event in receipt.events],
        )


def _problem(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def _address(value: str | None, what: str) -> str:
    if not value or not is_address(value):
        raise InvalidRequest(
            f"{what} {value!r} is not an address", [_problem(what, "not an address")]
        )
    return to_checksum_address(value)


def _role_bits(roles: Sequence[str]) -> int:
    unknown = [r for r in roles if r not in ROLE_BITS]
    if unknown or not roles:
        raise InvalidRequest(
            f"roles: unknown role(s) {unknown or list(roles)} (known: {', '.join(ROLE_BITS)})",
            [_problem("roles", "unknown or empty")],
        )
    return role_bits(tuple(roles))


def _bytes_of(raw_hex: str) -> bytes:
    try:
        return bytes.fromhex(raw_hex.removeprefix("0x"))
    except ValueError:
        raise InvalidRequest("raw is not hex", [_problem("raw", "not hex")]) from None


def _recipient(raw: bytes) -> str:
    """The ``to`` of a legacy (RLP list) or EIP-2930/EIP-1559 (typed) transaction."""
    try:
        if raw and raw[0] >= 0xC0:
            to = rlp.decode(raw)[3]
        elif raw and raw[0] in (1, 2):
            to = rlp.decode(raw[1:])[4 if raw[0] == 1 else 5]
        else:
            raise ValueError("neither a legacy nor an EIP-2930/EIP-1559 transaction")
    except Exception as exc:  # rlp raises its own DecodingError family
        raise InvalidRequest(
            f"raw is not a transaction: {exc}", [_problem("raw", "not a transaction")]
        ) from None
    if len(to) != 20:
        raise NotPermitted("a contract creation is not relayed")
    return "0x" + bytes(to).hex()
