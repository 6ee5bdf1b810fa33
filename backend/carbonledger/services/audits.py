"""Audits: verify a claim or a firm's whole history, and record the auditor's signed verdict.

The verification is the independent verifier's (:mod:`carbonledger.verify`), run by the
service over the chain it is connected to and the documents in its vault: document hash
against the chain, the firm's signature and membership at that point of the chain, the check
re-run with the registered standard version (same report hash), amendments and revocations
in order. The verdict itself is the auditor's: signed (EIP-712 ``Audit``) by the auditor's
own key and relayed; the service cannot sign one.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak

from carbonledger.chain.gateway import Anchored, ClaimState
from carbonledger.chain.manifest import Deployment
from carbonledger.pact.verify import PactReport, verify_footprint
from carbonledger.services.claims import ClaimService, document_missing
from carbonledger.services.errors import (
    Conflict,
    InvalidRequest,
    NonceOutOfOrder,
    NotFound,
    NotPermitted,
    Unavailable,
)
from carbonledger.services.ports import ClaimStorePort, LedgerPort
from carbonledger.services.queries import stored_claim
from carbonledger.services.roots import proof_document
from carbonledger.services.signing import (
    active_member,
    check_signature,
    check_signer,
    relay_or_conflict,
)
from carbonledger.standard import canonical_bytes, document_hash
from carbonledger.store.claims import ClaimFilter, ClaimRow
from carbonledger.verify import (
    ChainReader,
    ChainView,
    Document,
    Finding,
    Report,
    RpcChainPort,
    verify,
)
from carbonledger.verify.chain import Addresses
from carbonledger.verify.documents import PROOF_SUFFIX, RootProof, proof_from_json
from carbonledger.verify.rpc import RpcError, VerifyInputError
from carbonledger.vocab import (
    AUDITOR_ROLE,
    VERDICT_NAMES,
    ZERO32,
    Audit,
    AuditVerdict,
    Claim,
    hx,
    name_of,
)
from carbonledger.vocab import claim_id as claim_id_of

#: documents read from the vault per step of a verification (two statements each)
DOCUMENTS_PAGE = 500


@dataclass(frozen=True)
class ClaimAudit:
    """What an auditor signs for one claim after verifying it."""

    claim_id: str
    ok: bool
    findings: list[dict[str, str]]
    report_hash: str  # keccak-256 of the canonical JSON of claim_id + findings


@dataclass(frozen=True)
class AuditToSign(ClaimAudit):
    """A verified claim with the verdict the auditor signs for it."""

    verdict_to_sign: dict[str, Any]  # EIP-712 typed data (Audit), approved when ok
    #: the verdict the chain holds on the claim already (``claimOf``): none | approved | rejected
    audit: str = "none"


@dataclass(frozen=True)
class Sample:
    """A verification of some of a firm's claims: ``size`` of the ``population`` it had,
    the ones with the smallest keccak-256(``seed`` UTF-8 ‖ claim id), so that anyone with the
    seed and the list of the firm's claims can draw the same sample with any tool."""

    size: int
    population: int
    seed: str

    def describe(self) -> str:
        return (
            f"a sample of {self.size:,} of the firm's {self.population:,} claims: those with the "
            f"smallest keccak-256(seed ‖ claim id), seed {self.seed!r}"
        )


#: Claims an auditor's sample holds at most (a firm's whole history is verified without one).
MAX_SAMPLE = 100_000


def _links_of(row: ClaimRow) -> list[bytes]:
    """The claims ``row``'s claim names: the one it supersedes, its baseline."""
    claim = Claim.from_json(row.claim)
    return [link for link in (claim.supersedes, claim.baseline) if link != ZERO32]


def draw_sample(claim_ids: Sequence[str], size: int, seed: str) -> list[str]:
    """The ``size`` of ``claim_ids`` (0x-hex) with the smallest keccak-256(``seed`` as UTF-8
    followed by the claim id's 32 bytes), in that order: a draw without replacement that
    depends on the seed and the set of ids alone, not on their order or on this program."""
    key = seed.encode("utf-8")
    ranked = sorted(set(claim_ids), key=lambda cid: keccak(key + bytes.fromhex(cid[2:])))
    return ranked[:size]


