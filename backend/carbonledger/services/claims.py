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
   (the outbox), in one database transaction: once it commits the claim is **accepted** and
   will reach the chain; a claim refused at any step leaves nothing in either;
6. let the anchoring worker relay it and record the checker's outcome, and wait (bounded)
   for both, so the answer usually carries the transaction and block.

:meth:`ClaimService.submit_many` judges each claim of a batch in order exactly as
:meth:`~ClaimService.submit` does (steps 1-4, each claim against the chain's state and the
claims accepted before it), then stores all the accepted ones in one transaction (step 5):
one commit per request instead of two per claim. The chain reads of a request and the
vault's readers (the auditor set, the readers' keys) are resolved once per request.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Protocol

from carbonledger.chain.gateway import Anchored, MemberState
from carbonledger.claims import ClaimMappingError, build_claim
from carbonledger.overlaps import OverlapError, shipment_emissions
from carbonledger.services.citations import CitationOutbox, SignedCitation
from carbonledger.services.errors import (
    Busy,
    Conflict,
    InvalidRequest,
    NonceOutOfOrder,
    NotFound,
    NotPermitted,
    ServiceError,
    SignatureMismatch,
)
from carbonledger.services.ports import (
    ClaimStorePort,
    LedgerPort,
    RegistryView,
    ShipmentRecords,
)
from carbonledger.services.queries import stored_claim
from carbonledger.services.roots import RootAnchoring, proof_document
from carbonledger.standard import Claim as ClaimDocument
from carbonledger.standard import (
    ClaimFormatError,
    LineResult,
    Standard,
    StandardError,
    canonical_bytes,
    check,
    computed_lines,
    document_hash,
    keccak256,
    parse_claim,
    shipped_standards,
)
from carbonledger.standard.models import FootprintClaim, ReductionClaim
from carbonledger.store.claims import ClaimRow
from carbonledger.store.roots import ClaimProof
from carbonledger.store.shipments import Read
from carbonledger.vault import client as vault_client
from carbonledger.vault.errors import UnknownReader
from carbonledger.vault.model import SealedDocument
from carbonledger.vault.service import EvidenceVault, ReaderKeys
from carbonledger.vocab import (
    FIRM_ROLE,
    VERSION_STATUS_NAMES,
    ZERO32,
    Claim,
    Domain,
    Revocation,
    checksum_address,
    name_of,
    recover_signer,
)
from carbonledger.vocab import claim_id as compute_id

MIN_DEADLINE_MARGIN = 60  # seconds the signature must still be valid for when accepted
#: seconds a firm refused for its backlog (:class:`Busy`) is told to wait: a firm at the
#: limit has its claims on chain at one a turn, so a few seconds free room for many
BUSY_RETRY_AFTER = 5


@dataclass(frozen=True)
class DryRun:
    """A document to check as :meth:`ClaimService.dry_run` takes it."""

    document: bytes
    baseline_document: bytes | None = None
    supersedes: bytes = ZERO32


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


class Anchoring(Protocol):
    """What the pipeline needs of the anchoring worker: a nudge, and a bounded wait."""

    def kick(self) -> None: ...

    def wait_for(self, claim_id: str, timeout: float) -> ClaimRow | None: ...


def _problems(error: ClaimFormatError, prefix: str) -> list[dict[str, str]]:
    return [
        {"field": f"{prefix}.{p.path}".rstrip("."), "message": p.message} for p in error.problems
    ]


@dataclass(frozen=True)
class _Computed:
    """A document, what it cites and the Claim struct computed from it (step 1)."""

    document: ClaimDocument
    firm: str
    baseline: ClaimDocument | None
    allocations: dict[str, int] | None
    standard: Standard  # the version the document names, registered and in force on chain
    version: int
    claim: Claim


@dataclass(frozen=True)
class _Prepared(_Computed):
    """A submission whose document, struct and signer have been checked (steps 1-2)."""

    submission: Submission
    claim_id: bytes  # claim.claim_id, computed once


def _shipments_of(
    claim_id: str,
    firm: str,
    document: ClaimDocument,
    standard: Standard,
    lines: Sequence[LineResult],
) -> Read | None:
    """What a passed footprint counts per shipment ref, from the lines its check computed
    (~10-20 us); None when a ref does not read as one (the overlap finder reads it later)."""
    try:
        emissions = shipment_emissions(document, standard, lines)
    except (OverlapError, StandardError):
        return None
    return Read(claim_id, firm, emissions if emissions.kg else None)


