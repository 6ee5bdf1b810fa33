"""The settlement of shared decarbonisation (issue 6, items 3-5).

A party proposes a project for an overlap (:mod:`carbonledger.services.overlap_finder`); the
service builds the ``Terms`` (default split proportional to each party's overlapping
emissions, or the party's own split) and relays ``propose`` as the relayer. From there on
everything that binds a firm is signed by that firm's own key (EIP-712 under the
OverlapSettlement domain) and relayed: ``Consent``, ``Decline``, ``Payment``; the realised
reduction is an auditor's ``ReductionAttestation``. The service checks each signature and
state first (so refusals come back as 401/403/409 with a reason) and the contract checks
everything again. Citations of an allocation by a reduction claim are the citation outbox's
(:mod:`carbonledger.services.citations`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from carbonledger.chain.gateway import PartyState, SettlementState
from carbonledger.overlaps import SplitError, check_split, project_hash
from carbonledger.services.citations import CitationOutbox
from carbonledger.services.claims import ClaimService
from carbonledger.services.errors import Conflict, InvalidRequest, NotFound, NotPermitted
from carbonledger.services.overlap_finder import (
    OverlapFinder,
    OverlapParty,
    OverlapView,
    PartnerOverlaps,
)
from carbonledger.services.signing import SignedRelay
from carbonledger.store.settlements import SettlementAlreadyStored, SettlementRow, SettlementStore
from carbonledger.vault.errors import DocumentAlreadyExists, UnknownReader
from carbonledger.vocab import (
    AUDITOR_ROLE,
    FIRM_ROLE,
    MAX_U64,
    MAX_U128,
    Consent,
    Decline,
    Domain,
    Payment,
    ReductionAttestation,
    SettlementTerms,
    b32,
    hx,
    settlement_id,
)

__all__ = [
    "AUDITOR_ROLE",
    "OverlapParty",
    "OverlapView",
    "PartnerOverlaps",
    "PartyPosition",
    "Proposal",
    "SettlementService",
    "SettlementView",
]

#: the messages a settlement's parties sign
_PartyMessage = Consent | Decline | Payment

DEFAULT_SIGNING_WINDOW = 7 * 24 * 3600
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Proposal:
    """A project a party proposes for one of its overlaps (what the terms do not derive)."""

    description: str
    total_cost: int  # minor units of the currency
    currency: str  # ISO 4217
    expected_reduction_kgco2e: int
    #: each party's share in the overlap's party order (default: by overlapping emissions)
    shares_bps: Sequence[int] | None = None
    signing_deadline: int | None = None  # default: in DEFAULT_SIGNING_WINDOW


@dataclass(frozen=True)
class PartyPosition:
    firm: str
    share_bps: int
    consented: bool
    allocation_kgco2e: int
    cost_share: int
    paid: int
    citing_claim: str | None


@dataclass(frozen=True)
class SettlementView:
    row: SettlementRow
    status: str
    consents: int
    reduction_recorded: bool
    realised_kgco2e: int
    parties: list[PartyPosition]
    domain: Domain  # the OverlapSettlement EIP-712 domain its parties sign in


@dataclass(eq=False, repr=False)
class SettlementService(SignedRelay):
    """The settlement workflow (see the module docstring)."""

    contract = "OverlapSettlement"

    claims: ClaimService
    store: SettlementStore
    overlaps: OverlapFinder
    citations: CitationOutbox

    def domain(self) -> Domain:
        return self.ledger.settlement_domain()

    def nonce(self, account: str) -> int:
        """The next OverlapSettlement nonce ``account`` signs with (queued citations counted)."""
        return self.citations.nonce(account)

    def allocations_for(self, firm: str, settlement_ids: Sequence[str]) -> dict[str, int]:
        return self.citations.allocations_for(firm, settlement_ids)

    def overlaps_of(self, firm: str, partner: str | None = None) -> list[OverlapView]:
        return self.overlaps.overlaps_of(firm, partner)

    def partners_of(self, firm: str) -> list[PartnerOverlaps]:
        return self.overlaps.partners_of(firm)

    def overlap(self, overlap_id_: str, caller: str) -> OverlapView:
        return self.overlaps.overlap(overlap_id_, caller)

    # ------------------------------------------------------------------ proposals
    def propose(self, caller: str, overlap_id_: str, proposal: Proposal) -> SettlementView:
        """Propose a project for one of the caller's overlaps; relayed as the relayer."""
        caller = to_checksum_address(caller)
        view = self.overlap(overlap_id_, caller)
        p = proposal
        problems: list[dict[str, str]] = []
        shares = tuple(p.shares_bps) if p.shares_bps is not None else view.default_shares_bps
        try:
            check_split(shares, 2)
        except SplitError as exc:
            problems.append({"field": "shares_bps", "message": str(exc)})
        if not _CURRENCY.match(p.currency):
            problems.append({"field": "currency", "message": "three upper-case letters (ISO 4217)"})
        if not 0 < p.total_cost <= MAX_U128:
            problems.append({"field": "total_cost", "message": "positive, minor units"})
        if not 0 <= p.expected_reduction_kgco2e <= MAX_U64:
            problems.append({"field": "expected_reduction_kgco2e", "message": "out of range"})
        if not p.description.strip():
            problems.append({"field": "description", "message": "describe the project"})
        deadline = p.signing_deadline or int(self.clock()) + DEFAULT_SIGNING_WINDOW
        if deadline <= self.clock() or deadline > MAX_U64:
            problems.append({"field": "signing_deadline", "message": "must be in the future"})
        if problems:
            raise InvalidRequest("the proposal is not valid", problems)
        project = {"description": p.description, "overlap_id": view.overlap_id}
        terms = SettlementTerms(
            parties=(view.parties[0].firm, view.parties[1].firm),
            shares_bps=shares,
            claim_ids=(b32(view.parties[0].claim_id), b32(view.parties[1].claim_id)),
            overlap_kg_co2e=view.overlap_kgco2e,
            shipment_root=b32(view.shipment_root),
            project_hash=project_hash(project),
            total_cost=p.total_cost,
            currency=p.currency,
            expected_reduction_kg_co2e=p.expected_reduction_kgco2e,
            signing_deadline=deadline,
        )
        sid = hx(settlement_id(terms))
        if self.store.get(sid) is not None:
            raise Conflict(f"settlement {sid} was already proposed")
        for party in view.parties:  # root mode: the ledger checks both claims are active
            self.claims.bring_on_chain(party.claim_id)
        where = self._relay("propose", [terms.as_tuple()], "proposing a settlement")
        try:
            self.store.add(
                {
                    "settlement_id": sid,
                    "overlap_id": view.overlap_id,
                    "proposer": caller,
                    "parties": list(terms.parties),
                    "terms": terms.to_json(),
                    "project": project,
                    "tx_hash": where.tx_hash,
                    "block_number": where.block_number,
                }
            )
        except SettlementAlreadyStored:
            raise Conflict(f"settlement {sid} was already proposed") from None
        return self.get(sid)

    # ------------------------------------------------------------------ reads
    def _row(self, sid: str) -> SettlementRow:
        row = self.store.get(sid)
        if row is None:
            raise NotFound(f"no settlement {sid}")
        return row

    def get(self, sid: str) -> SettlementView:
        row = self._row(sid)
        self.citations.relay_pending([row.settlement_id])
        chain = self.ledger.settlement_state(b32(row.settlement_id))
        positions = [self.ledger.party_state(b32(row.settlement_id), f) for f in row.parties]
        return self._view(row, chain, positions)

    def _view(
        self, row: SettlementRow, chain: SettlementState, positions: Sequence[PartyState]
    ) -> SettlementView:
        parties = [
            PartyPosition(
                firm=firm,
                share_bps=position.share_bps,
                consented=position.consented,
                allocation_kgco2e=position.allocation_kgco2e,
                cost_share=position.cost_share,
                paid=position.paid,
                citing_claim=hx(position.citing_claim) if any(position.citing_claim) else None,
            )
            for firm, position in zip(row.parties, positions, strict=True)
        ]
        state = chain.status
        if state == "proposed" and self.clock() > int(row.terms["signing_deadline"]):
            state = "expired"  # the chain says so too from its next block on
        return SettlementView(
            row=row,
            status=state,
            consents=chain.consents,
            reduction_recorded=chain.reduction_recorded,
            realised_kgco2e=chain.realised_kgco2e,
            parties=parties,
            domain=self.domain(),
        )

    def read(self, sid: str, caller: str) -> SettlementView:
        """:meth:`get`, for its parties and the consortium's auditors only."""
        view = self.get(sid)
        if caller in view.row.parties or self.ledger.member_state(caller).roles & AUDITOR_ROLE:
            return view
        raise NotPermitted("only the parties and the auditors read a settlement")

    def of_party(self, party: str) -> list[SettlementView]:
        """The settlements ``party`` is a party to, as :meth:`get` gives each; their chain
        state read in one JSON-RPC batch (a firm settling overlap by overlap has many)."""
        rows = self.store.of_party(to_checksum_address(party))
        if rows:
            self.citations.relay_pending([r.settlement_id for r in rows])
        read = self.ledger.settlement_positions([(b32(r.settlement_id), r.parties) for r in rows])
        return [
            self._view(r, chain, positions)
            for r, (chain, positions) in zip(rows, read, strict=True)
        ]

    def _party(self, row: SettlementRow, account: str, what: str) -> str:
        account = to_checksum_address(account)
        if account not in row.parties:
            raise NotPermitted(
                f"{account} is not a party of settlement {row.settlement_id}; {what}"
            )
        return account

    # ------------------------------------------------------------------ signing
    def consent(self, consent: Consent, signature: bytes) -> SettlementView:
        """Relay a party's signed consent; the last one makes the settlement agreed."""
        sid, row, party = self._signed_by_party(consent, consent.party, signature, "sign")
        self._check_open(row, "signed")
        if self.ledger.party_state(b32(sid), party).consented:
            raise Conflict(f"{party} has already signed settlement {sid}")
        self._relay_signed("consent", consent, signature, party, "recording a consent")
        return self.get(sid)

    def decline(self, decline: Decline, signature: bytes) -> SettlementView:
        """Relay a party's signed refusal: the proposal ends."""
        sid, row, party = self._signed_by_party(decline, decline.party, signature, "decline")
        self._check_open(row, "declined")
        self._relay_signed("decline", decline, signature, party, "recording a decline")
        return self.get(sid)

    def _signed_by_party(
        self, message: _PartyMessage, party: str, signature: bytes, verb: str
    ) -> tuple[str, SettlementRow, str]:
        """The settlement ``message`` is about (its id and row) and ``party``, checksummed,
        once ``party`` is one of its parties whose current firm key signed ``message``."""
        sid = hx(message.settlement_id)
        row = self._row(sid)
        party = self._party(row, party, f"only the parties {verb}")
        self._check_signer(party, FIRM_ROLE, "firm", message, signature)
        return sid, row, party

    def _relay_signed(
        self,
        function: str,
        message: _PartyMessage | ReductionAttestation,
        signature: bytes,
        signer: str,
        what: str,
    ) -> None:
        """Relay ``signer``'s ``message`` (its deadline not passed, its nonce the next)."""
        self._check_deadline(message.deadline)
        self._check_nonce(signer, message.nonce)
        self._relay(function, [message.as_tuple(), signature], what)

    def _check_open(self, row: SettlementRow, what: str) -> None:
        status = self.ledger.settlement_state(b32(row.settlement_id)).status
        if status == "proposed" and self.clock() > int(row.terms["signing_deadline"]):
            status = "expired"
        if status == "expired":
            raise Conflict(
                f"settlement {row.settlement_id} can no longer be {what}: its signing deadline "
                f"{row.terms['signing_deadline']} has passed"
            )
        if status != "proposed":
            raise Conflict(f"settlement {row.settlement_id} is {status}; it cannot be {what}")

    # ------------------------------------------------------------------ after the project
    def record_reduction(
        self, attestation: ReductionAttestation, signature: bytes, evidence: bytes | None
    ) -> SettlementView:
        """Relay an auditor's attested realised reduction (allocated by share on chain); the
        evidence, when sent, is stored encrypted in the vault (readers: the auditor, the
        service, the parties with a vault key, the consortium's auditors)."""
        sid = hx(attestation.settlement_id)
        row = self._row(sid)
        auditor = to_checksum_address(attestation.auditor)
        if auditor in row.parties:
            raise NotPermitted("a party cannot attest its own settlement's reduction")
        self._check_signer(auditor, AUDITOR_ROLE, "auditor", attestation, signature)
        if evidence is not None and keccak(evidence) != attestation.evidence_hash:
            raise InvalidRequest(
                "the evidence does not hash to the attested evidence hash",
                [{"field": "evidence", "message": "keccak-256 differs from evidence_hash"}],
            )
        status = self.ledger.settlement_state(b32(sid)).status
        if status not in ("agreed", "settled"):
            raise Conflict(f"settlement {sid} is {status}: only an agreed one has a reduction")
        if self.ledger.settlement_state(b32(sid)).reduction_recorded:
            raise Conflict(f"the realised reduction of settlement {sid} is already recorded")
        self._relay_signed(
            "recordReduction", attestation, signature, auditor, "recording a reduction"
        )
        stored: dict[str, Any] = {"hash": hx(attestation.evidence_hash), "auditor": auditor}
        if evidence is not None:
            stored["document_id"] = self._store_evidence(auditor, sid, row, evidence)
        self.store.set_evidence(sid, stored)
        return self.get(sid)

    def _store_evidence(self, auditor: str, sid: str, row: SettlementRow, data: bytes) -> str:
        document_id = f"evidence-{sid}"
        vault = self.claims.vault
        readers = [self.claims.service_reader]
        for party in row.parties:
            try:
                vault.reader_public_key(party)
            except UnknownReader:
                continue
            readers.append(party)
        try:
            vault.put(auditor, document_id, data, readers=readers)
        except UnknownReader:
            vault.put(self.claims.service_reader, document_id, data, readers=readers[1:])
        except DocumentAlreadyExists:
            pass
        return document_id

    def pay(self, payment: Payment, signature: bytes) -> SettlementView:
        """Relay a party's signed payment record; when all have paid, the settlement is settled."""
        sid, _, payer = self._signed_by_party(payment, payment.payer, signature, "pay")
        status = self.ledger.settlement_state(b32(sid)).status
        if status != "agreed":
            raise Conflict(f"settlement {sid} is {status}: payments are recorded while agreed")
        position = self.ledger.party_state(b32(sid), payer)
        cost, paid = position.cost_share, position.paid
        if payment.amount <= 0 or paid + payment.amount > cost:
            raise Conflict(
                f"a payment of {payment.amount} would bring {payer} to {paid + payment.amount}, "
                f"above its cost share {cost}"
                if payment.amount > 0
                else "a payment must be positive"
            )
        self._relay_signed("recordPayment", payment, signature, payer, "recording a payment")
        return self.get(sid)