@dataclass(frozen=True)
class Verification:
    ok: bool
    summary: str
    claims: list[AuditToSign]
    sample: Sample | None = None


#: Verdicts one request may record: each its own transaction, all sent in one JSON-RPC batch.
MAX_VERDICTS = 200
#: Each batched verdict's gas limit (``recordAudit`` takes 43,000-69,000: docs/gas.md); the
#: later ones of a batch cannot be estimated before the earlier are mined.
VERDICT_GAS = 150_000


@dataclass(frozen=True)
class RecordedVerdicts:
    """What :meth:`AuditService.record_many` recorded: where each verdict landed, in the
    request's order, None for one the chain reverted (the others stand)."""

    claim_ids: list[str]
    landed: list[Anchored | None]


#: How long a verdict to sign stays valid when the auditor names no deadline.
VERDICT_WINDOW_S = 24 * 3600


@dataclass(frozen=True)
class Run:
    """One verification: the claims' rows, the chain view and documents it read, its report."""

    rows: Sequence[ClaimRow]
    view: ChainView
    docs: dict[bytes, Document]
    report: Report
    sample: Sample | None = None


def deployment_addresses(deployment: Deployment) -> Addresses:
    """Where the verifier reads the service's own deployment."""
    return Addresses(
        claim_ledger=deployment.address("ClaimLedger").lower(),
        member_registry=deployment.address("MemberRegistry").lower(),
        standard_registry=deployment.address("StandardRegistry").lower(),
        from_block=deployment.deploy_block,
        chain_id=deployment.chain_id,
        source="the service's deployment",
        overlap_settlement=(
            deployment.address("OverlapSettlement").lower()
            if "OverlapSettlement" in deployment.contracts
            else None
        ),
    )


