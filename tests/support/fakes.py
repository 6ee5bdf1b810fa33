"""In-memory fakes of the claim pipeline's ports (:mod:`carbonledger.services.ports`).

:class:`FakeLedger` keeps the ClaimLedger's state in dictionaries and applies its submission
rules (deadline, active firm with the firm role, the firm's current signing key under the
contracts' recovery rules, nonce order, one record per claim id, a published standard) in a
tolerant batch as ``trySubmitClaims`` does; each transaction is a block with its own hash.
:meth:`FakeLedger.rewind` drops blocks as a chain restarted from an older snapshot does, and
``crash_after_send`` makes the next receipt read fail after the chain recorded the batch.
:class:`InMemoryClaimStore` is the claims table with the same semantics as the SQL one.
:class:`FakeRegistries` holds the two registries' proposals and approvals as governance
reads them, refuses a second approval by the same admin as the registries do, and answers a
relayed transaction with the receipt a test queued.
Neither is a chain or a database: the end-to-end tests on anvil stay the proof.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from carbonledger.chain.errors import ChainError, ChainRefused
from carbonledger.chain.gateway import (
    Anchored,
    BatchOutcome,
    ClaimState,
    MemberState,
    PartyState,
    SettlementState,
)
from carbonledger.chain.governance import (
    DraftTransaction,
    EstimateFailed,
    Proposal,
    RelayedReceipt,
)
from carbonledger.chain.sender import TransactionFailed
from carbonledger.overlaps import ShipmentEmissions
from carbonledger.reports.periods import PeriodTotals, in_force_by_period
from carbonledger.store.claims import (
    ACCEPTED,
    ANCHORED,
    CHECKED,
    REFUSED,
    ClaimFilter,
    ClaimRow,
    SubmissionReads,
    anchored,
    back_to_accepted,
    back_to_anchored,
    checked,
    turns,
    unset,
)
from carbonledger.store.events import CLAIM_ENDED, EventLog
from carbonledger.store.shipments import Read
from carbonledger.vocab import (
    CHECK_NAMES,
    CLAIM_STATUS_NAMES,
    FIRM_ROLE,
    VERDICT_NAMES,
    ZERO32,
    ZERO_ADDRESS,
    Claim,
    Domain,
    claim_ledger_domain,
    overlap_settlement_domain,
    recover_checksummed,
)


def error(signature: str) -> bytes:
    """A custom error's selector (its arguments are left out: the service reads the name)."""
    return keccak(text=signature)[:4]


@dataclass
class _Record:
    firm: str
    kind: int
    version: int
    nonce: int
    where: Anchored
    status: int = 1  # active
    check: int = 0
    checked_at: Anchored | None = None


