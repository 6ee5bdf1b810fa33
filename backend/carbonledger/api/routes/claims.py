"""``/claims``: submit signed claims, read them with their on-chain proof, share documents."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Annotated, Any, Literal

from eth_utils.address import is_address, to_checksum_address
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from carbonledger.api.deps import PageDep, ServicesDep
from carbonledger.api.errors import ERROR_RESPONSES, problems_of, status_of
from carbonledger.api.models import model_from, published
from carbonledger.auth.fastapi import CurrentMember, SignedIn
from carbonledger.services.citations import SignedCitation
from carbonledger.services.claims import DryRun, Submission
from carbonledger.services.errors import Busy, InvalidRequest, ServiceError
from carbonledger.services.ports import ANCHORED, CHECKED, STATES, ClaimFilter, ClaimRow
from carbonledger.services.queries import EventRow
from carbonledger.standard import RULES, canonical_bytes
from carbonledger.vocab import ZERO32, Claim

router = APIRouter(
    prefix="/claims",
    tags=["claims"],
    responses={401: ERROR_RESPONSES[401], 503: ERROR_RESPONSES[503]},
)

JsonDocument = dict[str, Any] | str


class CitationIn(BaseModel):
    settlement_id: str
    nonce: int = Field(ge=0, description="The firm's next OverlapSettlement nonce.")
    deadline: int = Field(ge=0)
    signature: str = Field(description="EIP-712 Citation signature (OverlapSettlement domain).")


class SubmitClaim(BaseModel):
    document: JsonDocument = Field(
        description=(
            "The claim document: its JSON text (kept byte for byte) or the JSON object. "
            "Numbers must be decimal strings or integers, never floats."
        )
    )
    signature: str = Field(description="The firm's EIP-712 signature of the claim, 0x-hex.")
    nonce: int = Field(ge=0, description="The firm's next ClaimLedger nonce.")
    deadline: int = Field(ge=0, description="Unix time after which the signature is void.")
    supersedes: str | None = Field(None, description="Claim id this one amends, if any.")
    baseline_document: JsonDocument | None = Field(
        None, description="For a reduction: the baseline document, if the service lacks it."
    )
    citations: list[CitationIn] = Field(
        default_factory=list,
        description="For a reduction citing settlements: the firm's signed Citation of each "
        "allocation (relayed once the claim is on chain).",
    )


class CheckOut(BaseModel):
    passed: bool
    report_hash: str
    report: dict[str, Any]


class OnChain(BaseModel):
    status: str = Field(description="active | superseded | revoked")
    check: str
    audit: str = Field(description="none | approved | rejected")


class ClaimOut(BaseModel):
    claim_id: str
    firm: str
    kind: str
    state: str = Field(description="accepted | anchored | checked | refused")
    period_start: int
    period_end: int
    standard_version: int
    document_hash: str
    nonce: int
    deadline: int
    tx_hash: str | None
    block_number: int | None
    check_tx_hash: str | None
    check_block_number: int | None
    check: CheckOut
    accepted_at: str
    error: str | None
    on_chain: OnChain | None = Field(
        None, description="The chain's status, check and audit (null until anchored)."
    )


class ClaimPage(BaseModel):
    items: list[ClaimOut]
    total: int
    page: int
    page_size: int


@published()
class HistoryEvent(EventRow):
    account: str | None = Field(default=None, exclude=True)  # the indexer's, not published


class ClaimDetail(ClaimOut):
    on_chain: OnChain
    history: list[HistoryEvent]


class RevokeRequest(BaseModel):
    reason: str = Field("", max_length=4000, description="Why; its keccak-256 goes on chain.")
    nonce: int = Field(ge=0, description="The firm's next ClaimLedger nonce.")
    deadline: int = Field(ge=0, description="Unix time after which the signature is void.")
    signature: str = Field(description="The firm's EIP-712 Revocation signature, 0x-hex.")


class Revoked(BaseModel):
    claim_id: str
    tx_hash: str
    block_number: int


class GrantRequest(BaseModel):
    reader: str
    wrapped_key: str = Field(description="The data key wrapped for the reader (hex), client-side.")


class GrantsOut(BaseModel):
    document_id: str
    owner: str
    readers: list[str]


def _bytes(document: JsonDocument) -> bytes:
    if isinstance(document, str):
        return document.encode("utf-8")
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def parse_hex(value: str, field: str, size: int | None = None) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise InvalidRequest(
            f"{field} is not hex", [{"field": field, "message": "expected 0x-hex"}]
        ) from None
    if size is not None and len(raw) != size:
        raise InvalidRequest(
            f"{field} must be {size} bytes", [{"field": field, "message": f"{len(raw)} bytes"}]
        )
    return raw


def claim_out(row: ClaimRow) -> dict[str, Any]:
    return {
        "claim_id": row.claim_id,
        "firm": row.firm,
        "kind": row.kind,
        "state": row.state,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "standard_version": row.standard_version,
        "document_hash": row.document_hash,
        "nonce": row.nonce,
        "deadline": row.deadline,
        "tx_hash": row.tx_hash,
        "block_number": row.block_number,
        "check_tx_hash": row.check_tx_hash,
        "check_block_number": row.check_block_number,
        "check": {
            "passed": row.check_passed,
            "report_hash": row.report_hash,
            "report": json.loads(row.report),
        },
        "accepted_at": row.accepted_at,
        "error": row.error,
    }


@router.post(
    "",
    response_model=ClaimOut,
    status_code=201,
    responses={
        201: {"description": "Accepted, anchored on chain and its check recorded."},
        202: {"description": "Accepted; still on its way to the chain (it will get there)."},
        **{k: ERROR_RESPONSES[k] for k in (403, 409, 422, 429)},
    },
)
def submit_claim(
    body: SubmitClaim, services: ServicesDep, token: SignedIn, response: Response
) -> dict[str, Any]:
    """Submit a firm's signed claim: validated, signature checked against the firm's current
    key, checked against the unified standard, stored encrypted, anchored through the relayer,
    and the checker's outcome recorded on chain. A claim that fails the check is recorded as
    failed, with its report."""
    # the member is confirmed here, in the endpoint's worker thread, rather than by a
    # dependency in a thread of its own: one hand-off per claim instead of two. The price
    # (carbonledger.auth.fastapi): a suspended member's malformed body is answered 422, not 403
    member = services.auth.principal_of(token)
    submission = _submission(body)
    row = services.claims.submit(submission, caller=member.account)
    if row.state not in (ANCHORED, CHECKED) and row.state != "refused":
        response.status_code = 202
    return claim_out(row)


class CheckClaim(BaseModel):
    document: JsonDocument = Field(description="The claim document, as POST /claims takes it.")
    supersedes: str | None = Field(None, description="Claim id this one would amend, if any.")
    baseline_document: JsonDocument | None = Field(
        None, description="For a reduction: the baseline document, if the service lacks it."
    )


class ClaimCheck(BaseModel):
    passed: bool
    report_hash: str
    report: dict[str, Any] = Field(description="The checker's report, as POST /claims stores it.")
    rules: dict[str, str] = Field(description="What each rule in the report's findings checks.")
    claim_id: str
    document_hash: str
    claim: dict[str, Any] = Field(
        description="The EIP-712 Claim message the firm would sign, without nonce and deadline "
        "(its types and domain are in GET /chain); bytes32 values are 0x-hex."
    )


def message_to_sign(claim: Claim) -> dict[str, Any]:
    """A claim's EIP-712 message as JSON without nonce and deadline (the signer fills them)."""
    return {
        k: "0x" + v.hex() if isinstance(v, bytes) else v
        for k, v in claim.message().items()
        if k not in ("nonce", "deadline")
    }