@dataclass(frozen=True)
class _Accepted:
    """A claim that passed steps 1-4: its outbox row and its sealed document, to store."""

    row: dict[str, Any]
    document: SealedDocument
    citing: bool  # its settlement citations were queued, to relay once it is anchored
    #: a passed footprint's emissions per shipment ref, for the shipment index (None: not
    #: a passed footprint, or its lines were not at hand: the overlap finder reads it later)
    shipments: Read | None = None


@dataclass(eq=False)
class _Queued:
    """One request's accepted claims waiting to be written (:meth:`ClaimService._write`)."""

    accepted: Sequence[_Accepted]
    done: threading.Event = field(default_factory=threading.Event)
    rows: list[ClaimRow | None] = field(default_factory=list)
    error: BaseException | None = None


class _Reads:
    """The reads of one request, each made once: the standard's version, a firm's
    membership and next nonce (then counted here as the request's claims are accepted), the
    duplicate check of a claim id on chain and here (prefetched in one batch each by
    ``submit_many``; a claim accepted earlier in the request counts as stored), and the
    vault's readers."""

    def __init__(self, service: ClaimService) -> None:
        self.service = service
        self.registry = service.registry_view()
        self._versions: dict[str, tuple[Standard, int]] = {}
        self._members: dict[str, MemberState] = {}
        self._nonces: dict[str, int] = {}
        self._backlogs: dict[str, int] = {}
        self.claim_status: dict[bytes, str] = {}
        self.stored_here: dict[str, bool] = {}
        #: claims accepted earlier in this request: not stored before its end, yet on their way
        self.accepted_ids: set[str] = set()
        self.vault_keys: ReaderKeys = service.vault.reader_keys()

    def standard_for(self, version_id: str) -> tuple[Standard, int]:
        """The standard a document naming ``version_id`` is checked under, with its on-chain
        version number: the service's current standard or an older shipped one, provided its
        content hash is registered in the StandardRegistry, in force and not retired."""
        if version_id not in self._versions:
            self._versions[version_id] = self.service.standard_in_force(version_id, self.registry)
        return self._versions[version_id]

    def member(self, firm: str) -> MemberState:
        if firm not in self._members:
            self._members[firm] = self.registry.member_state(firm)
        return self._members[firm]

    def status_of(self, claim_id: bytes) -> str:
        if claim_id not in self.claim_status:
            self.claim_status[claim_id] = self.service.ledger.claim_state(claim_id).status
        return self.claim_status[claim_id]

    def is_stored_here(self, claim_id: str) -> bool:
        if claim_id not in self.stored_here:
            self.stored_here[claim_id] = self.service.store.get(claim_id) is not None
        return self.stored_here[claim_id]

    def next_nonce(self, firm: str) -> int:
        if firm not in self._nonces:
            self._nonces[firm] = self.service.next_nonce(firm)
        return self._nonces[firm]

    def read_one(self, item: _Prepared) -> None:
        """The reads of a request of one claim (``submit``), made under its firm's lock as
        :meth:`ClaimService._accept` reads them, in two round trips instead of four: the
        claim's state on chain and its firm's ClaimLedger nonce in one JSON-RPC batch, then
        whether it is stored here, its firm's highest nonce and backlog here in one query."""
        if item.claim_id in self.claim_status or item.firm in self._nonces:
            return
        state, on_chain = self.service.ledger.claim_state_and_nonce(item.claim_id, item.firm)
        self.claim_status[item.claim_id] = state.status
        claim_id = "0x" + item.claim_id.hex()
        found = self.service.store.submission_reads(claim_id, item.firm)
        self.stored_here[claim_id] = found.stored
        self._nonces[item.firm] = _following(found.highest, on_chain)
        if found.queued < self.service.backlog_limit:  # else counted, when asked
            self._backlogs[item.firm] = found.queued

    def backlog(self, firm: str) -> int:
        """How many of ``firm``'s claims wait for the chain, this request's accepted ones
        included (read once, exactly from the service's limit on)."""
        if firm not in self._backlogs:
            limit = self.service.backlog_limit
            self._backlogs[firm] = self.service.store.firm_backlog(firm, exact_from=limit)
        return self._backlogs[firm]

    def accepted(self, firm: str, claim_id: str, nonce: int) -> None:
        if firm in self._backlogs:
            self._backlogs[firm] += 1
        self._nonces[firm] = nonce + 1
        self.stored_here[claim_id] = True
        self.accepted_ids.add(claim_id)


def document_missing(claim_id: str) -> NotFound:
    """The error of a claim whose document the vault does not hold for the service."""
    return NotFound(f"no document is stored for claim {claim_id}")