@dataclass(eq=False, repr=False)
class AuditService:
    ledger: LedgerPort
    store: ClaimStorePort
    claims: ClaimService
    rpc_url: str
    addresses: Addresses

    def documents(self, rows: Sequence[ClaimRow]) -> dict[bytes, Document]:
        """The stored documents of ``rows`` (and their baselines), by document hash."""
        docs: dict[bytes, Document] = {}
        wanted = list(rows)
        seen = {r.claim_id for r in wanted}
        done = 0
        while done < len(wanted):  # a page at a time: two reads of the vault per page
            page = wanted[done : done + DOCUMENTS_PAGE]
            done += len(page)
            raw = self.claims.read_documents([r.claim_id for r in page])
            for row in page:
                if row.claim_id not in raw:
                    raise document_missing(row.claim_id)
                claim = self.claims.parse(raw[row.claim_id])
                digest = document_hash(claim)
                docs[digest] = Document(
                    path=Path(f"vault/{row.claim_id}"), claim=claim, hash=digest
                )
                baseline = getattr(claim, "baseline", None)
                if baseline is None:
                    continue
                base_id = claim_id_of(row.firm, bytes.fromhex(str(baseline.document_hash)[2:]))
                base_row = self.store.get("0x" + base_id.hex())
                if base_row is not None and base_row.claim_id not in seen:
                    seen.add(base_row.claim_id)
                    wanted.append(base_row)
        return docs

    def proofs(self, rows: Sequence[ClaimRow]) -> list[RootProof]:
        """The proofs of the root-anchored claims among ``rows`` (root mode)."""
        out = []
        for row in rows:
            proof = self.claims.roots.proof(row.claim_id) if self.claims.roots else None
            if proof is not None:
                path = Path(f"vault/{row.claim_id}{PROOF_SUFFIX}")
                out.append(proof_from_json(proof_document(row, proof), path))
        return out

    def _claim_audits(self, report: Report, claim_ids: Sequence[str]) -> list[ClaimAudit]:
        audits = []
        # each claim's findings and the deployment's, in the report's order, grouped in one
        # pass (a firm filing per shipment has thousands of claims)
        numbered: dict[bytes | None, list[tuple[int, Finding]]] = {}
        for position, f in enumerate(report.findings):
            numbered.setdefault(f.claim_id, []).append((position, f))
        general = numbered.get(None, [])
        for claim_id in claim_ids:
            own = numbered.get(bytes.fromhex(claim_id[2:]), [])
            rows = [
                {"check": f.check, "result": f.result.value, "detail": f.detail}
                for _, f in sorted(own + general, key=lambda n: n[0])
            ]
            body = {"claim_id": claim_id, "findings": rows}
            audits.append(
                ClaimAudit(
                    claim_id=claim_id,
                    ok=all(r["result"] != "FAILS" for r in rows),
                    findings=rows,
                    report_hash="0x" + keccak(canonical_bytes(body)).hex(),
                )
            )
        return audits

    def verify_footprint(self, footprint: Mapping[str, Any]) -> PactReport:
        """A PACT footprint received from any host, checked against this deployment's chain
        by the independent verifier (as ``carbonledger verify --pact``): its anchor claim,
        document hash, check outcome and status."""
        if not isinstance(footprint, Mapping):
            raise InvalidRequest("footprint is not an object", [_field("footprint")])
        port = RpcChainPort(self.rpc_url)
        try:
            return verify_footprint(footprint, port, self.addresses)
        except VerifyInputError as exc:
            raise InvalidRequest(str(exc), [_field("footprint")]) from None
        except RpcError as exc:
            raise Unavailable(f"the chain node answered an error: {exc}") from None
        finally:
            port.close()

    def run(
        self,
        claim_id: str | None = None,
        firm: str | None = None,
        sample: int | None = None,
        seed: str | None = None,
    ) -> Run:
        """The independent verifier over the vault's documents and the chain, for one claim
        or a firm's whole history (422 naming ``firm`` when it is not an address): what it
        read and what it found. With ``sample``, that many of the firm's claims
        (:func:`draw_sample`, with ``seed`` or a new random one): the chain's history of the
        firm is read whole, its claims judged are the sample's."""
        drawn: Sample | None = None
        if claim_id is not None:
            if sample is not None:
                raise InvalidRequest(
                    "a sample is drawn from a firm's claims",
                    [{"field": "sample", "message": "give firm, not claim_id, with a sample"}],
                )
            rows = [stored_claim(self.store, claim_id.lower())]
        else:
            if firm is None or not is_address(firm):
                raise InvalidRequest(
                    "firm is not an address", [{"field": "firm", "message": "bad"}]
                )
            firm = to_checksum_address(firm)
            _, rows = self.store.search(ClaimFilter(firm=firm), 0, 1_000_000)
            if not rows:
                raise NotFound(f"no claims of firm {firm}")
        linked: list[ClaimRow] = []
        if claim_id is None and sample is not None and sample < len(rows):
            drawn = Sample(sample, len(rows), secrets.token_hex(8) if seed is None else seed)
            chosen = set(draw_sample([r.claim_id for r in rows], sample, drawn.seed))
            everyone = {r.claim_id: r for r in rows}
            rows = [r for r in rows if r.claim_id in chosen]
            # the documents of the claims linked to the sample's (the ones they amend or reduce
            # against, the ones that amend or reduce against them): the verifier judges a link
            # by its document, as it does over the whole history (~12 µs a claim to find them)
            names = {cid: [hx(link) for link in _links_of(r)] for cid, r in everyone.items()}
            back = {link for cid in chosen for link in names[cid]}
            forward = {cid for cid, links in names.items() if not chosen.isdisjoint(links)}
            linked = [everyone[c] for c in sorted((back | forward) - chosen) if c in everyone]
        docs = self.documents([*rows, *linked])
        proofs = self.proofs([*rows, *linked])
        port = RpcChainPort(self.rpc_url)
        try:
            reader = ChainReader(port, self.addresses)
            if claim_id is not None:
                view = reader.claim(bytes.fromhex(claim_id[2:]), proofs)
                given = docs[bytes.fromhex(rows[0].document_hash[2:])]
                report = verify(
                    view,
                    docs,
                    self.claims.standard,
                    mode="claim",
                    given=given,
                    where="the vault",
                    by_version=True,
                )
            else:
                only = None if drawn is None else {bytes.fromhex(r.claim_id[2:]) for r in rows}
                view = reader.firm(rows[0].firm.lower(), proofs, only=only)
                report = verify(
                    view,
                    docs,
                    self.claims.standard,
                    mode="firm",
                    firm=rows[0].firm,
                    where="the vault",
                    by_version=True,
                )
        finally:
            port.close()
        return Run(rows, view, docs, report, drawn)

    def verify(
        self,
        auditor: str,
        claim_id: str | None = None,
        firm: str | None = None,
        deadline: int | None = None,
        sample: int | None = None,
        seed: str | None = None,
    ) -> Verification:
        """Verify one claim, or a firm's whole history (or a sample of it, :meth:`run`), for
        ``auditor``: the findings and, per claim, the verdict to sign."""
        run = self.run(claim_id, firm, sample, seed)
        ids = [r.claim_id for r in run.rows]
        audits = self.verdicts(auditor, self._claim_audits(run.report, ids), deadline)
        on_chain = {
            "0x" + cid.hex(): name_of(VERDICT_NAMES, c.record.audit)
            for cid, c in run.view.claims.items()
            if c.record is not None
        }
        audits = [replace(a, audit=on_chain.get(a.claim_id, "none")) for a in audits]
        return Verification(run.report.ok, run.report.summary(), audits, run.sample)

    def verdicts(
        self, auditor: str, audits: Sequence[ClaimAudit], deadline: int | None = None
    ) -> list[AuditToSign]:
        """The verdict ``auditor`` signs for each of ``audits``: approved when the claim
        passed, rejected when not, valid until ``deadline`` (none: a day from now).

        Every verdict carries the auditor's next nonce as it is now (read once): the contract
        takes an account's nonces in order, so once one of them is recorded the others are
        signed with the nonce of the moment instead (the web app reads
        ``GET /members/{account}/nonce`` before each signature)."""
        deadline = deadline or int(self.claims.clock()) + VERDICT_WINDOW_S
        nonce, domain = self.ledger.nonce(auditor), self.ledger.domain()
        return [
            AuditToSign(
                **vars(a),
                verdict_to_sign=_jsonable(
                    audit_of(
                        auditor,
                        bytes.fromhex(a.claim_id[2:]),
                        "approved" if a.ok else "rejected",
                        bytes.fromhex(a.report_hash[2:]),
                        nonce,
                        deadline,
                    ).typed_data(domain)
                ),
            )
            for a in audits
        ]

    def record_verdict(
        self,
        auditor: str,
        claim_id: bytes,
        verdict: str,
        report_hash: bytes,
        nonce: int,
        deadline: int,
        signature: bytes,
    ) -> Anchored:
        """Relay the ``Audit`` that ``auditor`` signed with its own key: its verdict
        (approved | rejected) on claim ``claim_id`` for the report of hash ``report_hash``."""
        audit = audit_of(auditor, claim_id, verdict, report_hash, nonce, deadline)
        if auditor != audit.auditor:
            raise NotPermitted("an auditor records only its own verdicts")
        return self.record(audit, signature)

    def record_many(
        self, auditor: str, verdicts: Sequence[tuple[Audit, bytes]]
    ) -> RecordedVerdicts:
        """Relay the verdicts ``auditor`` signed with its next nonces, one per verdict in
        order: each its own transaction, all sent in one JSON-RPC batch, so that a page of
        verdicts lands in a block or two rather than a block each.

        Every verdict is checked first as :meth:`record` checks one, and against what the
        contract requires of its claim (recorded and active, its check passed, not audited
        yet, not the auditor's own), read for all of them at once: a verdict that fails refuses
        the whole request, naming it (``verdicts[i]``), and nothing is sent. A claim that
        changes between that read and the block (revoked meanwhile) reverts alone."""
        if not verdicts or len(verdicts) > MAX_VERDICTS:
            raise InvalidRequest(
                f"give 1 to {MAX_VERDICTS} verdicts",
                [{"field": "verdicts", "message": f"{len(verdicts)} given; 1 to {MAX_VERDICTS}"}],
            )
        auditor = to_checksum_address(auditor)
        ids = ["0x" + audit.claim_id.hex() for audit, _ in verdicts]
        first_of = {cid: i for i, cid in reversed(list(enumerate(ids)))}
        twice = next((i for i, cid in enumerate(ids) if first_of[cid] != i), None)
        if twice is not None:
            raise InvalidRequest(
                f"claim {ids[twice]} has two verdicts",
                [{"field": f"verdicts[{twice}].claim_id", "message": "a second verdict"}],
            )
        first, domain = self.ledger.nonce(auditor), self.ledger.domain()
        member = active_member(self.ledger, auditor, AUDITOR_ROLE, "auditor")  # once for all
        for i, (audit, signature) in enumerate(verdicts):
            if audit.auditor != auditor:
                raise NotPermitted(f"verdicts[{i}]: an auditor records only its own verdicts")
            if audit.nonce != first + i:
                raise NonceOutOfOrder(
                    f"verdicts[{i}] is signed with nonce {audit.nonce}: {auditor}'s next nonces "
                    f"are {first} to {first + len(verdicts) - 1}, one per verdict in order",
                    f"verdicts[{i}].nonce",
                )
            check_signature(auditor, member, audit, domain, signature, f"verdicts[{i}]'s signature")
            if audit.deadline < self.claims.clock():
                raise InvalidRequest(
                    f"verdicts[{i}]'s deadline has passed",
                    [{"field": f"verdicts[{i}].deadline", "message": "in the past"}],
                )
        stored = self.store.stored_ids(ids)
        if missing := [i for i, claim_id in enumerate(ids) if claim_id not in stored]:
            raise NotFound(f"verdicts[{missing[0]}]: no claim {ids[missing[0]]}")
        self.claims.bring_on_chain_many(ids)
        states = self.ledger.claim_states([audit.claim_id for audit, _ in verdicts])
        for i, state in enumerate(states):
            if (why := _not_auditable(state, auditor)) is not None:
                raise Conflict(f"verdicts[{i}]: claim {ids[i]} {why}")
        landed = self.ledger.relay_many(
            "ClaimLedger", "recordAudit", [[a.as_tuple(), sig] for a, sig in verdicts],
            VERDICT_GAS, "recording audits",
        )  # fmt: skip
        return RecordedVerdicts(ids, landed)

    def record(self, audit: Audit, signature: bytes) -> Anchored:
        """Relay an auditor's signed verdict (checked here first, then by the contract)."""
        check_signer(
            self.ledger,
            audit.auditor,
            AUDITOR_ROLE,
            "auditor",
            audit,
            self.ledger.domain(),
            signature,
            what="the verdict's signature",
        )
        if self.store.get("0x" + audit.claim_id.hex()) is None:
            raise NotFound(f"no claim 0x{audit.claim_id.hex()}")
        self.claims.bring_on_chain("0x" + audit.claim_id.hex())
        return relay_or_conflict(
            self.ledger, "ClaimLedger", "recordAudit", [audit.as_tuple(), signature],
            "recording an audit",
        )  # fmt: skip