@router.post("/check", response_model=ClaimCheck, responses={403: ERROR_RESPONSES[403]})
def check_claim(body: CheckClaim, services: ServicesDep, member: CurrentMember) -> ClaimCheck:
    """The dry-run check: what POST /claims would compute and find for this document --
    the checker's report and the claim struct to sign -- with nothing signed, stored or
    sent to the chain. The caller must be the document's firm."""
    claim, report = services.claims.dry_run(_dry_run(body), member.account)
    return _claim_check(claim, report)


def _dry_run(body: CheckClaim, index: int | None = None) -> DryRun:
    """``body`` as the claim service checks it (``index``: its place in a batch, which the
    names of its bad fields carry)."""
    prefix = "" if index is None else f"claims[{index}]."
    return DryRun(
        _bytes(body.document),
        _bytes(body.baseline_document) if body.baseline_document is not None else None,
        parse_hex(body.supersedes, f"{prefix}supersedes", 32) if body.supersedes else ZERO32,
    )


def _claim_check(claim: Claim, report: Any) -> ClaimCheck:
    return ClaimCheck(
        passed=report.passed,
        report_hash="0x" + report.report_hash.hex(),
        report=json.loads(canonical_bytes(report)),
        rules={f.rule: RULES[f.rule].title for f in report.findings},
        claim_id="0x" + claim.claim_id.hex(),
        document_hash="0x" + claim.document_hash.hex(),
        claim=message_to_sign(claim),
    )


