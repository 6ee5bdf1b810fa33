"""Overlaps between partners' footprints and the settlement of shared decarbonisation.

Overlaps (issue 6, items 1-2): the service reads the checked footprint claims in its vault,
computes each claim's emissions per salted shipment ref (:mod:`carbonledger.overlaps`) and
matches claims of different firms. A firm sees only the overlaps it is a party to; the refs
themselves are never returned, only their count and Merkle root.

Settlements (items 3-5): a party proposes a project for an overlap; the service builds the
``Terms`` (default split proportional to each party's overlapping emissions, or the party's
own split) and relays ``propose`` as the relayer. From there on everything that binds a firm
is signed by that firm's own key (EIP-712 under the OverlapSettlement domain) and relayed:
``Consent``, ``Decline``, ``Payment``, ``Citation``; the realised reduction is an auditor's
``ReductionAttestation``. The service checks each signature and state first (so refusals
come back as 401/403/409 with a reason) and the contract checks everything again.

Reduction claims citing a settlement (item 5): :meth:`allocations_for` gives the claim
service the ledger's allocations, :meth:`accept_citations` validates the firm-signed
citations sent with the claim and queues them, and :meth:`relay_citations` relays
``citeAllocation`` once the claim is anchored.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError

from carbonledger.chain.gateway import Anchored, LedgerGateway
from carbonledger.chain.sender import TransactionFailed
from carbonledger.chain.typed_data import (
    Citation,
    Consent,
    Decline,
    Domain,
    Payment,
    ReductionAttestation,
    SettlementTerms,
    TypedData,
    citation_typed_data,
    consent_typed_data,
    decline_typed_data,
    overlap_settlement_domain,
    payment_typed_data,
    reduction_attestation_typed_data,
    settlement_id,
    typed_data_digest,
)
from carbonledger.overlaps import (
    Overlap,
    OverlapError,
    ShipmentEmissions,
    SplitError,
    check_split,
    match,
    overlap_id,
    project_hash,
    shipment_emissions,
)
from carbonledger.overlaps.terms import terms_to_json
from carbonledger.services.claims import ClaimService, SignedCitation
from carbonledger.services.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    NotPermitted,
    SignatureMismatch,
)
from carbonledger.standard import StandardError
from carbonledger.standard.models import ReductionClaim
from carbonledger.store.claims import ANCHORED, CHECKED, ClaimFilter, ClaimRow, ClaimStore
from carbonledger.store.settlements import (
    PENDING,
    RECORDED,
    REFUSED,
    SettlementAlreadyStored,
    SettlementRow,
    SettlementStore,
)
from carbonledger.vault.errors import DocumentAlreadyExists, UnknownReader

FIRM_ROLE = 1 << 1
AUDITOR_ROLE = 1 << 2
STATUS = {0: "none", 1: "proposed", 2: "agreed", 3: "declined", 4: "settled", 5: "expired"}
DEFAULT_SIGNING_WINDOW = 7 * 24 * 3600
MAX_U64 = (1 << 64) - 1
MAX_U128 = (1 << 128) - 1
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _hex(raw: bytes) -> str:
    return "0x" + bytes(raw).hex()


def _b32(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


@dataclass(frozen=True)
class OverlapParty:
    firm: str
    claim_id: str
    kgco2e: Decimal  # exact: what this party counts for the shared shipments
    counted_in: tuple[str, ...]  # e.g. ("scope1",), ("scope3.cat4",)


@dataclass(frozen=True)
class OverlapView:
    overlap_id: str
    parties: tuple[OverlapParty, OverlapParty]  # ordered by firm address
    shipments: int
    overlap_kgco2e: int
    shipment_root: str
    default_shares_bps: tuple[int, ...]

    def partner_of(self, firm: str) -> OverlapParty:
        return self.parties[1] if self.parties[0].firm == firm else self.parties[0]

    def party(self, firm: str) -> OverlapParty:
        return self.parties[0] if self.parties[0].firm == firm else self.parties[1]


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


class SettlementService:
    """Overlap detection and the settlement workflow (see the module docstring)."""

    def __init__(
        self,
        ledger: LedgerGateway,
        claim_store: ClaimStore,
        claims: ClaimService,
        store: SettlementStore,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self.claim_store = claim_store
        self.claims = claims
        self.store = store
        self.clock = clock
        self.contract = ledger.contracts["OverlapSettlement"]
        self._errors: dict[bytes, str] = {}
        abi: list[dict[str, Any]] = [dict(item) for item in self.contract.abi]
        for item in abi:
            if item.get("type") == "error":
                types = ",".join(str(i["type"]) for i in item.get("inputs", []))
                self._errors[keccak(text=f"{item['name']}({types})")[:4]] = str(item["name"])
        self._emissions: dict[str, ShipmentEmissions | None] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ chain plumbing
    def domain(self) -> Domain:
        return overlap_settlement_domain(
            self.ledger.chain_id, self.ledger.deployment.address("OverlapSettlement")
        )

    def nonce(self, account: str) -> int:
        """The next OverlapSettlement nonce ``account`` signs with (queued citations counted)."""
        account = to_checksum_address(account)
        on_chain = int(self.contract.functions.nonces(account).call())
        pending = self.store.citations(party=account, state=PENDING)
        return max([on_chain, *(c.nonce + 1 for c in pending)])

    def _relay(self, function: str, args: Sequence[Any], what: str) -> Anchored:
        try:
            return self.ledger.relay("OverlapSettlement", function, args, what)
        except ContractLogicError as exc:
            raise Conflict(f"the chain refused {what}: {self._reason(exc)}") from None
        except TransactionFailed as exc:
            raise Conflict(str(exc)) from None

    def _reason(self, exc: ContractLogicError) -> str:
        data = exc.data
        raw = b""
        if isinstance(data, str) and data.startswith("0x"):
            raw = bytes.fromhex(data[2:])
        elif isinstance(data, bytes | bytearray):
            raw = bytes(data)
        return self._errors.get(raw[:4], str(exc)[:200])

    def _settlement_of(self, sid: str) -> tuple[Any, ...]:
        return tuple(self.contract.functions.settlementOf(_b32(sid)).call())

    def _party_of(self, sid: str, party: str) -> tuple[Any, ...]:
        return tuple(self.contract.functions.partyOf(_b32(sid), to_checksum_address(party)).call())

    def _check_signer(
        self, account: str, role: int, role_name: str, typed: TypedData, signature: bytes
    ) -> None:
        state = self.ledger.member_state(account)
        if state.status != "active" or not state.roles & role:
            raise NotPermitted(f"{account} is not an active {role_name}")
        try:
            signer = Account._recover_hash(typed_data_digest(typed), signature=signature)
        except Exception:
            raise SignatureMismatch("the signature is malformed (65 bytes r, s, v)") from None
        if signer != state.signing_key:
            raise SignatureMismatch(
                f"the signature is not {account}'s current key over this message "
                f"(signed by {signer})"
            )

    def _check_nonce(self, account: str, nonce: int) -> None:
        expected = self.nonce(account)
        if nonce != expected:
            raise Conflict(
                f"nonce {nonce} is not the next OverlapSettlement nonce of {account} "
                f"(expected {expected})"
            )

    def _check_deadline(self, deadline: int) -> None:
        if deadline < self.clock():
            raise InvalidRequest(
                "the signature's deadline has passed",
                [{"field": "deadline", "message": "in the past"}],
            )

    # ------------------------------------------------------------------ overlaps
    def _claim_emissions(self, row: ClaimRow) -> ShipmentEmissions | None:
        with self._lock:
            if row.claim_id in self._emissions:
                return self._emissions[row.claim_id]
        try:
            document = self.claims.parse(self.claims.read_document(row.claim_id))
            emissions: ShipmentEmissions | None = shipment_emissions(document, self.claims.standard)
        except (NotFound, InvalidRequest, StandardError, OverlapError):
            emissions = None
        with self._lock:
            self._emissions[row.claim_id] = emissions
        return emissions

    def _candidates(self) -> list[ClaimRow]:
        _, rows = self.claim_store.search(ClaimFilter(kind="footprint"), 0, 1_000_000)
        return [r for r in rows if r.check_passed and r.state in (ANCHORED, CHECKED)]

    def _view(self, row_a: ClaimRow, row_b: ClaimRow, overlap: Overlap) -> OverlapView:
        a = OverlapParty(row_a.firm, row_a.claim_id, overlap.kg[0], overlap.buckets[0])
        b = OverlapParty(row_b.firm, row_b.claim_id, overlap.kg[1], overlap.buckets[1])
        shares = overlap.default_shares()
        if a.firm.lower() > b.firm.lower():
            a, b, shares = b, a, (shares[1], shares[0])
        return OverlapView(
            overlap_id=overlap_id(row_a.claim_id, row_b.claim_id),
            parties=(a, b),
            shipments=overlap.shipments,
            overlap_kgco2e=overlap.overlap_kgco2e,
            shipment_root=_hex(overlap.root),
            default_shares_bps=shares,
        )

    def overlaps_of(self, firm: str) -> list[OverlapView]:
        """Every overlap between ``firm``'s active footprint claims and other firms' ones."""
        firm = to_checksum_address(firm)
        rows = self._candidates()
        mine = [r for r in rows if r.firm == firm]
        if not mine:
            return []
        index: dict[str, list[ClaimRow]] = {}
        others: dict[str, ShipmentEmissions] = {}
        for row in rows:
            if row.firm == firm:
                continue
            emissions = self._claim_emissions(row)
            if emissions is None:
                continue
            others[row.claim_id] = emissions
            for ref in emissions.refs:
                index.setdefault(ref, []).append(row)
        active: dict[str, bool] = {}

        def is_active(claim_id: str) -> bool:
            if claim_id not in active:
                state = self.ledger.claim_state(_b32(claim_id))
                active[claim_id] = state.status == "active"
            return active[claim_id]

        found: list[OverlapView] = []
        for row in mine:
            emissions = self._claim_emissions(row)
            if emissions is None or not is_active(row.claim_id):
                continue
            partners = {p.claim_id: p for ref in emissions.refs for p in index.get(ref, [])}
            for claim_id, partner in sorted(partners.items(), key=lambda kv: kv[1].seq):
                if not is_active(claim_id):
                    continue
                overlap = match(emissions, others[claim_id])
                if overlap is not None:
                    found.append(self._view(row, partner, overlap))
        return found

    def overlap(self, overlap_id_: str, caller: str) -> OverlapView:
        for view in self.overlaps_of(caller):
            if view.overlap_id == overlap_id_.lower():
                return view
        raise NotFound(f"no overlap {overlap_id_} of {caller}")

    # ------------------------------------------------------------------ proposals
    def propose(
        self,
        caller: str,
        overlap_id_: str,
        *,
        description: str,
        total_cost: int,
        currency: str,
        expected_reduction_kgco2e: int,
        shares_bps: Sequence[int] | None = None,
        signing_deadline: int | None = None,
    ) -> SettlementView:
        """Propose a project for one of the caller's overlaps; relayed as the relayer."""
        caller = to_checksum_address(caller)
        view = self.overlap(overlap_id_, caller)
        problems: list[dict[str, str]] = []
        shares = tuple(shares_bps) if shares_bps is not None else view.default_shares_bps
        try:
            check_split(shares, 2)
        except SplitError as exc:
            problems.append({"field": "shares_bps", "message": str(exc)})
        if not _CURRENCY.match(currency):
            problems.append({"field": "currency", "message": "three upper-case letters (ISO 4217)"})
        if not 0 < total_cost <= MAX_U128:
            problems.append({"field": "total_cost", "message": "positive, minor units"})
        if not 0 <= expected_reduction_kgco2e <= MAX_U64:
            problems.append({"field": "expected_reduction_kgco2e", "message": "out of range"})
        if not description.strip():
            problems.append({"field": "description", "message": "describe the project"})
        deadline = signing_deadline or int(self.clock()) + DEFAULT_SIGNING_WINDOW
        if deadline <= self.clock() or deadline > MAX_U64:
            problems.append({"field": "signing_deadline", "message": "must be in the future"})
        if problems:
            raise InvalidRequest("the proposal is not valid", problems)
        project = {"description": description, "overlap_id": view.overlap_id}
        terms = SettlementTerms(
            parties=(view.parties[0].firm, view.parties[1].firm),
            shares_bps=shares,
            claim_ids=(_b32(view.parties[0].claim_id), _b32(view.parties[1].claim_id)),
            overlap_kg_co2e=view.overlap_kgco2e,
            shipment_root=_b32(view.shipment_root),
            project_hash=project_hash(project),
            total_cost=total_cost,
            currency=currency,
            expected_reduction_kg_co2e=expected_reduction_kgco2e,
            signing_deadline=deadline,
        )
        sid = _hex(settlement_id(terms))
        if self.store.get(sid) is not None:
            raise Conflict(f"settlement {sid} was already proposed")
        where = self._relay("propose", [terms.as_tuple()], "proposing a settlement")
        try:
            self.store.add(
                {
                    "settlement_id": sid,
                    "overlap_id": view.overlap_id,
                    "proposer": caller,
                    "parties": list(terms.parties),
                    "terms": terms_to_json(terms),
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
        self.relay_pending_citations(row.settlement_id)
        status, _deadline, consents, _paid, recorded, realised, *_ = self._settlement_of(
            row.settlement_id
        )
        parties = []
        for firm in row.parties:
            share, consented, allocation, cost, paid, citing = self._party_of(
                row.settlement_id, firm
            )
            parties.append(
                PartyPosition(
                    firm=firm,
                    share_bps=int(share),
                    consented=bool(consented),
                    allocation_kgco2e=int(allocation),
                    cost_share=int(cost),
                    paid=int(paid),
                    citing_claim=_hex(citing) if any(bytes(citing)) else None,
                )
            )
        state = STATUS.get(int(status), "none")
        if state == "proposed" and self.clock() > int(row.terms["signing_deadline"]):
            state = "expired"  # the chain says so too from its next block on
        return SettlementView(
            row=row,
            status=state,
            consents=int(consents),
            reduction_recorded=bool(recorded),
            realised_kgco2e=int(realised),
            parties=parties,
        )

    def of_party(self, party: str) -> list[SettlementView]:
        return [self.get(r.settlement_id) for r in self.store.of_party(to_checksum_address(party))]

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
        sid = _hex(consent.settlement_id)
        row = self._row(sid)
        party = self._party(row, consent.party, "only the parties sign")
        self._check_signer(
            party, FIRM_ROLE, "firm", consent_typed_data(self.domain(), consent), signature
        )
        self._check_open(row, "signed")
        if self._party_of(sid, party)[1]:
            raise Conflict(f"{party} has already signed settlement {sid}")
        self._check_deadline(consent.deadline)
        self._check_nonce(party, consent.nonce)
        self._relay("consent", [consent.as_tuple(), signature], "recording a consent")
        return self.get(sid)

    def decline(self, decline: Decline, signature: bytes) -> SettlementView:
        """Relay a party's signed refusal: the proposal ends."""
        sid = _hex(decline.settlement_id)
        row = self._row(sid)
        party = self._party(row, decline.party, "only the parties decline")
        self._check_signer(
            party, FIRM_ROLE, "firm", decline_typed_data(self.domain(), decline), signature
        )
        self._check_open(row, "declined")
        self._check_deadline(decline.deadline)
        self._check_nonce(party, decline.nonce)
        self._relay("decline", [decline.as_tuple(), signature], "recording a decline")
        return self.get(sid)

    def _check_open(self, row: SettlementRow, what: str) -> None:
        status = STATUS.get(int(self._settlement_of(row.settlement_id)[0]), "none")
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
        sid = _hex(attestation.settlement_id)
        row = self._row(sid)
        auditor = to_checksum_address(attestation.auditor)
        if auditor in row.parties:
            raise NotPermitted("a party cannot attest its own settlement's reduction")
        self._check_signer(
            auditor,
            AUDITOR_ROLE,
            "auditor",
            reduction_attestation_typed_data(self.domain(), attestation),
            signature,
        )
        if evidence is not None and keccak(evidence) != attestation.evidence_hash:
            raise InvalidRequest(
                "the evidence does not hash to the attested evidence hash",
                [{"field": "evidence", "message": "keccak-256 differs from evidence_hash"}],
            )
        status = STATUS.get(int(self._settlement_of(sid)[0]), "none")
        if status not in ("agreed", "settled"):
            raise Conflict(f"settlement {sid} is {status}: only an agreed one has a reduction")
        if self._settlement_of(sid)[4]:
            raise Conflict(f"the realised reduction of settlement {sid} is already recorded")
        self._check_deadline(attestation.deadline)
        self._check_nonce(auditor, attestation.nonce)
        self._relay("recordReduction", [attestation.as_tuple(), signature], "recording a reduction")
        stored: dict[str, Any] = {"hash": _hex(attestation.evidence_hash), "auditor": auditor}
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
        sid = _hex(payment.settlement_id)
        row = self._row(sid)
        payer = self._party(row, payment.payer, "only the parties pay")
        self._check_signer(
            payer, FIRM_ROLE, "firm", payment_typed_data(self.domain(), payment), signature
        )
        status = STATUS.get(int(self._settlement_of(sid)[0]), "none")
        if status != "agreed":
            raise Conflict(f"settlement {sid} is {status}: payments are recorded while agreed")
        _, _, _, cost, paid, _ = self._party_of(sid, payer)
        if payment.amount <= 0 or paid + payment.amount > cost:
            raise Conflict(
                f"a payment of {payment.amount} would bring {payer} to {paid + payment.amount}, "
                f"above its cost share {cost}"
                if payment.amount > 0
                else "a payment must be positive"
            )
        self._check_deadline(payment.deadline)
        self._check_nonce(payer, payment.nonce)
        self._relay("recordPayment", [payment.as_tuple(), signature], "recording a payment")
        return self.get(sid)

    # ------------------------------------------------------------------ citations
    def allocations_for(self, firm: str, settlement_ids: Sequence[str]) -> dict[str, int]:
        """The ledger's allocations to ``firm`` (kgCO2e) in these settlements (none: absent)."""
        firm = to_checksum_address(firm)
        out: dict[str, int] = {}
        for sid in dict.fromkeys(s.lower() for s in settlement_ids):
            try:
                recorded = self._settlement_of(sid)[4]
            except (ValueError, ContractLogicError):
                continue
            if not recorded:
                continue
            allocation = int(self._party_of(sid, firm)[2])
            if allocation > 0:
                out[sid] = allocation
        return out

    def accept_citations(
        self,
        firm: str,
        claim_id: str,
        document: ReductionClaim,
        allocations: Mapping[str, int],
        citations: Sequence[SignedCitation],
        supersedes: str | None,
        accepted_here: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        """Validate the firm's signed citations of ``claim_id``; the rows to queue.

        Every cited settlement with an allocation needs one; none may be cited already by
        another claim that stays active (a second citation would count it twice), including
        one on its way to the chain: stored, or in ``accepted_here`` (accepted earlier in the
        same request, stored with it at its end)."""
        given = {_hex(c.settlement_id): c for c in citations}
        cited = [s.settlement_id for s in document.settlements if s.settlement_id in allocations]
        unknown = sorted(set(given) - set(cited))
        if unknown:
            raise InvalidRequest(
                "citations for settlements the document does not cite with an allocation",
                [{"field": "citations", "message": ", ".join(unknown)}],
            )
        missing = [sid for sid in cited if sid not in given]
        if missing:
            raise InvalidRequest(
                "each cited settlement allocation needs the firm's signed Citation",
                [{"field": "citations", "message": f"missing for {sid}"} for sid in missing],
            )
        expected = self.nonce(firm)
        rows = []
        for i, sid in enumerate(cited):
            signed = given[sid]
            citation = Citation(_b32(sid), firm, _b32(claim_id), signed.nonce, signed.deadline)
            self._check_signer(
                firm, FIRM_ROLE, "firm", citation_typed_data(self.domain(), citation),
                signed.signature,
            )  # fmt: skip
            if signed.nonce != expected + i:
                raise Conflict(
                    f"citation of {sid}: nonce {signed.nonce} is not the next OverlapSettlement "
                    f"nonce of {firm} (expected {expected + i})"
                )
            self._check_deadline(signed.deadline)
            self._check_not_cited(sid, firm, claim_id, supersedes, accepted_here)
            rows.append(
                {
                    "settlement_id": sid,
                    "party": firm,
                    "claim_id": claim_id,
                    "nonce": signed.nonce,
                    "deadline": signed.deadline,
                    "signature": _hex(signed.signature),
                }
            )
        return rows

    def _check_not_cited(
        self,
        sid: str,
        firm: str,
        claim_id: str,
        supersedes: str | None,
        accepted_here: Collection[str],
    ) -> None:
        holders = {
            c.claim_id
            for c in self.store.citations(settlement_id=sid, party=firm)
            if c.state != REFUSED
        }
        citing = self._party_of(sid, firm)[5]
        if any(bytes(citing)):
            holders.add(_hex(citing))
        holders -= {claim_id, supersedes or ""}
        for holder in sorted(holders):
            status = self.ledger.claim_state(_b32(holder)).status
            stored = self.claim_store.get(holder)
            on_its_way = status == "none" and (
                holder in accepted_here or (stored is not None and stored.state != "refused")
            )
            if status == "active" or on_its_way:
                raise Conflict(
                    f"the allocation of {firm} in settlement {sid} is already cited by claim "
                    f"{holder}; supersede that claim to cite it again"
                )

    def queue_citations(self, rows: Sequence[dict[str, Any]]) -> None:
        self.store.add_citations(rows)

    def relay_citations(self, claim_id: str) -> None:
        """Relay the queued citations of ``claim_id`` if the claim is on chain."""
        row = self.claim_store.get(claim_id)
        if row is None or row.state not in (ANCHORED, CHECKED):
            return
        for item in self.store.citations(claim_id=claim_id, state=PENDING):
            citation = Citation(
                _b32(item.settlement_id),
                item.party,
                _b32(item.claim_id),
                item.nonce,
                item.deadline,
            )
            try:
                where = self.ledger.relay(
                    "OverlapSettlement",
                    "citeAllocation",
                    [citation.as_tuple(), _b32(item.signature)],
                    "citing an allocation",
                )
            except ContractLogicError as exc:
                self.store.mark_citation(item.seq, REFUSED, error=self._reason(exc))
                continue
            except TransactionFailed as exc:
                self.store.mark_citation(item.seq, REFUSED, error=str(exc)[:300])
                continue
            self.store.mark_citation(item.seq, RECORDED, tx_hash=where.tx_hash)

    def relay_pending_citations(self, settlement_id: str | None = None) -> None:
        """Relay any queued citation whose claim has reached the chain since."""
        pending = self.store.citations(settlement_id=settlement_id, state=PENDING)
        for claim_id in dict.fromkeys(c.claim_id for c in pending):
            self.relay_citations(claim_id)