@dataclass
class FakeLedger:
    """See the module docstring."""

    clock: Callable[[], float]
    chain_id: int = 31337
    ledger_address: str = "0x" + "c1" * 20
    settlement_address: str = "0x" + "5e" * 20
    service_address: str = "0x" + "a5" * 20
    members: dict[str, MemberState] = field(default_factory=dict)
    versions: dict[bytes, int] = field(default_factory=dict)
    records: dict[bytes, _Record] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=lambda: ["0x" + "00" * 32])
    #: when set, every call raises (the node does not answer)
    down: bool = False
    #: when set, the next receipt read raises after the chain recorded the batch
    crash_after_send: bool = False
    sent: list[int] = field(default_factory=list)  # claims per trySubmitClaims
    #: what a block holds, and the gas a claim's transaction reports per claim (0: none, as a
    #: node that reports no gas)
    gas_limit: int = 30_000_000
    gas_per_claim: int = 0
    _outcomes: dict[str, BatchOutcome] = field(default_factory=dict)
    _checks: dict[str, Anchored | None] = field(default_factory=dict)
    _sent_checks: Iterator[int] = field(default_factory=itertools.count)
    _fork: int = 0
    _tx: Iterator[int] = field(default_factory=itertools.count)

    # --- set-up, as the consortium's admins would ---
    def admit(self, account: str, signing_key: str, roles: int = FIRM_ROLE) -> None:
        account = to_checksum_address(account)
        self.members[account] = MemberState(
            account, to_checksum_address(signing_key), roles, "active"
        )

    def suspend(self, account: str) -> None:
        state = self.members[to_checksum_address(account)]
        self.members[state.account] = dataclasses.replace(state, status="suspended")

    def publish(self, content_hash: bytes) -> int:
        self.versions[content_hash] = len(self.versions) + 1
        return self.versions[content_hash]

    def rewind(self, to_block: int) -> None:
        """Lose every block after ``to_block`` (a node restarted from an older snapshot)."""
        self._fork += 1
        del self.blocks[to_block + 1 :]
        for claim_id, record in list(self.records.items()):
            if record.where.block_number > to_block:
                del self.records[claim_id]
            elif record.checked_at is not None and record.checked_at.block_number > to_block:
                record.check, record.checked_at = 0, None

    # --- plumbing ---
    def _up(self) -> None:
        if self.down:
            raise ChainError("the node does not answer (fake)")

    def _mine(self) -> Anchored:
        number = len(self.blocks)
        block_hash = "0x" + keccak(text=f"block {number} fork {self._fork}").hex()
        self.blocks.append(block_hash)
        tx_hash = "0x" + keccak(text=f"tx {next(self._tx)}").hex()
        return Anchored(tx_hash, number, block_hash)

    # --- reads ---
    def domain(self) -> Domain:
        return claim_ledger_domain(self.chain_id, self.ledger_address)

    def settlement_domain(self) -> Domain:
        return overlap_settlement_domain(self.chain_id, self.settlement_address)

    def member_state(self, account: str) -> MemberState:
        self._up()
        account = to_checksum_address(account)
        return self.members.get(account, MemberState(account, ZERO_ADDRESS, 0, "none"))

    def has_role(self, account: str, role: int) -> bool:
        return bool(self.member_state(account).roles & role)

    def member_records(
        self, accounts: Sequence[str]
    ) -> list[tuple[str, str, int, bytes, str] | None]:
        states = [(a, self.member_state(a)) for a in accounts]
        return [
            None
            if state.status == "none"
            else (state.signing_key, state.status, state.roles, b"\x00" * 32, f"member {a}")
            for a, state in states
        ]

    def nonce(self, account: str) -> int:
        self._up()
        account = to_checksum_address(account)
        used = [r.nonce for r in self.records.values() if r.firm == account]
        return max(used) + 1 if used else 0

    def standard_version_of(self, content_hash: bytes) -> int:
        self._up()
        return self.versions.get(content_hash, 0)

    def standard_status(self, version: int) -> tuple[int, int]:
        return (1, 0) if version in self.versions.values() else (0, 0)

    def claim_state(self, claim_id: bytes) -> ClaimState:
        self._up()
        record = self.records.get(claim_id)
        if record is None:
            return ClaimState(claim_id, ZERO_ADDRESS, 0, "none", "none", "none", 0)
        return ClaimState(
            claim_id,
            record.firm,
            record.kind,
            CLAIM_STATUS_NAMES[record.status],
            CHECK_NAMES[record.check],
            VERDICT_NAMES[0],
            record.version,
        )

    def claim_states(self, claim_ids: Sequence[bytes]) -> list[ClaimState]:
        return [self.claim_state(c) for c in claim_ids]

    def claim_state_and_nonce(self, claim_id: bytes, account: str) -> tuple[ClaimState, int]:
        return self.claim_state(claim_id), self.nonce(account)

    def head(self) -> int:
        self._up()
        return len(self.blocks) - 1

    def block_hashes(self, numbers: Sequence[int]) -> dict[int, str | None]:
        self._up()
        return {n: self.blocks[n] if n < len(self.blocks) else None for n in numbers}

    def find_submission(self, claim_id: bytes) -> Anchored | None:
        record = self.records.get(claim_id)
        return None if record is None else record.where

    def find_check(self, claim_id: bytes) -> Anchored | None:
        record = self.records.get(claim_id)
        return None if record is None else record.checked_at

    # --- transactions ---
    def gas_price(self) -> int:
        self._up()
        return 1

    def block_gas_limit(self) -> int:
        self._up()
        return self.gas_limit

    def resync(self) -> None:
        pass

    def heal_gap(self) -> None:
        pass

    def _refusal(self, claim: Claim, signature: bytes) -> bytes | None:
        """The contract's refusal of one item, in its order of checks; None to record it."""
        firm = to_checksum_address(claim.firm)
        state = self.members.get(firm)
        if claim.deadline < self.clock():
            return error("ClaimLedgerExpiredSignature(uint256)")
        if state is None or state.status != "active":
            return error("ClaimLedgerInactiveFirm(address)")
        if not state.roles & FIRM_ROLE:
            return error("ClaimLedgerMissingRole(address,uint8)")
        if recover_checksummed(claim.digest(self.domain()), signature) != state.signing_key:
            return error("ClaimLedgerInvalidSignature(address,address)")
        expected = self.nonce(firm)
        if claim.nonce < expected:
            return error("ClaimLedgerNonceAlreadyUsed(address,uint256)")
        if claim.nonce > expected:
            return error("ClaimLedgerNonceOutOfOrder(address,uint256,uint256)")
        if claim.claim_id in self.records:
            return error("ClaimLedgerDuplicateClaim(bytes32)")
        if claim.standard_version not in self.versions.values():
            return error("ClaimLedgerUnknownStandard(uint16)")
        return None

    def send_claims(
        self, items: Sequence[tuple[Claim, bytes]], gas_price: int | None = None
    ) -> str:
        """``trySubmitClaims``: one block; each item recorded or refused on its own."""
        self._up()
        where = self._mine()
        failed: dict[int, bytes] = {}
        for i, (claim, signature) in enumerate(items):
            refusal = self._refusal(claim, signature)
            if refusal is not None:
                failed[i] = refusal
                continue
            self.records[claim.claim_id] = _Record(
                to_checksum_address(claim.firm),
                int(claim.kind),
                claim.standard_version,
                claim.nonce,
                where,
            )
        self.sent.append(len(items))
        self._outcomes[where.tx_hash] = BatchOutcome(
            anchored=where, failed=failed, gas_used=self.gas_per_claim * len(items)
        )
        return where.tx_hash

    def send_claims_many(
        self,
        batches: Sequence[Sequence[tuple[Claim | bytes, bytes]]],
        gas_price: int | None = None,
    ) -> list[str]:
        """Claims given as their words (as the worker relays them) are read back from them."""
        return [
            self.send_claims(
                [(c if isinstance(c, Claim) else Claim.from_words(c), s) for c, s in items],
                gas_price,
            )
            for items in batches
        ]

    def claims_outcomes(self, tx_hashes: Sequence[str]) -> Iterator[BatchOutcome]:
        for tx_hash in tx_hashes:
            if self.crash_after_send:
                self.crash_after_send = False
                raise ChainError("connection lost while reading receipts (fake)")
            yield self._outcomes[tx_hash]

    def record_checks(self, results: Sequence[tuple[bytes, bool, bytes]]) -> Anchored:
        self._up()
        if any(claim_id not in self.records for claim_id, _, _ in results):
            raise TransactionFailed("recording checks reverted (fake): unknown claim")
        where = self._mine()
        for claim_id, passed, _report in results:
            record = self.records[claim_id]
            record.check, record.checked_at = (1 if passed else 2), where
        return where

    def send_checks_many(self, batches: Sequence[Sequence[tuple[bytes, bool, bytes]]]) -> list[str]:
        """Each batch as :meth:`record_checks` records it; a refused one leaves no block."""
        hashes = []
        for results in batches:
            tx_hash = f"0xchecks{next(self._sent_checks)}"
            try:
                self._checks[tx_hash] = self.record_checks(results)
            except TransactionFailed:
                self._checks[tx_hash] = None
            hashes.append(tx_hash)
        return hashes

    def checks_outcomes(self, tx_hashes: Sequence[str]) -> list[Anchored | None]:
        return [self._checks[tx_hash] for tx_hash in tx_hashes]

    def relay(self, contract: str, function: str, args: Sequence[Any], what: str) -> Anchored:
        raise ChainRefused(what, f"{contract}.{function} is not emulated by the fake")

    def relay_many(
        self,
        contract: str,
        function: str,
        args: Sequence[Sequence[Any]],
        gas: int | None,
        what: str,
    ) -> list[Anchored | None]:
        raise ChainRefused(what, f"{contract}.{function} is not emulated by the fake")

    # --- OverlapSettlement: no settlements on this fake chain ---
    def settlement_nonce(self, account: str) -> int:
        return 0

    def settlement_state(self, settlement_id: bytes) -> SettlementState:
        return SettlementState("none", 0, 0, False, False, 0)

    def party_state(self, settlement_id: bytes, party: str) -> PartyState:
        return PartyState(0, False, 0, 0, 0, ZERO32)

    def settlement_positions(
        self, settlements: Sequence[tuple[bytes, Sequence[str]]]
    ) -> list[tuple[SettlementState, list[PartyState]]]:
        return [
            (self.settlement_state(sid), [self.party_state(sid, p) for p in parties])
            for sid, parties in settlements
        ]