class CheckClaims(BaseModel):
    claims: list[CheckClaim] = Field(
        min_length=1,
        max_length=1000,
        description="Documents, each as POST /claims/check takes it.",
    )


class CheckItem(BaseModel):
    index: int = Field(description="Position of the document in the request.")
    check: ClaimCheck | None = None
    error: BatchItemError | None = None


class ChecksOut(BaseModel):
    passed: int = Field(description="Documents that pass the standard's check.")
    failed: int = Field(description="Documents checked that fail it (their reports say why).")
    refused: int = Field(description="Documents not checked (their errors say why).")
    results: list[CheckItem]


@router.post("/check/batch", response_model=ChecksOut, responses={403: ERROR_RESPONSES[403]})
def check_claims(body: CheckClaims, services: ServicesDep, member: CurrentMember) -> ChecksOut:
    """The dry-run check of many documents in one request (a firm checking a month of
    shipments before it signs them): by index, what POST /claims/check answers for each, its
    check or the error it would have answered. Nothing is signed, stored or sent."""
    items: list[DryRun | ServiceError] = []
    for i, item in enumerate(body.claims):
        try:
            items.append(_dry_run(item, i))
        except ServiceError as exc:
            items.append(exc)
    done = iter(
        services.claims.dry_run_many([d for d in items if isinstance(d, DryRun)], member.account)
    )
    results = []
    for i, given in enumerate(items):
        outcome = next(done) if isinstance(given, DryRun) else given
        if isinstance(outcome, ServiceError):
            error = BatchItemError(
                status=status_of(outcome), detail=str(outcome), problems=problems_of(outcome)
            )
            results.append(CheckItem(index=i, error=error))
        else:
            results.append(CheckItem(index=i, check=_claim_check(*outcome)))
    checks = [r.check for r in results if r.check is not None]
    passed = sum(1 for c in checks if c.passed)
    return ChecksOut(
        passed=passed,
        failed=len(checks) - passed,
        refused=len(results) - len(checks),
        results=results,
    )


class SubmitClaims(BaseModel):
    claims: list[SubmitClaim] = Field(
        min_length=1, max_length=1000, description="Signed claims, each as POST /claims takes it."
    )


class BatchItemError(BaseModel):
    status: int = Field(description="The HTTP status POST /claims would have answered.")
    detail: str
    problems: list[dict[str, Any]] | None = None
    retry_after: int | None = Field(
        None,
        description="With status 429: seconds after which the claim may be sent again (the "
        "firm's claims waiting for the chain are at the service's limit).",
    )


class BatchItem(BaseModel):
    index: int = Field(description="Position of the claim in the request.")
    claim: ClaimOut | None = None
    error: BatchItemError | None = None


class BatchOut(BaseModel):
    accepted: int
    refused: int
    results: list[BatchItem]


def _submission(body: SubmitClaim, index: int | None = None) -> Submission:
    prefix = "" if index is None else f"claims[{index}]."
    return Submission(
        document=_bytes(body.document),
        signature=parse_hex(body.signature, f"{prefix}signature", 65),
        nonce=body.nonce,
        deadline=body.deadline,
        supersedes=(
            parse_hex(body.supersedes, f"{prefix}supersedes", 32) if body.supersedes else ZERO32
        ),
        baseline_document=(
            _bytes(body.baseline_document) if body.baseline_document is not None else None
        ),
        citations=tuple(
            SignedCitation(
                settlement_id=parse_hex(c.settlement_id, f"{prefix}citations.settlement_id", 32),
                nonce=c.nonce,
                deadline=c.deadline,
                signature=parse_hex(c.signature, f"{prefix}citations.signature", 65),
            )
            for c in body.citations
        ),
    )