@dataclass(eq=False, repr=False)
class ClaimService:
    """The claim pipeline (see the module docstring)."""

    ledger: LedgerPort
    store: ClaimStorePort
    vault: EvidenceVault
    standard: Standard
    worker: Anchoring | None
    _: KW_ONLY
    service_reader: str
    service_vault_key: bytes
    #: settlement allocations cited by reduction claims (None: citations are refused)
    citations: CitationOutbox | None = None
    clock: Callable[[], float] = time.time
    #: seconds :meth:`submit` waits for a claim to reach the chain (``Settings.submit_wait``)
    submit_wait: float = 20.0
    #: claims of one firm that may wait for the chain at once (``Settings.firm_backlog_limit``)
    backlog_limit: int = 100_000
    #: seconds a firm refused for its backlog is told to wait (``Retry-After``)
    busy_retry_after: int = BUSY_RETRY_AFTER
    #: root mode's anchoring (None in batch and single mode): proofs, admissions
    roots: RootAnchoring | None = None
    #: the registries' state for a request starting now, kept until either registry logs
    #: an event (:meth:`carbonledger.services.members.RegistryCache.current`); None reads
    #: the chain for each request
    registry: Callable[[], RegistryView] | None = None
    #: held while a request's claims are written (:meth:`_store`). On SQLite, one writer at
    #: a time holds the database, and a writer that finds it taken sleeps in SQLite's busy
    #: handler for 1, 2, 5, 10 ... 100 ms before it looks again: eight request threads
    #: committing one claim each spent half their time there (scripts/bench.py, single
    #: mode). Queued on this lock instead, the requests waiting for it are written together
    #: in one transaction (:meth:`_write`). None (PostgreSQL) writes concurrently.
    write_lock: contextlib.AbstractContextManager[Any] | None = None
    #: the shipment index, written with each passed footprint (its refs and their kgCO2e,
    #: from the lines the check computed) in the claim's own transaction; None leaves the
    #: footprints to the overlap finder, which opens each document again to read them
    shipments: ShipmentRecords | None = None
    _queue: list[_Queued] = field(init=False, default_factory=list)
    _queue_guard: threading.Lock = field(init=False, default_factory=threading.Lock)
    #: accepted claims whose citations await relaying
    _citing: set[str] = field(init=False, default_factory=set)
    _domain: Domain | None = field(init=False, default=None)
    _firm_locks: dict[str, threading.Lock] = field(init=False, default_factory=dict)
    _firm_locks_guard: threading.Lock = field(init=False, default_factory=threading.Lock)

    @contextlib.contextmanager
    def _firms_serialised(self, firms: Iterable[str]) -> Iterator[None]:
        """Hold ``firms``' locks (in a fixed order) from reading their next nonces until
        their claims are stored: two requests of one firm at once would otherwise both be
        judged against the same next nonce, both answered "accepted", and the chain would
        refuse the second. Per process; across API processes on one database the outbox's
        unique index on live (firm, nonce) refuses the second (see :meth:`_store`)."""
        with self._firm_locks_guard:
            locks = [self._firm_locks.setdefault(f, threading.Lock()) for f in sorted(set(firms))]
        with contextlib.ExitStack() as stack:
            for lock in locks:
                stack.enter_context(lock)
            yield

    def registry_view(self) -> RegistryView:
        """Where a request starting now reads the registries (see :attr:`registry`)."""
        return self.registry() if self.registry is not None else self.ledger

    def standard_in_force(
        self, version_id: str, registry: RegistryView | None = None
    ) -> tuple[Standard, int]:
        """The standard version ``version_id`` (as a claim document names it) and its
        StandardRegistry number, when new claims may be filed under it: a version this service
        ships, registered on chain, in force and not retired. Old versions stay usable until
        the admins retire them; the claim is checked under the version it names."""
        registry = registry or self.registry_view()
        problem = [{"field": "document.standard_version", "message": ""}]
        if version_id == self.standard.version_id:
            standard = self.standard
        else:
            named = [s for s in shipped_standards() if s.version_id == version_id]
            if not named:
                known = ", ".join(s.version_id for s in shipped_standards())
                problem[0]["message"] = f"unknown standard version (known: {known})"
                raise InvalidRequest(f"standard version {version_id!r} is not known here", problem)
            standard = named[0]
        version = registry.standard_version_of(standard.content_hash)
        if version == 0:
            raise Conflict(
                f"standard {version_id} is not published on chain; an admin "
                "must publish its content hash first"
            )
        status, effective_from = registry.standard_status(version)
        name = name_of(VERSION_STATUS_NAMES, status)
        if name != "active":
            problem[0]["message"] = (
                f"on-chain version {version} is {name}; file under {self.standard.version_id}"
            )
            raise InvalidRequest(
                f"standard version {version_id} (on-chain version {version}) is {name}: "
                "new claims may not be filed under it",
                problem,
            )
        if effective_from > self.clock():
            problem[0]["message"] = f"on-chain version {version} is in force from {effective_from}"
            raise InvalidRequest(
                f"standard version {version_id} (on-chain version {version}) is not in force "
                f"before {effective_from}",
                problem,
            )
        return standard, version

    # --- documents ---
    def parse(self, raw: bytes, field: str = "document") -> ClaimDocument:
        try:
            return parse_claim(raw)
        except ClaimFormatError as exc:
            raise InvalidRequest(
                f"{field} is not a valid claim document", _problems(exc, field)
            ) from None

    def read_document(self, claim_id: str) -> bytes:
        """The stored document of ``claim_id``, opened with the service's own vault key;
        :class:`NotFound` when none is stored."""
        found = self.read_documents([claim_id])
        if claim_id not in found:
            raise document_missing(claim_id)
        return found[claim_id]

    def read_documents(self, claim_ids: Sequence[str]) -> dict[str, bytes]:
        """The stored documents of ``claim_ids`` (one read), by claim id; a claim with no
        stored document is left out."""
        envelopes = self.vault.get_many(self.service_reader, claim_ids)
        opener = vault_client.EnvelopeOpener(self.service_vault_key)
        return {i: opener.open(e) for i, e in envelopes.items()}

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

    # --- the dry-run check ---
    def dry_run(self, item: DryRun, caller: str | None) -> tuple[Claim, Any]:
        """What :meth:`submit` would compute for ``item``'s document, with nothing signed or
        stored: the claim struct the firm would sign (``nonce`` and ``deadline`` left 0, for
        the signer to fill) and the checker's report. ``caller`` must be the document's
        firm."""
        (result,) = self.dry_run_many([item], caller)
        if isinstance(result, ServiceError):
            raise result
        return result

    def dry_run_many(
        self, items: Sequence[DryRun], caller: str | None
    ) -> list[tuple[Claim, Any] | ServiceError]:
        """:meth:`dry_run` of each item, in order: per item the claim and its report, or the
        error that refused it (the others go on). The registries are read once for the
        request and each standard version named once (a firm checking a month of shipments
        before it signs them, in the web app, asks for a hundred at a time)."""
        registry = self.registry_view()
        versions: dict[str, tuple[Standard, int]] = {}

        def standard_for(version_id: str) -> tuple[Standard, int]:
            if version_id not in versions:
                versions[version_id] = self.standard_in_force(version_id, registry)
            return versions[version_id]

        out: list[tuple[Claim, Any] | ServiceError] = []
        for item in items:
            try:
                c = self._compute(
                    item.document,
                    caller,
                    "check",
                    standard_for,
                    baseline_document=item.baseline_document,
                    nonce=0,
                    deadline=0,
                    supersedes=item.supersedes,
                )
                report = check(
                    c.document, c.standard, baseline=c.baseline, allocations=c.allocations
                )
            except ServiceError as exc:
                out.append(exc)
                continue
            out.append((c.claim, report))
        return out

    def _compute(
        self,
        raw: bytes,
        caller: str | None,
        verb: str,
        standard_for: Callable[[str], tuple[Standard, int]],
        *,
        baseline_document: bytes | None,
        nonce: int,
        deadline: int,
        supersedes: bytes,
    ) -> _Computed:
        """Step 1: the document ``raw`` (``caller``, when given, must be its firm, or may not
        ``verb`` it), its baseline, the settlement allocations it cites, the standard version
        it names (``standard_for``) and the Claim struct with ``nonce``, ``deadline`` and
        ``supersedes``."""
        document = self.parse(raw)
        firm = checksum_address(str(document.firm.address))
        if caller is not None and checksum_address(caller) != firm:
            raise NotPermitted(f"member {caller} may not {verb} a claim of firm {firm}")
        baseline = (
            self._baseline(document, baseline_document)
            if isinstance(document, ReductionClaim)
            else None
        )
        allocations: dict[str, int] | None = None
        if (
            isinstance(document, ReductionClaim)
            and document.settlements
            and self.citations is not None
        ):
            allocations = self.citations.allocations_for(
                firm, [s.settlement_id for s in document.settlements]
            )
        standard, version = standard_for(str(document.standard_version))
        try:
            claim = build_claim(
                document,
                standard,
                standard_version=version,
                nonce=nonce,
                deadline=deadline,
                baseline=baseline,
                supersedes=supersedes,
                allocations=allocations,
            )
        except (ClaimMappingError, StandardError) as exc:
            raise InvalidRequest(f"the claim cannot be computed: {exc}") from None
        return _Computed(document, firm, baseline, allocations, standard, version, claim)

    # --- root mode ---
    def root_proof(self, claim_id: str) -> ClaimProof:
        """The claim's place under its Merkle root (root mode)."""
        proof = self.roots.proof(claim_id.lower()) if self.roots is not None else None
        if proof is None:
            raise NotFound(
                f"claim {claim_id} is not anchored under a root (it is relayed as a claim, or "
                "its root is not planned yet)"
            )
        return proof

    def proof_document(self, claim_id: str) -> dict[str, Any]:
        """The claim's proof file (:func:`carbonledger.services.roots.proof_document`)."""
        proof = self.root_proof(claim_id)
        row = self.store.get(proof.claim_id)
        if row is None:
            raise NotFound(f"no claim {claim_id}")
        return proof_document(row, proof)

    def bring_on_chain(self, claim_id: str) -> None:
        """Before an operation on ``claim_id``: admit it into the ClaimLedger with its proof
        when it is root-anchored and not there yet (with its check). Its firm's newest
        root-anchored claim is admitted too, so the firm's nonce counter on chain reaches the
        next nonce the service hands out (a revocation signs with it); nothing happens in
        batch and single mode."""
        self.bring_on_chain_many([claim_id])

    def bring_on_chain_many(self, claim_ids: Sequence[str]) -> None:
        """:meth:`bring_on_chain` of each of ``claim_ids`` (an auditor's page of verdicts),
        their admissions sent together (``RootAnchoring.admit_many``)."""
        if self.roots is None:
            return
        rows = self.store.of_ids([c.lower() for c in claim_ids])
        firms = sorted({row.firm for row in rows})
        if not rows:
            return
        with self._firms_serialised(firms):
            self.roots.admit_many([row.claim_id for row in rows])
            for firm in firms:
                highest = self.store.max_nonce(firm)
                if highest is not None and self.ledger.nonce(firm) <= highest:
                    earlier = self.store.earlier_of_firm(firm, highest + 1)
                    for other in sorted(earlier, key=lambda r: -r.nonce)[:1]:
                        self.roots.admit(other.claim_id)

    # --- acts relayed at once with the firm's claim nonce (revocations, PACT anchors) ---
    def serialised(self, firm: str) -> contextlib.AbstractContextManager[None]:
        """Hold ``firm``'s lock, the one its claim submissions take (in this process)."""
        return self._firms_serialised([checksum_address(firm)])

    def check_direct_nonce(self, firm: str, nonce: int, what: str) -> None:
        """For an act of ``firm`` signed with ``nonce`` and relayed now rather than through
        the outbox (call it holding :meth:`serialised`): 409 while claims of the firm are
        still on their way to the chain (they hold the next nonces), or when ``nonce`` is not
        the chain's next one (another act of the firm took it)."""
        firm = checksum_address(firm)
        on_chain = self.ledger.nonce(firm)
        following = self.next_nonce(firm)
        if following != on_chain:
            held = f"nonce {on_chain}" if following == on_chain + 1 else (
                f"nonces {on_chain} to {following - 1}"
            )  # fmt: skip
            raise Conflict(
                f"claims of firm {firm} are still on their way to the chain with {held} (this "
                f"one was signed with nonce {nonce}); {what} once they are anchored"
            )
        if nonce != on_chain:
            raise NonceOutOfOrder(
                f"nonce {nonce} is not the next nonce of firm {firm} (expected {on_chain})"
            )

    # --- revocation ---
    def revoke_claim(
        self,
        claim_id: str,
        reason: str,
        nonce: int,
        deadline: int,
        signature: bytes,
        caller: str | None,
    ) -> Anchored:
        """Relay the firm's signed ``Revocation`` of claim ``claim_id`` (404 when there is
        none here): the firm is the claim's, ``reasonHash`` the keccak-256 of ``reason``'s
        UTF-8, as the firm signed them."""
        row = stored_claim(self.store, claim_id)
        revocation = Revocation(
            claim_id=bytes.fromhex(row.claim_id[2:]),
            firm=row.firm,
            reason_hash=keccak256(reason.encode("utf-8")),
            nonce=nonce,
            deadline=deadline,
        )
        return self.revoke(revocation, signature, caller)

    def revoke(self, revocation: Revocation, signature: bytes, caller: str | None) -> Anchored:
        """Relay a firm's signed ``Revocation`` of one of its active claims (checked here
        first, then by the contract). Its nonce is the firm's next ClaimLedger nonce, shared
        with its claims: while claims of the firm are still on their way to the chain the
        revocation is refused (409) rather than queued behind them."""
        firm = checksum_address(revocation.firm)
        if caller is not None and checksum_address(caller) != firm:
            raise NotPermitted(f"member {caller} may not revoke a claim of firm {firm}")
        claim_id = "0x" + revocation.claim_id.hex()
        row = self.store.get(claim_id)
        if row is None:
            raise NotFound(f"no claim {claim_id}")
        if checksum_address(row.firm) != firm:
            raise NotPermitted(f"claim {claim_id} is not firm {firm}'s")
        member = self.ledger.member_state(firm)
        signer = recover_signer(revocation.digest(self.ledger.domain()), bytes(signature))
        if signer is None or signer != member.signing_key.lower():
            raise SignatureMismatch(f"the revocation is not signed by firm {firm}'s current key")
        if member.status != "active":
            raise NotPermitted(f"firm {firm} is {member.status}")
        if revocation.deadline < self.clock() + MIN_DEADLINE_MARGIN:
            raise InvalidRequest(
                "the signature's deadline has passed or is too close",
                [
                    {
                        "field": "deadline",
                        "message": f"must be at least {MIN_DEADLINE_MARGIN} s ahead",
                    }
                ],
            )
        self.bring_on_chain(claim_id)
        with self.serialised(firm):
            self.check_direct_nonce(firm, revocation.nonce, "revoke")
            status = self.ledger.claim_state(revocation.claim_id).status
            if status != "active":
                raise Conflict(f"claim {claim_id} is {status}, not active: it cannot be revoked")
            return self.ledger.relay(
                "ClaimLedger",
                "revokeClaim",
                [revocation.as_tuple(), bytes(signature)],
                "revoking a claim",
            )

    # --- submission ---
    def submit(
        self, submission: Submission, caller: str | None, wait: float | None = None
    ) -> ClaimRow:
        """Accept ``submission`` and wait up to ``wait`` seconds (default
        :attr:`submit_wait`) for it to reach the chain."""
        wait = self.submit_wait if wait is None else wait
        reads = _Reads(self)
        prepared = self._prepare(submission, caller, reads)
        with self._firms_serialised([prepared.firm]):
            reads.read_one(prepared)
            (row,) = self._store([self._accept(prepared, reads)])
        if isinstance(row, ServiceError):
            raise row
        if self.worker is not None and wait > 0:
            row = self.worker.wait_for(row.claim_id, wait) or row
        self._after_anchoring(row)
        return row

    def submit_many(
        self, submissions: Sequence[Submission], caller: str | None, wait: float = 0.0
    ) -> list[ClaimRow | ServiceError]:
        """Each submission as :meth:`submit` takes it, in order; per item its row or the error
        that refused it (the others go on). The chain reads every item needs (the standard's
        version, each firm's membership and next nonce) are made once for the request, the
        duplicate checks against the chain in one JSON-RPC batch and against the claims
        stored here in one query, and every accepted claim is stored in one transaction."""
        reads = _Reads(self)
        results: list[ClaimRow | ServiceError | _Prepared | _Accepted] = []
        for submission in submissions:
            try:
                results.append(self._prepare(submission, caller, reads))
            except ServiceError as exc:
                results.append(exc)
        ids = [r.claim_id for r in results if isinstance(r, _Prepared)]
        reads.claim_status.update(
            (state.claim_id, state.status) for state in self.ledger.claim_states(ids)
        )
        hex_ids = ["0x" + i.hex() for i in ids]
        stored = self.store.stored_ids(hex_ids)
        reads.stored_here.update((i, i in stored) for i in hex_ids)
        firms = [r.firm for r in results if isinstance(r, _Prepared)]
        with self._firms_serialised(firms):
            for i, item in enumerate(results):
                if isinstance(item, _Prepared):
                    try:
                        results[i] = self._accept(item, reads)
                    except ServiceError as exc:
                        results[i] = exc
            accepted = [(i, r) for i, r in enumerate(results) if isinstance(r, _Accepted)]
            rows = self._store([r for _, r in accepted])
        for (i, _), row in zip(accepted, rows, strict=True):
            results[i] = row
        deadline = time.monotonic() + wait
        out: list[ClaimRow | ServiceError] = []
        for item in results:
            assert isinstance(item, ClaimRow | ServiceError)
            if isinstance(item, ClaimRow) and self.worker is not None and wait > 0:
                left = max(0.0, deadline - time.monotonic())
                item = self.worker.wait_for(item.claim_id, left) or item
            if isinstance(item, ClaimRow):
                self._after_anchoring(item)
            out.append(item)
        return out

    def _signer(self, claim: Claim, signature: bytes) -> str | None:
        """Who signed ``claim`` (lower-case hex), or ``None`` for a signature the ledger would not
        take (:func:`carbonledger.vocab.recover_signer`: 65 bytes, v 27 or 28, low s)."""
        if self._domain is None:
            self._domain = self.ledger.domain()
        return recover_signer(claim.digest(self._domain), bytes(signature))

    def _prepare(self, submission: Submission, caller: str | None, reads: _Reads) -> _Prepared:
        """Steps 1-2: the document, the struct the firm signed, and who signed it."""
        c = self._compute(
            submission.document,
            caller,
            "submit",
            reads.standard_for,
            baseline_document=submission.baseline_document,
            nonce=submission.nonce,
            deadline=submission.deadline,
            supersedes=submission.supersedes,
        )
        firm, claim = c.firm, c.claim

        # the signature, and who signed
        member = reads.member(firm)
        if member.status == "none":
            raise NotPermitted(f"firm {firm} is not a member of the consortium")
        try:
            signer = self._signer(claim, submission.signature)
        except (ValueError, OverflowError):  # a value the struct cannot hold
            signer = None
        if signer is None:
            raise SignatureMismatch(
                "signature is malformed (65 bytes r, s, v expected, v 27 or 28, s in the lower "
                "half of the curve order, over a claim the ledger can hold)"
            )
        if signer != member.signing_key.lower():
            raise SignatureMismatch(
                f"the signature is not firm {firm}'s current key over this claim (signed by "
                f"{checksum_address(signer)}): the document, nonce or deadline differ from "
                "what was signed"
            )
        if member.status != "active":
            raise NotPermitted(f"firm {firm} is {member.status}")
        if not member.roles & FIRM_ROLE:
            raise NotPermitted(f"member {firm} does not have the firm role")
        return _Prepared(**vars(c), submission=submission, claim_id=claim.claim_id)

    def _accept(self, item: _Prepared, reads: _Reads) -> _Accepted:
        """Steps 3-4: duplicates and nonce, the check, the document sealed for the vault.
        Nothing is stored here (:meth:`_store` does); the claim counts as accepted for the
        request's next claims (its nonce used, its id taken)."""
        submission, document, firm, claim = item.submission, item.document, item.firm, item.claim
        baseline, allocations = item.baseline, item.allocations
        claim_id = "0x" + item.claim_id.hex()
        if reads.is_stored_here(claim_id) or reads.status_of(item.claim_id) != "none":
            raise Conflict(f"claim {claim_id} has already been submitted")
        expected = reads.next_nonce(firm)
        if submission.nonce != expected:
            raise NonceOutOfOrder(
                f"nonce {submission.nonce} is not the next nonce of firm {firm} "
                f"(expected {expected}); a nonce is used once, in order"
            )
        waiting = reads.backlog(firm)
        if waiting >= self.backlog_limit:
            raise Busy(
                f"firm {firm} has {waiting} claim{'' if waiting == 1 else 's'} waiting for the "
                "chain, as many as the service holds for one firm (firm_backlog_limit); nothing "
                f"of this claim was stored: send it again in {self.busy_retry_after} s",
                self.busy_retry_after,
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
            assert self.citations is not None
            supersedes = (
                "0x" + submission.supersedes.hex() if submission.supersedes != ZERO32 else None
            )
            citations = self.citations.accept(
                firm,
                claim_id,
                document,
                allocations,
                submission.citations,
                supersedes,
                accepted_here=reads.accepted_ids,
            )
        elif submission.citations:
            raise InvalidRequest(
                "citations are sent only with a reduction claim citing settlements",
                [{"field": "citations", "message": "nothing to cite"}],
            )

        # the check, and the document encrypted for its readers
        lines = (
            computed_lines(document, item.standard)  # before the check takes them
            if self.shipments is not None and isinstance(document, FootprintClaim)
            else None
        )
        report = check(document, item.standard, baseline=baseline, allocations=allocations)
        if not report.passed:
            citations = []  # a failing claim counts nothing: it does not take the allocation
        try:
            sealed = self.vault.seal(
                firm,
                claim_id,
                submission.document,
                readers=[self.service_reader],
                keys=reads.vault_keys,
            )
        except UnknownReader as exc:
            raise Conflict(
                f"{exc}; register a vault key first (PUT /members/me/vault-key)"
            ) from None
        if citations:
            assert self.citations is not None
            self.citations.queue(citations)
        reads.accepted(firm, claim_id, claim.nonce)
        report_bytes = canonical_bytes(report)  # what report_hash hashes, made once
        return _Accepted(
            row={
                "claim_id": claim_id,
                "firm": firm,
                "kind": document.kind,
                "period_start": claim.period_start,
                "period_end": claim.period_end,
                "standard_version": item.version,
                "document_hash": "0x" + claim.document_hash.hex(),
                "nonce": claim.nonce,
                "deadline": claim.deadline,
                "claim": claim.to_json(),
                "signature": "0x" + bytes(submission.signature).hex(),
                "check_passed": report.passed,
                "report_hash": "0x" + keccak256(report_bytes).hex(),
                "report": report_bytes.decode("utf-8"),
            },
            document=sealed,
            citing=bool(citations),
            shipments=(
                _shipments_of(claim_id, firm, document, item.standard, lines)
                if lines is not None and report.passed
                else None
            ),
        )

    def _store(self, accepted: Sequence[_Accepted]) -> list[ClaimRow | ServiceError]:
        """Step 5: the claims into the outbox and their documents into the vault, in order,
        in one transaction; from its commit on they are accepted. A claim whose id another
        request stored meanwhile is refused (409) and nothing of it is written; the others
        are stored all the same. A document already in the vault (left by a crash of a
        version that stored it apart from its claim) is kept as it is."""
        if not accepted:
            return []
        rows = self._write(accepted)
        if self.worker is not None:
            self.worker.kick()  # this process's worker; another process's hears the NOTIFY
        missing = [a.row["claim_id"] for a, row in zip(accepted, rows, strict=True) if row is None]
        stored = self.store.stored_ids(missing)
        out: list[ClaimRow | ServiceError] = []
        for item, row in zip(accepted, rows, strict=True):
            if row is None:
                claim_id, nonce = item.row["claim_id"], item.row["nonce"]
                out.append(
                    Conflict(f"claim {claim_id} has already been submitted")
                    if claim_id in stored
                    else NonceOutOfOrder(
                        f"nonce {nonce} is not the next nonce of firm {item.row['firm']}: "
                        "another claim of the firm took it meanwhile; a nonce is used once, "
                        "in order"
                    )
                )
                continue
            if item.citing:
                self._citing.add(row.claim_id)
            out.append(row)
        return out

    def _write(self, accepted: Sequence[_Accepted]) -> list[ClaimRow | None]:
        """:meth:`ClaimStore.add_many` of ``accepted`` and their documents into the vault, in
        one transaction. With :attr:`write_lock` (SQLite), requests that wait for the lock
        are written together: the first to get it writes every request queued by then in
        one transaction (one commit, one fsync), in the order they queued, and hands each its
        rows, or the error that undid them all (the transaction stores all of them or none).
        Each request still holds its firms' locks, so no two of a group share a firm."""
        if self.write_lock is None:
            return self._write_now(accepted)
        mine = _Queued(accepted)
        with self._queue_guard:
            self._queue.append(mine)
        with self.write_lock:
            if not mine.done.is_set():
                with self._queue_guard:
                    group, self._queue = self._queue, []
                try:
                    rows = self._write_now([a for q in group for a in q.accepted])
                except BaseException as exc:
                    for q in group:
                        q.error = exc
                        q.done.set()
                    raise
                at = 0
                for q in group:
                    q.rows, at = rows[at : at + len(q.accepted)], at + len(q.accepted)
                    q.done.set()
        if mine.error is not None:
            raise mine.error
        return mine.rows

    def _write_now(self, accepted: Sequence[_Accepted]) -> list[ClaimRow | None]:
        with self.store.transaction() as conn:
            rows = self.store.add_many([a.row for a in accepted], conn)
            stored = [a for a, row in zip(accepted, rows, strict=True) if row is not None]
            self.vault.add_new([a.document for a in stored], conn)
            read = [a.shipments for a in stored if a.shipments is not None]
            if read and self.shipments is not None:
                self.shipments.record_in(conn, read)
        return rows

    def _after_anchoring(self, row: ClaimRow) -> None:
        if row.claim_id in self._citing and self.citations is not None:
            self._citing.discard(row.claim_id)
            self.citations.relay(row.claim_id)

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
        firm = checksum_address(firm)
        highest = self.store.max_nonce(firm)
        return _following(highest, self.ledger.nonce(firm))


def _following(highest: int | None, on_chain: int) -> int:
    """The next nonce after the highest accepted here (None: none) and the chain's counter."""
    return on_chain if highest is None else max(on_chain, highest + 1)