def _not_auditable(state: ClaimState, auditor: str) -> str | None:
    """Why the contract would refuse ``auditor``'s verdict on the claim of ``state`` (its
    ``recordAudit`` checks, in its order), or None."""
    if state.status == "none":
        return "is not on chain"
    if state.status != "active":
        return f"is {state.status}"
    if state.firm == auditor:
        return "is the auditor's own"
    if state.audit != "none":
        return f"was already audited ({state.audit})"
    if state.check != "passed":
        return f"has no passed check (its check: {state.check})"
    return None


def _jsonable(value: Any) -> Any:
    """Typed data as JSON: bytes as 0x-hex (what eth_signTypedData_v4 takes)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def audit_of(
    auditor: str, claim_id: bytes, verdict: str, report_hash: bytes, nonce: int, deadline: int
) -> Audit:
    """The ``Audit`` an auditor signs: its verdict (approved | rejected, else 422 naming
    ``verdict``) on claim ``claim_id`` for the report of hash ``report_hash``."""
    return Audit(
        claim_id=claim_id,
        auditor=to_checksum_address(auditor),
        verdict=parse_verdict(verdict),
        report_hash=report_hash,
        nonce=nonce,
        deadline=deadline,
    )


def parse_verdict(text: str) -> AuditVerdict:
    try:
        return {"approved": AuditVerdict.APPROVED, "rejected": AuditVerdict.REJECTED}[text]
    except KeyError:
        raise InvalidRequest(
            f"unknown verdict {text!r}", [{"field": "verdict", "message": "approved | rejected"}]
        ) from None


def _field(name: str) -> dict[str, str]:
    return {"field": name, "message": "not a footprint this verifier can read"}
