"""The ports of the claim pipeline: the chain and the claims store, as the services see them.

:class:`carbonledger.chain.gateway.LedgerGateway` (JSON-RPC to the contracts) and
:class:`carbonledger.store.claims.ClaimStore` (SQLAlchemy) are the production adapters;
``tests/support/fakes.py`` holds an in-memory fake of each, with which ``tests/services/``
run the pipeline (accept, refuse, outbox, anchoring rounds, crash recovery, reconciliation)
without a node or a database. The value types (:class:`MemberState`, :class:`Anchored` ...)
are the gateway's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from carbonledger.chain.gateway import (
    Anchored,
    BatchOutcome,
    ClaimState,
    MemberState,
    PartyState,
    RecordedTarget,
    SettlementState,
)
from carbonledger.chain.governance import (
    REGISTRIES,
    DraftTransaction,
    EstimateFailed,
    Proposal,
    RelayedReceipt,
)
from carbonledger.overlaps import ShipmentEmissions
from carbonledger.reports.periods import PeriodTotals
from carbonledger.store.claims import (
    ANCHORED,
    CHECKED,
    STATES,
    ClaimFilter,
    ClaimRow,
    SubmissionReads,
)
from carbonledger.store.shipments import Read
from carbonledger.vocab import Claim, Domain

__all__ = [
    "ANCHORED",
    "CHECKED",
    "REGISTRIES",
    "STATES",
    "ClaimFilter",
    "ClaimRow",
    "ClaimStorePort",
    "DraftTransaction",
    "EstimateFailed",
    "GovernancePort",
    "LedgerPort",
    "Proposal",
    "RecordedTarget",
    "RegistryView",
    "RelayedReceipt",
    "TargetRegistryPort",
]


class RegistryView(Protocol):
    """The registries' reads a claim request makes: the chain's (:class:`LedgerPort`), or a
    :class:`carbonledger.services.members.RegistryState` that keeps them until either
    registry logs an event."""

    def member_state(self, account: str) -> MemberState: ...

    def standard_version_of(self, content_hash: bytes) -> int: ...

    def standard_status(self, version: int) -> tuple[int, int]: ...


class LedgerPort(Protocol):
    """The contracts, as the services read them and relay to them."""

    @property
    def service_address(self) -> str: ...

    def domain(self) -> Domain: ...

    def member_state(self, account: str) -> MemberState: ...

    def has_role(self, account: str, role: int) -> bool: ...

    def nonce(self, account: str) -> int: ...

    def standard_version_of(self, content_hash: bytes) -> int: ...

    def standard_status(self, version: int) -> tuple[int, int]: ...

    def claim_state(self, claim_id: bytes) -> ClaimState: ...

    def claim_states(self, claim_ids: Sequence[bytes]) -> list[ClaimState]: ...

    def claim_state_and_nonce(self, claim_id: bytes, account: str) -> tuple[ClaimState, int]: ...

    # --- blocks and events ---
    def head(self) -> int: ...

    def block_hashes(self, numbers: Sequence[int]) -> dict[int, str | None]: ...

    def find_submission(self, claim_id: bytes) -> Anchored | None: ...

    def find_check(self, claim_id: bytes) -> Anchored | None: ...

    # --- the relayer's transactions ---
    def gas_price(self) -> int: ...

    def block_gas_limit(self) -> int: ...

    def send_claims(
        self, items: Sequence[tuple[Claim, bytes]], gas_price: int | None = None
    ) -> Any: ...

    def send_claims_many(
        self,
        batches: Sequence[Sequence[tuple[Claim | bytes, bytes]]],
        gas_price: int | None = None,
    ) -> list[Any]: ...

    def claims_outcomes(self, tx_hashes: Sequence[Any]) -> Iterator[BatchOutcome]: ...

    def send_checks_many(
        self, batches: Sequence[Sequence[tuple[bytes, bool, bytes]]]
    ) -> list[Any]: ...

    def checks_outcomes(self, tx_hashes: Sequence[Any]) -> list[Anchored | None]: ...

    def record_checks(self, results: Sequence[tuple[bytes, bool, bytes]]) -> Anchored: ...

    def relay(self, contract: str, function: str, args: Sequence[Any], what: str) -> Anchored: ...

    def relay_many(
        self,
        contract: str,
        function: str,
        args: Sequence[Sequence[Any]],
        gas: int | None,
        what: str,
    ) -> list[Anchored | None]: ...

    def resync(self) -> None: ...

    def heal_gap(self) -> None: ...

    # --- OverlapSettlement ---
    def settlement_domain(self) -> Domain: ...

    def settlement_nonce(self, account: str) -> int: ...

    def settlement_state(self, settlement_id: bytes) -> SettlementState: ...

    def party_state(self, settlement_id: bytes, party: str) -> PartyState: ...

    def settlement_positions(
        self, settlements: Sequence[tuple[bytes, Sequence[str]]]
    ) -> list[tuple[SettlementState, list[PartyState]]]: ...


class TargetRegistryPort(Protocol):
    """The TargetRegistry, as :class:`carbonledger.services.targets.TargetService` reads it."""

    def target_domain(self) -> Domain: ...

    def target_nonce(self, firm: str) -> int: ...

    def targets_of(self, firm: str) -> list[RecordedTarget]: ...


class GovernancePort(Protocol):
    """The MemberRegistry and the StandardRegistry (named ``members`` and ``standards``), as
    :class:`carbonledger.services.governance.GovernanceService` reads them and relays an
    admin's own transactions to them (:mod:`carbonledger.chain.governance`)."""

    def registry_addresses(self) -> dict[str, str]: ...

    def admin_quorum(self) -> int: ...

    def admin_count(self) -> int: ...

    def latest_timestamp(self) -> int: ...

    def standard_version_of(self, content_hash: bytes) -> int: ...

    def proposal_count(self, registry: str) -> int: ...

    def approvals_of(self, registry: str, proposal_id: int) -> int: ...

    def proposal(self, registry: str, proposal_id: int, caller: str) -> Proposal: ...

    def draft(
        self, sender: str, registry: str, function: str, args: Sequence[Any], what: str
    ) -> DraftTransaction: ...

    def send_raw(self, registry: str, raw: bytes) -> RelayedReceipt: ...