class InMemoryClaimStore:
    """The claims table in a dict, with :class:`carbonledger.store.claims.ClaimStore`'s
    semantics (one row per claim id, ``seq`` in acceptance order, all-or-nothing
    transactions)."""

    def __init__(self) -> None:
        self.rows: dict[str, ClaimRow] = {}
        self._seq = itertools.count(1)
        self._staged: list[ClaimRow] = []
        #: how often the worker waited for work (an idle round)
        self.waits = 0
        #: how often the worker let go of its wake-up (it stopped, or lost its lock)
        self.stopped_listening = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """No connection to hand out (the vault beside it writes on its own); the rows added
        in the block are kept only when it ends without an error."""
        self._staged = []
        try:
            yield None
            for row in self._staged:
                self.rows[row.claim_id] = row
        finally:
            self._staged = []

    def add_many(self, values: Sequence[dict[str, Any]], conn: Any) -> list[ClaimRow | None]:
        staged = self._staged
        out: list[ClaimRow | None] = []
        queued = [r for r in [*self.rows.values(), *staged] if r.state == ACCEPTED]
        head = min((r.turn for r in queued if r.turn is not None), default=None)
        if head is None:  # none waits: past every place given so far, as the real store
            head = max((r.seq for r in [*self.rows.values(), *staged]), default=0)
        last: dict[str, int | None] = {}
        for r in queued:
            last[r.firm] = max(last.get(r.firm) or 0, r.turn or 0)
        places = turns([str(item["firm"]) for item in values], head, last)
        for item, place in zip(values, places, strict=True):
            taken = item["claim_id"] in self.rows or any(
                r.claim_id == item["claim_id"] for r in staged
            )
            # the real store's unique index: one live row per (firm, nonce)
            taken = taken or any(
                r.firm == item["firm"] and r.nonce == item["nonce"] and r.state != REFUSED
                for r in [*self.rows.values(), *staged]
            )
            if taken:
                out.append(None)
                continue
            row = ClaimRow(
                seq=next(self._seq),
                **{**unset(), **item, "state": ACCEPTED, "accepted_at": "t", "updated_at": "t",
                   "turn": place},
            )  # fmt: skip
            staged.append(row)
            out.append(row)
        return out

    def _ordered(self, keep: Callable[[ClaimRow], bool] = lambda _: True) -> list[ClaimRow]:
        return sorted((r for r in self.rows.values() if keep(r)), key=lambda r: r.seq)

    def stored_ids(self, claim_ids: Sequence[str]) -> set[str]:
        return {c for c in claim_ids if c in self.rows}

    def get(self, claim_id: str) -> ClaimRow | None:
        return self.rows.get(claim_id)

    def max_nonce(self, firm: str) -> int | None:
        nonces = [r.nonce for r in self._ordered(lambda r: r.firm == firm and r.state != REFUSED)]
        return max(nonces) if nonces else None

    def submission_reads(self, claim_id: str, firm: str) -> SubmissionReads:
        return SubmissionReads(
            claim_id in self.rows, self.max_nonce(firm), self.firm_backlog(firm, 0)
        )

    def earlier_of_firm(self, firm: str, nonce: int) -> list[ClaimRow]:
        return self._ordered(lambda r: r.firm == firm and r.nonce < nonce and r.state != REFUSED)

    def in_state(self, state: str, limit: int) -> list[ClaimRow]:
        rows = self._ordered(lambda r: r.state == state)
        if state == ACCEPTED:  # the anchoring queue's order
            rows.sort(key=lambda r: (r.turn or 0, r.seq))
        return rows[:limit]

    def firm_backlog(self, firm: str, exact_from: int) -> int:
        return len(self._ordered(lambda r: r.firm == firm and r.state == ACCEPTED))

    def count_in_state(self, state: str) -> int:
        return len(self._ordered(lambda r: r.state == state))

    def wait_for_work(self, timeout: float, kicked: threading.Event) -> bool:
        """One process: only a kick wakes the worker (as on SQLite)."""
        self.waits += 1
        return kicked.wait(timeout)

    def stop_listening(self) -> None:
        self.stopped_listening += 1

    def _set(self, claim_ids: Iterable[str], **values: Any) -> None:
        for claim_id in claim_ids:
            if claim_id in self.rows:
                self.rows[claim_id] = dataclasses.replace(self.rows[claim_id], **values)

    # each step writes what the SQL store's does (``carbonledger.store.claims``' step values)
    def mark_anchored(self, claim_ids: Iterable[str], where: Anchored, conn: Any = None) -> None:
        self._set(claim_ids, **anchored(where))

    def mark_round_anchored(
        self, landed: Sequence[tuple[Sequence[str], Anchored]], conn: Any
    ) -> None:
        for claim_ids, where in landed:
            self._set(claim_ids, **anchored(where))

    def mark_checked(self, claim_ids: Iterable[str], where: Anchored, conn: Any = None) -> None:
        self._set(claim_ids, **checked(where))

    def mark_refused(self, claim_id: str, error: str) -> None:
        self._set([claim_id], state=REFUSED, error=error)

    def reset_to_accepted(self, claim_ids: Iterable[str]) -> None:
        self._set(claim_ids, **back_to_accepted())

    def reset_to_anchored(self, claim_ids: Iterable[str]) -> None:
        self._set(claim_ids, **back_to_anchored())

    def anchored_since(self, block: int) -> list[ClaimRow]:
        return self._ordered(
            lambda r: (
                r.state in (ANCHORED, CHECKED)
                and ((r.block_number or -1) >= block or (r.check_block_number or -1) >= block)
            )
        )

    def newest_block(self) -> int:
        return max(
            (r.check_block_number or r.block_number or 0 for r in self.rows.values()), default=0
        )

    def search(self, where: ClaimFilter, offset: int, limit: int) -> tuple[int, list[ClaimRow]]:
        def keep(r: ClaimRow) -> bool:
            return (
                (not where.firm or r.firm == where.firm)
                and (not where.kind or r.kind == where.kind)
                and (not where.state or r.state == where.state)
                and (where.period_start is None or r.period_end > where.period_start)
                and (where.period_end is None or r.period_start < where.period_end)
            )

        rows = self._ordered(keep)
        if where.newest_first:
            rows.reverse()
        return len(rows), rows[offset : offset + limit]

    def count_and_pages(
        self, where: ClaimFilter, size: int
    ) -> tuple[int, Iterator[list[ClaimRow]]]:
        total, rows = self.search(where, 0, len(self.rows))  # those accepted by now
        return total, (rows[k : k + size] for k in range(0, total, size))

    def of_ids(self, claim_ids: Sequence[str]) -> list[ClaimRow]:
        return [self.rows[c] for c in claim_ids if c in self.rows]