@router.post(
    "/batch",
    response_model=BatchOut,
    status_code=202,
    responses={422: ERROR_RESPONSES[422]},
)
def submit_claims(body: SubmitClaims, services: ServicesDep, member: CurrentMember) -> BatchOut:
    """Submit many signed claims in one request (a firm's software filing in bulk).

    Each claim goes through exactly what POST /claims does, in order; one that is refused
    does not stop the others. The answer gives, by index, the claim (accepted: it will reach
    the chain) or the error POST /claims would have answered for it. It does not wait for
    the chain: follow the claims with GET /claims/{id}."""
    items: list[Submission | ServiceError] = []
    for i, claim in enumerate(body.claims):
        try:
            items.append(_submission(claim, i))
        except ServiceError as exc:
            items.append(exc)
    todo = [s for s in items if isinstance(s, Submission)]
    done = iter(services.claims.submit_many(todo, caller=member.account))
    results = []
    for i, item in enumerate(items):
        outcome = next(done) if isinstance(item, Submission) else item
        if isinstance(outcome, ServiceError):
            problems = problems_of(outcome)
            error = BatchItemError(
                status=status_of(outcome),
                detail=str(outcome),
                problems=problems or None,
                retry_after=outcome.retry_after if isinstance(outcome, Busy) else None,
            )
            results.append(BatchItem(index=i, error=error))
        else:
            results.append(BatchItem(index=i, claim=ClaimOut(**claim_out(outcome))))
    accepted = sum(1 for r in results if r.claim is not None)
    return BatchOut(accepted=accepted, refused=len(results) - accepted, results=results)


def _day(value: dt.date | None, end: bool = False) -> int | None:
    """Unix time of the day's start (of the next day's with ``end``; 9999-12-31 works too)."""
    if value is None:
        return None
    start = int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp())
    return start + 86400 if end else start


def _on_chain(state: object) -> OnChain:
    """A ClaimState of the services, as the API shows it."""
    return model_from(OnChain, state)


async def claims_where(
    kind: Annotated[str | None, Query(pattern="^(footprint|reduction)$")] = None,
    state: Annotated[str | None, Query(description=" | ".join(STATES))] = None,
    period_from: Annotated[dt.date | None, Query(description="Overlapping from this date.")] = None,
    period_to: Annotated[dt.date | None, Query(description="Overlapping up to this date.")] = None,
    order: Annotated[
        Literal["oldest", "newest"],
        Query(description="oldest: in the order accepted (the default); newest: last first."),
    ] = "oldest",
) -> ClaimFilter:
    """The query parameters that select claims, besides the firm (``GET /claims`` and ``GET
    /claims/export``: each route says what no firm means); 422 naming ``state`` when it is
    not one."""
    if state is not None and state not in STATES:
        raise InvalidRequest(f"unknown state {state!r}", [{"field": "state", "message": "unknown"}])
    return ClaimFilter(
        kind=kind,
        state=state,
        period_start=_day(period_from),
        period_end=_day(period_to, end=True),
        newest_first=order == "newest",
    )


ClaimsWhere = Annotated[ClaimFilter, Depends(claims_where)]


def firm_address(firm: str, field: str = "firm") -> str:
    """The query parameter ``field`` (``firm``) checksummed; 422 naming it when it is not an
    address."""
    if not is_address(firm):
        raise InvalidRequest(f"{firm!r} is not an address", [{"field": field, "message": "bad"}])
    return to_checksum_address(firm)


def of_firm(where: ClaimFilter, firm: str | None) -> ClaimFilter:
    """``where`` narrowed to ``firm`` (none: as it is); 422 naming ``firm`` when it is not an
    address."""
    return where if firm is None else replace(where, firm=firm_address(firm))


