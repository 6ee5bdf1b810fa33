"""Read-only views of the ledger for the API: claims with their on-chain history, and the
published versions of the standard. Each joins the service's own records with the chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from carbonledger.chain.gateway import ClaimState
from carbonledger.reports.periods import PeriodTotals
from carbonledger.services.errors import NotFound
from carbonledger.services.members import MemberDirectory
from carbonledger.services.ports import ClaimStorePort, LedgerPort, PeriodTotalsPort
from carbonledger.standard import Standard
from carbonledger.store.claims import ClaimFilter, ClaimRow
from carbonledger.store.events import EventLog, EventRow
from carbonledger.vocab import (
    VERSION_STATUS_NAMES,
    ClaimDetails,
    Domain,
    b32,
    hx,
    name_of,
    unpack_claim_details,
)

#: ``EventRow``: the indexed events these queries answer with
__all__ = [
    "ChainView",
    "ClaimDetailView",
    "ClaimPageView",
    "EventRow",
    "FootprintPeriodsView",
    "LedgerQueries",
    "PublicClaimView",
    "StandardVersionView",
]


@dataclass(frozen=True)
class ClaimDetailView:
    row: ClaimRow
    on_chain: ClaimState
    history: list[EventRow]


@dataclass(frozen=True)
class ChainView:
    """What a client needs to sign for this ledger: the chain, the contracts, the EIP-712
    domains and the standard this service checks against."""

    chain_id: int
    block_number: int
    contracts: dict[str, str]
    claim_ledger_domain: Domain
    overlap_settlement_domain: Domain
    service_account: str
    standard_version_id: str
    standard_content_hash: str
    onchain_version: int


@dataclass(frozen=True)
class ClaimPageView:
    """One page of claims, with the chain's state of the anchored ones among them."""

    total: int
    rows: list[ClaimRow]
    on_chain: dict[str, ClaimState]


@dataclass(frozen=True)
class FootprintPeriodsView:
    """A firm's footprints in force summed per reporting period, and how many of its
    passed footprints were left out because an amendment superseded them or the firm
    revoked them."""

    firm: str
    periods: list[PeriodTotals]
    left_out: int


@dataclass(frozen=True)
class PublicClaimView:
    """A claim as the chain records it, for anyone: its ``ClaimSubmitted`` event decoded,
    its state on chain, every indexed event, the firm's registered name and the ledger."""

    claim_id: str
    state: ClaimState
    details: ClaimDetails
    submitted: EventRow
    events: list[EventRow]
    firm_name: str | None
    chain_id: int
    claim_ledger: str


@dataclass(frozen=True)
class StandardVersionView:
    version: int
    content_hash: str
    effective_from: int
    status: str
    published_block: int
    checked_here: bool  # this service checks claims against this version