class FakePeriodTotals:
    """:class:`~carbonledger.services.ports.PeriodTotalsPort` over an
    :class:`InMemoryClaimStore` and an event log: every passed footprint's report read and
    summed on each call (:func:`carbonledger.reports.periods.in_force_by_period`)."""

    def __init__(self, store: InMemoryClaimStore, events: EventLog) -> None:
        self.store = store
        self.events = events

    def period_totals(self, firm: str) -> tuple[list[PeriodTotals], int]:
        rows = self.store._ordered(
            lambda r: r.firm == firm and r.kind == "footprint" and r.check_passed
            and r.state != REFUSED
        )  # fmt: skip
        passed = [(r.claim_id, r.period_start, r.period_end, r.report) for r in rows]
        return in_force_by_period(passed, self.events.claims_named(CLAIM_ENDED, firm))


class FakeShipmentIndex:
    """The shipment index over an :class:`InMemoryClaimStore`, as
    :class:`~carbonledger.services.ports.ShipmentIndexPort` shows it (every claim on chain is
    in force: no events here), recording the ``after`` of each look for unread footprints."""

    def __init__(self, store: InMemoryClaimStore) -> None:
        self.store = store
        self.read: dict[str, Read] = {}
        self.looked_after: list[int] = []

    def record_in(self, conn: Any, read: Sequence[Read]) -> None:
        for r in read:
            self.read.setdefault(r.claim_id, r)

    def record(self, read: Sequence[Read]) -> None:
        self.record_in(None, read)

    def unread(self, limit: int, after: int = 0) -> list[tuple[int, str, str]]:
        self.looked_after.append(after)
        rows = self.store._ordered(
            lambda r: r.seq > after and r.kind == "footprint" and r.check_passed
            and r.state != REFUSED and r.claim_id not in self.read
        )  # fmt: skip
        return [(r.seq, r.claim_id, r.firm) for r in rows[:limit]]

    def newest_seq(self) -> int:
        return max((r.seq for r in self.store.rows.values()), default=0)

    def pairs(self, firm: str, partner: str | None = None) -> list[tuple[str, str]]:
        on_chain = self.store._ordered(lambda r: r.state in (ANCHORED, CHECKED))
        refs = {
            r.claim_id: (r, set(read.emissions.kg))
            for r in on_chain
            if (read := self.read.get(r.claim_id)) is not None and read.emissions is not None
        }  # in acceptance order
        return [
            (mine, theirs)
            for mine, (row, shared) in refs.items()
            if row.firm == firm
            for theirs, (other, their_refs) in refs.items()
            if other.firm != firm and shared & their_refs
            and partner in (None, other.firm)
        ]  # fmt: skip

    def emissions(self, claim_ids: Iterable[str]) -> dict[str, ShipmentEmissions]:
        return {
            c: e for c in claim_ids if c in self.read and (e := self.read[c].emissions) is not None
        }