@router.get("", response_model=ClaimPage, responses={422: ERROR_RESPONSES[422]})
def list_claims(
    services: ServicesDep,
    _: CurrentMember,
    where: ClaimsWhere,
    page: PageDep,
    firm: Annotated[str | None, Query(description="Firm address.")] = None,
) -> ClaimPage:
    """Claims by firm, period, kind and state, oldest first (or, with ``order=newest``, the
    last accepted first)."""
    where = of_firm(where, firm)
    found = services.queries.claims_page(where, page.offset, page.page_size)
    chain = found.on_chain
    return ClaimPage(
        items=[
            ClaimOut(
                **claim_out(r),
                on_chain=_on_chain(chain[r.claim_id]) if r.claim_id in chain else None,
            )
            for r in found.rows
        ],
        total=found.total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get("/{claim_id}", response_model=ClaimDetail, responses={404: ERROR_RESPONSES[404]})
def get_claim(claim_id: str, services: ServicesDep, _: CurrentMember) -> ClaimDetail:
    """A claim with its on-chain proof (transaction, block, events) and full history."""
    view = services.queries.claim_detail(claim_id)
    state = view.on_chain
    history = [HistoryEvent(**vars(e)) for e in view.history]
    return ClaimDetail(
        **claim_out(view.row),
        on_chain=_on_chain(state),
        history=history,
    )


@router.get(
    "/{claim_id}/document",
    responses={k: ERROR_RESPONSES[k] for k in (403, 404)},
)
def get_document(claim_id: str, services: ServicesDep, member: CurrentMember) -> dict[str, Any]:
    """The encrypted document with the data key wrapped for the caller (403 without a
    grant); decrypt it client-side with the caller's X25519 key."""
    return services.documents.document(member.account, claim_id)


class CheckOutcome(BaseModel):
    passed: bool
    report_hash: str


class ClaimProofOut(BaseModel):
    """A root-anchored claim's proof file (root mode): everything the independent verifier
    needs besides the document and the chain (``carbonledger verify --proof FILE``)."""

    claim_id: str
    claim: dict[str, Any] = Field(description="The signed EIP-712 Claim struct (JSON form).")
    signature: str
    root: str = Field(description="The Merkle root (ClaimRoots.recordRoot).")
    leaf: str = Field(description="keccak256(keccak256(digest || keccak256(signature))).")
    leaf_index: int
    proof: list[str] = Field(description="Sibling hashes from the leaf up (sorted pairs).")
    root_recorded: bool
    root_tx_hash: str | None
    root_block_number: int | None
    check: CheckOutcome = Field(
        description="The checker's outcome (recorded on chain when the claim is admitted)."
    )


@router.get(
    "/{claim_id}/proof", response_model=ClaimProofOut, responses={404: ERROR_RESPONSES[404]}
)
def get_proof(claim_id: str, services: ServicesDep, _: CurrentMember) -> ClaimProofOut:
    """The claim's inclusion proof under its Merkle root (root mode; 404 for a claim relayed
    as a claim, or not under a root yet)."""
    return ClaimProofOut(**services.claims.proof_document(claim_id))


@router.post(
    "/{claim_id}/revocation",
    response_model=Revoked,
    status_code=201,
    responses={k: ERROR_RESPONSES[k] for k in (403, 404, 409, 422)},
)
def revoke_claim(
    claim_id: str, body: RevokeRequest, services: ServicesDep, member: CurrentMember
) -> Revoked:
    """The firm revokes one of its active claims with its signed EIP-712 ``Revocation``
    (``reasonHash`` = keccak-256 of the reason's UTF-8), relayed to the chain."""
    where = services.claims.revoke_claim(
        claim_id,
        body.reason,
        body.nonce,
        body.deadline,
        parse_hex(body.signature, "signature", 65),
        member.account,
    )
    return Revoked(
        claim_id=claim_id.lower(), tx_hash=where.tx_hash, block_number=where.block_number
    )


@router.post(
    "/{claim_id}/grants",
    response_model=GrantsOut,
    responses={k: ERROR_RESPONSES[k] for k in (403, 404, 409, 422)},
)
def grant(
    claim_id: str, body: GrantRequest, services: ServicesDep, member: CurrentMember
) -> GrantsOut:
    """The owner grants a reader (a partner) the document: the data key comes wrapped for
    the reader's registered key, by the owner's software."""
    record = services.documents.grant(
        member.account, claim_id, body.reader, parse_hex(body.wrapped_key, "wrapped_key")
    )
    return GrantsOut(
        document_id=record.document_id, owner=record.owner, readers=list(record.readers)
    )


@router.delete(
    "/{claim_id}/grants/{reader}",
    response_model=GrantsOut,
    responses={k: ERROR_RESPONSES[k] for k in (403, 404, 409)},
)
def revoke(
    claim_id: str,
    reader: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description="Reader address.")],
    services: ServicesDep,
    member: CurrentMember,
) -> GrantsOut:
    """The owner withdraws a reader's grant (not its own, nor the auditors')."""
    record = services.documents.withdraw(member.account, claim_id, reader)
    return GrantsOut(
        document_id=record.document_id, owner=record.owner, readers=list(record.readers)
    )