class ShipmentRecords(Protocol):
    """Where the claim service writes what each footprint it accepts counts per shipment ref
    (:class:`carbonledger.store.shipments.ShipmentIndex`)."""

    def record_in(self, conn: Any, read: Sequence[Read]) -> None: ...


class ShipmentIndexPort(ShipmentRecords, Protocol):
    """The shipment index as the overlap finder reads and fills it (see
    :mod:`carbonledger.store.shipments`)."""

    def unread(self, limit: int, after: int = 0) -> list[tuple[int, str, str]]: ...

    def newest_seq(self) -> int: ...

    def record(self, read: Sequence[Read]) -> None: ...

    def pairs(self, firm: str, partner: str | None = None) -> list[tuple[str, str]]: ...

    def emissions(self, claim_ids: Iterable[str]) -> dict[str, ShipmentEmissions]: ...


class PeriodTotalsPort(Protocol):
    """A firm's footprints summed per reporting period (see
    :mod:`carbonledger.store.period_totals`)."""

    def period_totals(self, firm: str) -> tuple[list[PeriodTotals], int]: ...


class ClaimStorePort(Protocol):
    """The claims table and its outbox (see :mod:`carbonledger.store.claims`)."""

    def transaction(self) -> AbstractContextManager[Any]: ...

    def add_many(self, values: Sequence[dict[str, Any]], conn: Any) -> list[ClaimRow | None]: ...

    def stored_ids(self, claim_ids: Sequence[str]) -> set[str]: ...

    def get(self, claim_id: str) -> ClaimRow | None: ...

    def max_nonce(self, firm: str) -> int | None: ...

    def submission_reads(self, claim_id: str, firm: str) -> SubmissionReads: ...

    def earlier_of_firm(self, firm: str, nonce: int) -> list[ClaimRow]: ...

    def in_state(self, state: str, limit: int) -> list[ClaimRow]: ...

    def firm_backlog(self, firm: str, exact_from: int) -> int: ...

    def count_in_state(self, state: str) -> int: ...

    def wait_for_work(self, timeout: float, kicked: threading.Event) -> bool: ...

    def stop_listening(self) -> None: ...

    def mark_anchored(
        self, claim_ids: Iterable[str], where: Anchored, conn: Any = None
    ) -> None: ...

    def mark_round_anchored(
        self, landed: Sequence[tuple[Sequence[str], Anchored]], conn: Any
    ) -> None: ...

    def mark_checked(self, claim_ids: Iterable[str], where: Anchored, conn: Any = None) -> None: ...

    def mark_refused(self, claim_id: str, error: str) -> None: ...

    def reset_to_accepted(self, claim_ids: Iterable[str]) -> None: ...

    def reset_to_anchored(self, claim_ids: Iterable[str]) -> None: ...

    def anchored_since(self, block: int) -> list[ClaimRow]: ...

    def newest_block(self) -> int: ...

    def search(self, where: ClaimFilter, offset: int, limit: int) -> tuple[int, list[ClaimRow]]: ...

    def count_and_pages(
        self, where: ClaimFilter, size: int
    ) -> tuple[int, Iterator[list[ClaimRow]]]: ...

    def of_ids(self, claim_ids: Sequence[str]) -> list[ClaimRow]: ...