@dataclass
class LedgerQueries:
    """See the module docstring."""

    store: ClaimStorePort
    ledger: LedgerPort
    events: EventLog
    standard: Standard
    members: MemberDirectory
    catch_up: Callable[[], object]  # index the chain up to its head
    periods: PeriodTotalsPort
    chain_id: int
    contracts: dict[str, str]  # the deployment's contracts: name -> address

    def chain(self) -> ChainView:
        """See :class:`ChainView`."""
        domain = self.ledger.domain()
        return ChainView(
            self.chain_id,
            self.ledger.head(),
            dict(self.contracts),
            domain,
            self.ledger.settlement_domain(),
            self.ledger.service_address,
            self.standard.version_id,
            hx(self.standard.content_hash),
            self.ledger.standard_version_of(self.standard.content_hash),
        )

    def claim(self, claim_id: str) -> ClaimRow:
        return stored_claim(self.store, claim_id)

    def claims(self, where: ClaimFilter, offset: int, limit: int) -> tuple[int, list[ClaimRow]]:
        return self.store.search(where, offset, limit)

    def claims_page(self, where: ClaimFilter, offset: int, limit: int) -> ClaimPageView:
        """The claims ``where`` selects, oldest first, with the chain's state of each
        anchored one."""
        total, rows = self.claims(where, offset, limit)
        return ClaimPageView(total, rows, self.chain_states(rows))

    def footprint_periods(self, firm: str) -> FootprintPeriodsView:
        """The footprints of ``firm`` (a checksummed address) in force, summed per period:
        checked and passed by the standard, not refused, and neither superseded nor revoked
        in the index brought up to the chain's head (``periods``: in the database, from
        each footprint's totals kept once, :mod:`carbonledger.store.period_totals`)."""
        self.catch_up()  # an amendment or a revocation of a moment ago counts
        periods, left_out = self.periods.period_totals(firm)
        return FootprintPeriodsView(firm, periods, left_out)

    def chain_states(self, rows: list[ClaimRow]) -> dict[str, ClaimState]:
        """The chain's status, check and audit of the anchored ones among ``rows`` (one
        batched read); a claim not yet on chain has none."""
        anchored = [r.claim_id for r in rows if r.tx_hash]
        if not anchored:
            return {}
        states = self.ledger.claim_states([b32(c) for c in anchored])
        return dict(zip(anchored, states, strict=True))

    def claim_detail(self, claim_id: str) -> ClaimDetailView:
        """A claim with its state on chain and every indexed event of it, oldest first."""
        row = self.claim(claim_id)
        state = self.ledger.claim_state(b32(row.claim_id))
        return ClaimDetailView(row, state, self.events.of_claim(row.claim_id))

    def claim_events(self, claim_id: str) -> list[EventRow]:
        """Every indexed event of one claim (``0x``-hex id), oldest first."""
        return self.events.of_claim(claim_id)

    def public_claim(self, claim_id: bytes) -> PublicClaimView:
        """A claim from the chain's state and indexed events only, never from the firm's
        document (404 when the chain has none, or it is not indexed yet)."""
        key = hx(claim_id)
        state = self.ledger.claim_state(claim_id)
        events = self.claim_events(key)
        if state.status != "none" and not any(e.event == "ClaimSubmitted" for e in events):
            self.catch_up()  # anchored a moment ago: index up to the chain's head
            events = self.claim_events(key)
        submitted = next((e for e in events if e.event == "ClaimSubmitted"), None)
        if submitted is None or state.status == "none":
            raise NotFound(f"no claim {key} on the ledger (or not indexed yet)")
        args = submitted.args
        details = unpack_claim_details(_int(args["header"]), _int(args["scopes"]))
        member = self.members.get(state.firm)
        return PublicClaimView(
            key,
            state,
            details,
            submitted,
            events,
            member.name if member is not None else None,
            self.chain_id,
            self.contracts["ClaimLedger"],
        )

    def standards(self, offset: int, limit: int) -> tuple[int, list[StandardVersionView]]:
        """Every version published in the StandardRegistry, with its current status."""
        published = self.events.named(["StandardPublished"])
        ours = hx(self.standard.content_hash)
        items = []
        for e in published[offset : offset + limit]:
            version = int(e.args["version"])
            status, effective_from = self.ledger.standard_status(version)
            items.append(
                StandardVersionView(
                    version=version,
                    content_hash=str(e.args["contentHash"]),
                    effective_from=effective_from,
                    status=name_of(VERSION_STATUS_NAMES, status),
                    published_block=e.block_number,
                    checked_here=str(e.args["contentHash"]) == ours,
                )
            )
        return len(published), items


def stored_claim(store: ClaimStorePort, claim_id: str) -> ClaimRow:
    """Claim ``claim_id``'s row (any case of hex), or 404."""
    row = store.get(claim_id.lower())
    if row is None:
        raise NotFound(f"no claim {claim_id}")
    return row


def _int(value: Any) -> int:
    """An event argument as the indexer stored it (an integer, or its 0x-hex)."""
    return int(value, 0) if isinstance(value, str) else int(value)