#: registry name -> the prefix of its custom errors
_ERROR_PREFIX = {"members": "MemberRegistry", "standards": "StandardRegistry"}


class FakeRegistries:
    """The MemberRegistry and the StandardRegistry as :class:`~carbonledger.services.ports.
    GovernancePort` shows them: proposals a test adds, approvals by address, ``approve``
    dry-runs refused for an admin who already approved, and receipts queued by the test."""

    def __init__(self, quorum: int = 1, admins: int = 1, now: int = 1_767_225_600) -> None:
        self.quorum = quorum
        self.admins = admins
        self.now = now
        self.addresses = {
            "members": to_checksum_address("0x" + "11" * 20),
            "standards": to_checksum_address("0x" + "22" * 20),
        }
        self.proposals: dict[str, list[Proposal]] = {"members": [], "standards": []}
        self.approvers: dict[tuple[str, int], set[str]] = {}
        self.published: dict[bytes, int] = {}
        self.receipts: list[RelayedReceipt] = []
        self.relayed: list[tuple[str, bytes]] = []
        self.broke: Exception | None = None  # raised by the next estimate or broadcast

    def propose(self, registry: str, proposer: str, **fields: Any) -> int:
        """A proposal created by ``proposer`` (whose approval counts), pending by default."""
        pid = len(self.proposals[registry]) + 1
        expires_at = fields.pop("expires_at", self.now + 86_400)
        action, status = fields.pop("action"), fields.pop("status", 1)
        self.proposals[registry].append(
            Proposal(pid, action, status, proposer, expires_at, 0, False, **fields)
        )
        self.approvers[registry, pid] = {proposer.lower()}
        return pid

    def registry_addresses(self) -> dict[str, str]:
        return dict(self.addresses)

    def admin_quorum(self) -> int:
        return self.quorum

    def admin_count(self) -> int:
        return self.admins

    def latest_timestamp(self) -> int:
        return self.now

    def standard_version_of(self, content_hash: bytes) -> int:
        return self.published.get(content_hash, 0)

    def proposal_count(self, registry: str) -> int:
        return len(self.proposals[registry])

    def approvals_of(self, registry: str, proposal_id: int) -> int:
        return len(self.approvers.get((registry, proposal_id), set()))

    def proposal(self, registry: str, proposal_id: int, caller: str) -> Proposal:
        stored = self.proposals[registry][proposal_id - 1]
        return dataclasses.replace(
            stored,
            approvals=self.approvals_of(registry, proposal_id),
            approved_by_caller=caller.lower() in self.approvers[registry, proposal_id],
        )

    def draft(
        self, sender: str, registry: str, function: str, args: Sequence[Any], what: str
    ) -> DraftTransaction:
        if self.broke is not None:
            broke, self.broke = self.broke, None
            raise EstimateFailed(str(broke))
        if function == "approve" and sender.lower() in self.approvers.get((registry, args[0]), ()):
            sender = to_checksum_address(sender)
            reason = (
                f"{_ERROR_PREFIX[registry]}AlreadyApproved(proposalId={args[0]}, admin={sender})"
            )
            raise ChainRefused(what, reason)
        return DraftTransaction(
            chain_id=31337,
            sender=to_checksum_address(sender),
            to=self.addresses[registry],
            data="0x" + keccak(text=f"{function}{tuple(args)}").hex(),
            nonce=0,
            gas=100_000,
            gas_price=10**9,
            description=what,
        )

    def send_raw(self, registry: str, raw: bytes) -> RelayedReceipt:
        if self.broke is not None:
            broke, self.broke = self.broke, None
            raise ChainError(f"the node refused the transaction: {broke}")
        self.relayed.append((registry, raw))
        return self.receipts.pop(0)
