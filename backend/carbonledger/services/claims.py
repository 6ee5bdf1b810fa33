"""Submitting a claim: validate, verify the firm's signature, check, store, anchor, attest.

:meth:`ClaimService.submit` does, in this order (issue 5, item 2):

1. parse the document (``InvalidRequest`` with field paths when malformed);
2. rebuild the exact struct the firm signed (:func:`carbonledger.claims.build_claim`) and
   recover the signer: it must be the firm's current signing key (``SignatureMismatch``, 401)
   and the firm an active member with the firm role (``NotPermitted``, 403);
3. refuse a duplicate (``Conflict``: the same document of the same firm, e.g. a replayed
   signature) and a nonce that is not the next one for the firm;
4. run the standard checker (a failing claim is still recorded, as failed, with its report);
5. store the document encrypted in the evidence vault and the claim in the claims table
   (the outbox): from here on the claim is **accepted** and will reach the chain;
6. let the anchoring worker relay it and record the checker's outcome, and wait (bounded)
   for both, so the answer usually carries the transaction and block.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eth_account import Account
from eth_utils.address import to_checksum_address

from carbonledger.chain.gateway import LedgerGateway, MemberState
from carbonledger.chain.typed_data import ZERO32, Claim, claim_digest
from carbonledger.chain.typed_data import claim_id as compute_id
from carbonledger.claims import ClaimMappingError, build_claim
from carbonledger.services.anchoring import AnchorWorker, claim_to_json
from carbonledger.services.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    NotPermitted,
    ServiceError,
    SignatureMismatch,
)
from carbonledger.standard import Claim as ClaimDocument
from carbonledger.standard import (
    ClaimFormatError,
    Standard,
    StandardError,
    canonical_bytes,
    check,
    document_hash,
    parse_claim,
)
from carbonledger.standard.models import ReductionClaim
from carbonledger.store.claims import ClaimAlreadyStored, ClaimRow, ClaimStore
from carbonledger.vault import client as vault_client
from carbonledger.vault.errors import (
    DocumentAlreadyExists,
    DocumentNotFound,
    UnknownReader,
    VaultAccessDenied,
)
from carbonledger.vault.service import EvidenceVault

FIRM_ROLE = 1 << 1
MIN_DEADLINE_MARGIN = 60  # seconds the signature must still be valid for when accepted


@dataclass(frozen=True)
class SignedCitation:
    """A firm's signed ``Citation`` of its allocation in a settlement, sent with the reduction
    claim that cites it (the claim id is the one being submitted)."""

    settlement_id: bytes
    nonce: int
    deadline: int
    signature: bytes


@dataclass(frozen=True)
class Submission:
    """What a firm posts: its document as it wrote it, and its signature over the claim."""

    document: bytes
    signature: bytes
    nonce: int
    deadline: int
    supersedes: bytes = ZERO32
    baseline_document: bytes | None = None
    citations: tuple[SignedCitation, ...] = ()


class SettlementCitations(Protocol):
    """What the claim pipeline needs of the settlement service (reduction claims citing
    settlement allocations); see :mod:`carbonledger.services.settlements`."""

    def allocations_for(self, firm: str, settlement_ids: Sequence[str]) -> dict[str, int]: ...

    def accept_citations(
        self,
        firm: str,
        claim_id: str,
        document: ReductionClaim,
        allocations: Mapping[str, int],
        citations: Sequence[SignedCitation],
        supersedes: str | None,
    ) -> list[dict[str, Any]]: ...

    def queue_citations(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def relay_citations(self, claim_id: str) -> None: ...


def _problems(error: ClaimFormatError, prefix: str) -> list[dict[str, str]]:
    return [
        {"field": f"{prefix}.{p.path}".rstrip("."), "message": p.message} for p in error.problems
    ]


@dataclass(frozen=True)
class _Prepared:
    """A submission whose document, struct and signer have been checked (steps 1-2)."""

    submission: Submission
    document: ClaimDocument
    firm: str
    baseline: ClaimDocument | None
    allocations: dict[str, int] | None
    version: int
    claim: Claim


class _Reads:
    """The chain reads of one request, each made once: the standard's version, a firm's
    membership and next nonce (then counted here as the request's claims are accepted), and
    the duplicate check of a claim id (prefetched in one batch by ``submit_many``)."""

    def __init__(self, service: ClaimService) -> None:
        self.service = service
        self._version: int | None = None
        self._members: dict[str, MemberState] = {}
        self._nonces: dict[str, int] = {}
        self.claim_status: dict[bytes, str] = {}

    def standard_version(self) -> int:
        if self._version is None:
            self._version = self.service.ledger.standard_version_of(
                self.service.standard.content_hash
            )
        return self._version

    def member(self, firm: str) -> MemberState:
        if firm not in self._members:
            self._members[firm] = self.service.ledger.member_state(firm)
        return self._members[firm]

    def status_of(self, claim_id: bytes) -> str:
        if claim_id not in self.claim_status:
            self.claim_status[claim_id] = self.service.ledger.claim_state(claim_id).status
        return self.claim_status[claim_id]

    def next_nonce(self, firm: str) -> int:
        if firm not in self._nonces:
            self._nonces[firm] = self.service.next_nonce(firm)
        return self._nonces[firm]

    def nonce_used(self, firm: str, nonce: int) -> None:
        self._nonces[firm] = nonce + 1


class ClaimService:
    """The claim pipeline (see the module docstring)."""

    def __init__(
        self,
        ledger: LedgerGateway,
        store: ClaimStore,
        vault: EvidenceVault,
        standard: Standard,
        worker: AnchorWorker | None,
        *,
        service_reader: str,
        service_vault_key: bytes,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.vault = vault
        self.standard = standard
        self.worker = worker
        self.service_reader = service_reader
        self.service_vault_key = service_vault_key
        self.clock = clock
        #: set by the container: settlement allocations for reduction claims citing them
        self.settlements: SettlementCitations | None = None
        self._citing: set[str] = set()  # accepted claims whose citations await relaying

    # --- documents ---
    def parse(self, raw: bytes, field: str = "document") -> ClaimDocument:
        try:
            return parse_claim(raw)
        except ClaimFormatError as exc:
            raise InvalidRequest(
                f"{field} is not a valid claim document", _problems(exc, field)
            ) from None

    def read_document(self, claim_id: str) -> bytes:
        """The stored document of ``claim_id``, opened with the service's own vault key."""
        try:
            envelope = self.vault.get(self.service_reader, claim_id)
        except (DocumentNotFound, VaultAccessDenied):
            raise NotFound(f"no document is stored for claim {claim_id}") from None
        return vault_client.open_envelope(envelope, self.service_vault_key)

    def _baseline(self, document: ReductionClaim, given: bytes | None) -> ClaimDocument:
        wanted = str(document.baseline.document_hash).lower()
        if given is not None:
            baseline = self.parse(given, "baseline_document")
            if "0x" + document_hash(baseline).hex() != wanted:
                raise InvalidRequest(
                    "baseline_document is not the document the reduction names",
                    [{"field": "baseline_document", "message": f"its hash is not {wanted}"}],
                )
            return baseline
        baseline_id = "0x" + compute_id(str(document.firm.address), bytes.fromhex(wanted[2:])).hex()
        try:
            return self.parse(self.read_document(baseline_id), "baseline_document")
        except NotFound:
            raise InvalidRequest(
                "the reduction's baseline claim is not stored here; send it as baseline_document",
                [{"field": "document.baseline.document_hash", "message": "unknown baseline"}],
            ) from None

    # --- submission ---
    def submit(self, submission: Submission, caller: str | None, wait: float = 20.0) -> ClaimRow:
        reads = _Reads(self)
        row = self._accept(self._prepare(submission, caller, reads), reads)
        if self.worker is not None and wait > 0:
            row = self.worker.wait_for(row.claim_id, wait) or row
        self._after_anchoring(row)
        return row

    def submit_many(
        self, submissions: Sequence[Submission], caller: str | None, wait: float = 0.0
    ) -> list[ClaimRow | ServiceError]:
        """Each submission as :meth:`submit` takes it, in order; per item its row or the error
        that refused it (the others go on). The chain reads every item needs (the standard's
        version, each firm's membership and next nonce) are made once for the request, and the
        duplicate checks against the chain in one JSON-RPC batch."""
        reads = _Reads(self)
        results: list[ClaimRow | ServiceError | _Prepared] = []
        for submission in submissions:
            try:
                results.append(self._prepare(submission, caller, reads))
            except ServiceError as exc:
                results.append(exc)
        ids = [r.claim.claim_id for r in results if isinstance(r, _Prepared)]
        reads.claim_status.update(
            (state.claim_id, state.status) for state in self.ledger.claim_states(ids)
        )
        for i, item in enumerate(results):
            if isinstance(item, _Prepared):
                try:
                    results[i] = self._accept(item, reads)
                except ServiceError as exc:
                    results[i] = exc
        if self.worker is not None:
            self.worker.kick()
        deadline = time.monotonic() + wait
        out: list[ClaimRow | ServiceError] = []
        for item in results:
            assert not isinstance(item, _Prepared)
            if isinstance(item, ClaimRow) and self.worker is not None and wait > 0:
                left = max(0.0, deadline - time.monotonic())
                item = self.worker.wait_for(item.claim_id, left) or item
            if isinstance(item, ClaimRow):
                self._after_anchoring(item)
            out.append(item)
        return out

    def _prepare(self, submission: Submission, caller: str | None, reads: _Reads) -> _Prepared:
        """Steps 1-2: the document, the struct the firm signed, and who signed it."""
        document = self.parse(submission.document)
        firm = to_checksum_address(str(document.firm.address))
        if caller is not None and to_checksum_address(caller) != firm:
            raise NotPermitted(f"member {caller} may not submit a claim of firm {firm}")
        baseline = (
            self._baseline(document, submission.baseline_document)
            if isinstance(document, ReductionClaim)
            else None
        )
        allocations: dict[str, int] | None = None
        if (
            isinstance(document, ReductionClaim)
            and document.settlements
            and self.settlements is not None
        ):
            allocations = self.settlements.allocations_for(
                firm, [s.settlement_id for s in document.settlements]
            )
        version = reads.standard_version()
        if version == 0:
            raise Conflict(
                f"standard {self.standard.version_id} is not published on chain; an admin "
                "must publish its content hash first"
            )
        try:
            claim = build_claim(
                document,
                self.standard,
                standard_version=version,
                nonce=submission.nonce,
                deadline=submission.deadline,
                baseline=baseline,
                supersedes=submission.supersedes,
                allocations=allocations,
            )
        except (ClaimMappingError, StandardError) as exc:
            raise InvalidRequest(f"the claim cannot be computed: {exc}") from None

        # the signature, and who signed
        member = reads.member(firm)
        if member.status == "none":
            raise NotPermitted(f"firm {firm} is not a member of the consortium")
        try:
            signer = Account._recover_hash(
                claim_digest(self.ledger.domain(), claim), signature=submission.signature
            )
        except Exception:
            raise SignatureMismatch("signature is malformed (65 bytes r, s, v expected)") from None
        if signer != member.signing_key:
            raise SignatureMismatch(
                f"the signature is not firm {firm}'s current key over this claim (signed by "
                f"{signer}): the document, nonce or deadline differ from what was signed"
            )
        if member.status != "active":
            raise NotPermitted(f"firm {firm} is {member.status}")
        if not member.roles & FIRM_ROLE:
            raise NotPermitted(f"member {firm} does not have the firm role")
        return _Prepared(submission, document, firm, baseline, allocations, version, claim)

    def _accept(self, item: _Prepared, reads: _Reads) -> ClaimRow:
        """Steps 3-5: duplicates and nonce, the check, then storage (accepted from here on)."""
        submission, document, firm, claim = item.submission, item.document, item.firm, item.claim
        baseline, allocations = item.baseline, item.allocations
        claim_id = "0x" + claim.claim_id.hex()
        if self.store.get(claim_id) is not None or reads.status_of(claim.claim_id) != "none":
            raise Conflict(f"claim {claim_id} has already been submitted")
        expected = reads.next_nonce(firm)
        if submission.nonce != expected:
            raise Conflict(
                f"nonce {submission.nonce} is not the next nonce of firm {firm} "
                f"(expected {expected}); a nonce is used once, in order"
            )
        if submission.deadline < self.clock() + MIN_DEADLINE_MARGIN:
            raise InvalidRequest(
                "the signature's deadline has passed or is too close",
                [
                    {
                        "field": "deadline",
                        "message": f"must be at least {MIN_DEADLINE_MARGIN} s ahead",
                    }
                ],
            )

        # settlement allocations cited: the firm's signed citations, relayed once anchored
        citations: list[dict[str, Any]] = []
        if allocations is not None and isinstance(document, ReductionClaim):
            assert self.settlements is not None
            supersedes = (
                "0x" + submission.supersedes.hex() if submission.supersedes != ZERO32 else None
            )
            citations = self.settlements.accept_citations(
                firm, claim_id, document, allocations, submission.citations, supersedes
            )
        elif submission.citations:
            raise InvalidRequest(
                "citations are sent only with a reduction claim citing settlements",
                [{"field": "citations", "message": "nothing to cite"}],
            )

        # the check, then storage: accepted from here on
        report = check(document, self.standard, baseline=baseline, allocations=allocations)
        if not report.passed:
            citations = []  # a failing claim counts nothing: it does not take the allocation
        self._store_document(firm, claim_id, submission.document)
        if citations:
            assert self.settlements is not None
            self.settlements.queue_citations(citations)
        try:
            row = self.store.add(
                {
                    "claim_id": claim_id,
                    "firm": firm,
                    "kind": document.kind,
                    "period_start": claim.period_start,
                    "period_end": claim.period_end,
                    "standard_version": item.version,
                    "document_hash": "0x" + claim.document_hash.hex(),
                    "nonce": claim.nonce,
                    "deadline": claim.deadline,
                    "claim": claim_to_json(claim),
                    "signature": "0x" + bytes(submission.signature).hex(),
                    "check_passed": report.passed,
                    "report_hash": "0x" + report.report_hash.hex(),
                    "report": canonical_bytes(report).decode("utf-8"),
                }
            )
        except ClaimAlreadyStored as exc:
            raise Conflict(str(exc)) from None
        reads.nonce_used(firm, claim.nonce)
        if citations:
            self._citing.add(claim_id)
        return row

    def _after_anchoring(self, row: ClaimRow) -> None:
        if row.claim_id in self._citing and self.settlements is not None:
            self._citing.discard(row.claim_id)
            self.settlements.relay_citations(row.claim_id)

    def next_nonce(self, firm: str) -> int:
        """The nonce ``firm``'s next claim must carry.

        One past the highest nonce of the firm's claims accepted here (and not refused by the
        chain): the claims waiting in the outbox carry the nonces that follow the chain's, in
        order, and while a chain that lost blocks is being reconciled no nonce of an accepted
        claim is handed out again. Never below the chain's counter (claims relayed by others).

        Not "the chain's counter plus the claims still in the outbox": read while the worker
        is between a transaction's receipt and marking its claims anchored, that counts those
        claims twice and refuses the firm's next claim (found by ``scripts/bench.py``).
        """
        firm = to_checksum_address(firm)
        highest = self.store.max_nonce(firm)
        on_chain = self.ledger.nonce(firm)
        return on_chain if highest is None else max(on_chain, highest + 1)

    def _store_document(self, firm: str, claim_id: str, plaintext: bytes) -> None:
        try:
            self.vault.put(firm, claim_id, plaintext, readers=[self.service_reader])
        except UnknownReader as exc:
            raise Conflict(
                f"{exc}; register a vault key first (PUT /members/me/vault-key)"
            ) from None
        except DocumentAlreadyExists:
            pass  # a retry after a crash between storing the document and the claim
