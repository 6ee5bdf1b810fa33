"""The verifier's pure core: compare claim documents with the decoded chain, claim by claim.

No I/O. Input: a :class:`~carbonledger.verify.chain.ChainView` (what the chain holds, decoded),
the documents (by document hash) and the local standard. Output: :class:`Finding` rows, one per
check per claim, each ``holds`` / ``FAILS`` / ``note`` with a reason naming the claim.

The checks, per claim:

``recorded``
    The ``ClaimSubmitted`` event's document hash is keccak-256 of the document's RFC 8785 bytes;
    its activity root is the Merkle root of the document's lines; firm, kind, period and totals
    are the document's, mapped as :mod:`carbonledger.claims` maps them (footprint:
    ``onchain_totals``; reduction: ``reduction_totals`` with the baseline document, and the
    linked baseline is the claim of the document's baseline).
``signature``
    The signed claim is found in the submitting transaction's calldata and equals the event; its
    EIP-712 digest (chain id, ClaimLedger) recovers to the firm's signing key, and the firm was an
    active member with the firm role, at the claim's exact position in the chain (membership
    events replayed up to the ``ClaimSubmitted`` log), before the signature's deadline.
``standard``
    StandardRegistry's content hash of the claim's version is that of the standard the verifier
    re-runs it under: by default the shipped version the document names (every published
    version stays runnable, so a claim filed years ago is re-checked under its own rules), or
    one standard given explicitly for every claim.
``check re-run``
    The checker re-run on the document (baseline from the documents) gives the pass/fail and
    report hash of the last ``ClaimChecked`` event (or: not checked on chain).
``history``
    Superseded / revoked / checked / audited events in chain order agree with ``claimOf``;
    amendments and baselines link to claims whose documents are present.
``root`` (root-anchored claims only)
    The claim comes with a proof file (``GET /claims/{id}/proof``): its leaf (the EIP-712
    digest and the signature, :func:`carbonledger.vocab.claim_leaf`) leads through the proof
    to the root, and ClaimRoots recorded that root (``ClaimRootRecorded``). The other checks
    then read the signed claim from the proof file instead of a transaction and judge the
    signature at the root's event (the key the registry held for the firm then). A claim
    admitted into the ClaimLedger since must equal its admission's ``ClaimSubmitted``; one not
    admitted has no ledger record yet, and that holds. No other root-anchored claim of the
    firm (among the proof files given) may be signed with the same nonce: the ledger refuses
    a reused nonce only for the claims submitted to it, and admits root claims' nonces in
    any order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Literal

from carbonledger.claims import period_seconds, reduction_totals
from carbonledger.standard import (
    CheckReport,
    ReductionClaim,
    Standard,
    StandardError,
    check,
    merkle_root,
    standard_by_content_hash,
    standard_named,
)
from carbonledger.standard import keccak256 as keccak
from carbonledger.verify import abi
from carbonledger.verify.chain import ChainView, ClaimOnChain, MemberChange
from carbonledger.verify.documents import Document
from carbonledger.vocab import CLAIM_LEDGER_NAME, DOMAIN_VERSION, ClaimKind, hx, recover_signer
from carbonledger.vocab import claim_id as claim_id_of

#: ``activityRoot`` of a claim that anchors a PACT ProductFootprint (docs/pact.md).
PACT_MARKER: Final = keccak(b"carbonledger:pact:ProductFootprint:3")

CHECKS: Final = ("recorded", "signature", "standard", "check re-run", "history", "root")
Mode = Literal["claim", "firm"]


class Result(StrEnum):
    HOLDS = "holds"
    FAILS = "FAILS"
    NOTE = "note"  # informational: not checked on chain, skipped, ignored


@dataclass(frozen=True)
class Finding:
    claim_id: bytes | None  # None for findings about the deployment as a whole
    check: str
    result: Result
    detail: str


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    claims: int

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.result is Result.FAILS)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        counts = {r: sum(1 for f in self.findings if f.result is r) for r in Result}
        verdict = "everything holds" if self.ok else f"{counts[Result.FAILS]} check(s) FAIL"
        return (
            f"{self.claims} claim(s), {len(self.findings)} check(s): "
            f"{counts[Result.HOLDS]} hold, {counts[Result.FAILS]} fail, "
            f"{counts[Result.NOTE]} note(s) — {verdict}"
        )


# --- helpers ------------------------------------------------------------------------------
def short(claim_id: bytes) -> str:
    return "0x" + claim_id.hex()[:8] + "…"


@dataclass(frozen=True)
class MemberAt:
    key: str | None
    roles: int
    status: int


def member_at(changes: Sequence[MemberChange], pos: tuple[int, int, int]) -> MemberAt:
    """The member's (signing key, roles, status) just before position ``pos`` in the chain."""
    key: str | None = None
    roles = status = 0
    for ch in changes:
        if ch.pos >= pos:
            break
        if ch.name == "MemberAdmitted":
            key, roles, status = ch.key, ch.roles or 0, abi.MEMBER_ACTIVE
        elif ch.name == "SigningKeyRotated":
            key = ch.key
        elif ch.name == "MemberRolesChanged":
            roles = ch.roles or 0
        elif ch.name == "MemberSuspended":
            status = 2
        elif ch.name == "MemberReinstated":
            status = abi.MEMBER_ACTIVE
        elif ch.name == "MemberRemoved":
            status = 3
    return MemberAt(key, roles, status)


def key_at_timestamp(changes: Sequence[MemberChange], timestamp: int) -> str | None:
    """What ``signingKeyAt(firm, timestamp)`` answers, replayed from the events."""
    key: str | None = None
    for ch in changes:
        if ch.key is not None and ch.timestamp is not None and ch.timestamp <= timestamp:
            key = ch.key
    return key


def _status_name(status: int) -> str:
    names = abi.MEMBER_STATUS_NAMES
    return names[status] if 0 <= status < len(names) else str(status)


# --- the verifier -------------------------------------------------------------------------
@dataclass
class _Ctx:
    view: ChainView
    docs: Mapping[bytes, Document]
    standard: Standard
    mode: Mode
    where: str  # where documents come from, for messages
    domain_separator: bytes
    reports: dict[bytes, CheckReport | str]
    by_version: bool = False
    """Re-run each claim under the shipped version it names (else ``standard`` for all)."""
    #: root mode: (firm, nonce) -> the root-anchored claims (proof holding) signed with it
    root_nonces: dict[tuple[str, int], list[bytes]] = field(default_factory=dict)
    #: (version the document names, content hash on chain) -> the standard it is re-run under
    chosen: dict[tuple[str | None, bytes | None], Standard] = field(default_factory=dict)

    def standard_for(self, doc: Document | None, content_hash: bytes | None = None) -> Standard:
        """The standard a claim is re-run under (see ``by_version``); looked up once per
        version named and content hash (every claim of a firm asks it twice)."""
        if not self.by_version:
            return self.standard
        key = (doc.claim.standard_version if doc is not None else None, content_hash)
        chosen = self.chosen.get(key)
        if chosen is None:
            named = standard_named(key[0]) if key[0] is not None else None
            if named is None and content_hash is not None:
                named = standard_by_content_hash(content_hash)
            chosen = self.chosen[key] = named if named is not None else self.standard
        return chosen


def verify(
    view: ChainView,
    docs: Mapping[bytes, Document],
    standard: Standard,
    *,
    mode: Mode,
    given: Document | None = None,
    firm: str | None = None,
    where: str = "the documents",
    by_version: bool = False,
) -> Report:
    """Judge ``view`` against the documents. In claim mode ``given`` is the document given for
    the claim (whatever it hashes to); in firm mode documents are matched by document hash."""
    a = view.addresses
    ctx = _Ctx(
        view=view,
        docs=docs,
        standard=standard,
        mode=mode,
        where=where,
        domain_separator=abi.domain_separator(
            view.chain_id, a.claim_ledger, CLAIM_LEDGER_NAME, DOMAIN_VERSION
        ),
        reports={},
        by_version=by_version,
        root_nonces=_root_nonces(view),
    )
    # a verification split into parts (view.part): the first part says what concerns the
    # whole (deployment, missing claims), the last the documents no claim names
    first, last = view.first_part, view.last_part
    findings: list[Finding] = list(_deployment_findings(ctx)) if first else []
    for cid in view.missing if first else ():
        findings.append(
            Finding(
                cid,
                "recorded",
                Result.FAILS,
                f"claim {hx(cid)}: no ClaimSubmitted event on ClaimLedger {a.claim_ledger} "
                f"(blocks {a.from_block}..{view.latest_block})",
            )
        )
    for cid, proof in view.unrecorded_roots.items() if first else ():
        findings.append(
            Finding(
                cid,
                "root",
                Result.FAILS,
                f"claim {hx(cid)}: its proof file {proof.path.name} names root {hx(proof.root)}, "
                f"which ClaimRoots never recorded (blocks {a.from_block}..{view.latest_block})",
            )
        )
    judged = view.judged_claims()
    for claim in judged:
        if mode == "firm" and claim.submitted.activity_root == PACT_MARKER:
            findings.extend(_pact_anchor_findings(ctx, claim))
            continue
        doc = given if mode == "claim" else docs.get(claim.submitted.document_hash)
        findings.extend(_claim_findings(ctx, claim, doc))
    if mode == "firm" and firm is not None and last:
        findings.extend(_unrecorded_documents(ctx, firm.lower()))
    claims = len(judged) + (len(view.missing) + len(view.unrecorded_roots) if first else 0)
    return Report(tuple(findings), claims=claims)


def _deployment_findings(ctx: _Ctx) -> list[Finding]:
    view, a = ctx.view, ctx.view.addresses
    problems: list[str] = []
    if a.chain_id is not None and a.chain_id != view.chain_id:
        problems.append(f"the node's chain id is {view.chain_id}, the manifest's {a.chain_id}")
    for name, expected in a.code_hashes.items():
        found = view.code_hashes.get(name)
        if found is not None and found != expected:
            problems.append(f"{name}: code hash {found} ≠ manifest {expected}")
    if view.claims and view.domain_separator != ctx.domain_separator:
        problems.append(
            f"ClaimLedger.DOMAIN_SEPARATOR() {hx(view.domain_separator)} ≠ the EIP-712 domain "
            f"computed here {hx(ctx.domain_separator)}"
        )
    out: list[Finding] = []
    for firm, changes in view.members.items():
        replayed = member_at(changes, (1 << 62, 0, 0))
        now = view.member_now.get(firm)
        if now is not None and (replayed.key, replayed.roles, replayed.status) != now:
            problems.append(
                f"member {firm}: its registry events replay to key {replayed.key}, roles "
                f"{replayed.roles}, {_status_name(replayed.status)}, but memberState is "
                f"key {now[0]}, roles {now[1]}, {_status_name(now[2])}"
            )
    checked = [f"chain id {view.chain_id}", f"ClaimLedger {a.claim_ledger} ({a.source})"]
    if a.code_hashes:
        checked.append("runtime code hashes equal the manifest's")
    if problems:
        out.append(Finding(None, "deployment", Result.FAILS, "; ".join(problems)))
    else:
        out.append(Finding(None, "deployment", Result.HOLDS, ", ".join(checked)))
    return out


def _pact_anchor_findings(ctx: _Ctx, c: ClaimOnChain) -> list[Finding]:
    """A PACT product-footprint anchor (docs/pact.md): its document is a PACT footprint, not
    a claim document; its signature and history are checked here, the footprint by
    ``carbonledger verify --pact``."""
    note = Finding(
        c.claim_id,
        "recorded",
        Result.NOTE,
        "a PACT product footprint anchor (activity root = the PACT marker): check the "
        "footprint itself with `carbonledger verify --pact`",
    )
    return [note, _signature(ctx, c), _history(ctx, c)]


def _claim_findings(ctx: _Ctx, c: ClaimOnChain, doc: Document | None) -> list[Finding]:
    report = _report(ctx, doc) if doc is not None else None
    std_ok, std_finding = _standard(ctx, c, doc)
    findings = [
        _recorded(ctx, c, doc, report),
        _signature(ctx, c),
        std_finding,
        _rerun(ctx, c, doc, report, std_ok),
        _history(ctx, c),
    ]
    return findings if c.anchor is None else [*findings, _root(ctx, c)]


def _root_nonces(view: ChainView) -> dict[tuple[str, int], list[bytes]]:
    """The root-anchored claims of ``view`` (every part's: all proofs are in every view)
    whose proof holds, by (firm, nonce) of their signed claim, in the view's order."""
    out: dict[tuple[str, int], list[bytes]] = {}
    for c in view.claims.values():
        if c.anchor is not None and c.anchor.holds and c.signed is not None:
            out.setdefault((c.signed.firm, c.signed.nonce), []).append(c.claim_id)
    return out


def _root(ctx: _Ctx, c: ClaimOnChain) -> Finding:
    """Root mode: the proof leads from the claim's leaf to its recorded root, and no other
    root-anchored claim of the firm was signed with its nonce. The ledger refuses a reused
    nonce when a claim is submitted to it, but a root holds claims the chain has not seen
    and admission takes nonces in any order: only the service's outbox and this check see a
    nonce signed twice."""
    cid, anchor = c.claim_id, c.anchor
    assert anchor is not None
    p, log = anchor.proof, anchor.recorded
    problems: list[str] = []
    sc = c.signed
    if sc is not None and anchor.holds:
        others = [o for o in ctx.root_nonces.get((sc.firm, sc.nonce), []) if o != cid]
        if others:
            problems.append(
                f"its nonce {sc.nonce} of firm {sc.firm} also signs root-anchored claim(s) "
                + ", ".join(hx(o) for o in others)
                + ": a nonce of the firm's sequence signs one operation only"
            )
    if not anchor.holds:
        problems.append(
            f"the proof in {p.path.name} does not lead from its leaf {hx(anchor.leaf)} to root "
            f"{hx(p.root)} but to {hx(anchor.reached)}: the claim (or its signature) is not "
            "under that root: left out of it, changed since, or a proof for another root"
        )
    admitted = anchor.admitted
    if admitted is not None and (
        admitted.firm,
        admitted.document_hash,
        admitted.activity_root,
        admitted.header,
        admitted.scopes,
    ) != (c.submitted.firm, c.submitted.document_hash, c.submitted.activity_root,
          c.submitted.header, c.submitted.scopes):  # fmt: skip
        problems.append("its admission's ClaimSubmitted event differs from the signed claim")
    if problems:
        return Finding(cid, "root", Result.FAILS, f"claim {hx(cid)}: " + "; ".join(problems))
    where = f"block {log.block_number}" if log is not None else "?"
    admission = (
        f"; admitted into ClaimLedger in block {admitted.log.block_number}"
        if admitted is not None
        else "; not admitted into ClaimLedger (no operation needed it yet)"
    )
    return Finding(
        cid,
        "root",
        Result.HOLDS,
        f"under root {hx(p.root)[:18]}… recorded by ClaimRoots in {where} (proof of "
        f"{len(p.proof)} hashes from leaf {hx(anchor.leaf)[:18]}…){admission}",
    )


def _baseline_doc(ctx: _Ctx, doc: Document) -> Document | None:
    claim = doc.claim
    if not isinstance(claim, ReductionClaim):
        return None
    return ctx.docs.get(bytes.fromhex(claim.baseline.document_hash[2:]))


def _allocations(ctx: _Ctx, doc: Document) -> dict[str, int] | None:
    """The allocations the service checked a settlement-citing reduction with: the firm's
    allocations that the ledger records this claim citing (None for other claims)."""
    claim = doc.claim
    if not isinstance(claim, ReductionClaim) or not claim.settlements:
        return None
    if ctx.view.allocations is None:
        return None
    cid = claim_id_of(doc.firm, doc.hash)
    return dict(ctx.view.allocations.get(cid, {}))


def _report(ctx: _Ctx, doc: Document) -> CheckReport | str:
    cached = ctx.reports.get(doc.hash)
    if cached is None:
        baseline = _baseline_doc(ctx, doc)
        try:
            cached = check(
                doc.claim,
                ctx.standard_for(doc),
                baseline=baseline.claim if baseline else None,
                allocations=_allocations(ctx, doc),
            )
        except (StandardError, ArithmeticError, ValueError) as exc:
            cached = f"the standard checker raised {type(exc).__name__}: {exc}"
        ctx.reports[doc.hash] = cached
    return cached


def _recorded(
    ctx: _Ctx, c: ClaimOnChain, doc: Document | None, report: CheckReport | str | None
) -> Finding:
    s, cid = c.submitted, c.claim_id
    if doc is None:
        return Finding(
            cid,
            "recorded",
            Result.FAILS,
            f"claim {hx(cid)}: no document in {ctx.where} hashes to its recorded document hash "
            f"{hx(s.document_hash)}",
        )
    d = s.details
    name = doc.path.name
    diffs: list[str] = []
    if doc.hash != s.document_hash:
        diffs.append(
            f"document hash on chain {hx(s.document_hash)} ≠ keccak-256 of {name}'s canonical "
            f"bytes {hx(doc.hash)}"
        )
    if doc.firm != s.firm:
        diffs.append(f"firm on chain {s.firm} ≠ {name}'s {doc.firm}")
    root = report.lines_root if isinstance(report, CheckReport) else merkle_root(doc.claim.lines)
    if root != s.activity_root:
        diffs.append(f"activity root on chain {hx(s.activity_root)} ≠ {name}'s {hx(root)}")
    kind = ClaimKind.FOOTPRINT if doc.claim.kind == "footprint" else ClaimKind.REDUCTION
    if d.kind != kind:
        diffs.append(f"kind on chain {d.kind.name.lower()} ≠ {name}'s {doc.claim.kind}")
    start, end = period_seconds(doc.claim)
    if (d.period_start, d.period_end) != (start, end):
        diffs.append(
            f"period on chain [{d.period_start}, {d.period_end}) ≠ {name}'s "
            f"{doc.claim.period.start}..{doc.claim.period.end} = [{start}, {end})"
        )
    if isinstance(report, str):
        diffs.append(f"totals not comparable: {report}")
    elif report is not None:
        diffs.extend(_total_diffs(ctx, c, doc, report))
    return _verdict(
        cid,
        "recorded",
        diffs,
        f"{name}: document hash, firm, kind, period, activity root ({len(doc.claim.lines)} "
        f"lines) and totals equal the ClaimSubmitted event (block {s.log.block_number})",
    )


def _total_diffs(ctx: _Ctx, c: ClaimOnChain, doc: Document, report: CheckReport) -> list[str]:
    d, name = c.submitted.details, doc.path.name
    out: list[str] = []
    if doc.claim.kind == "footprint":
        pairs = {
            "scope1": d.scope1,
            "scope2_location": d.scope2_location,
            "scope2_market": d.scope2_market,
            "scope3": d.scope3,
            "biogenic_co2": d.biogenic,
        }
        for key, onchain in pairs.items():
            mine = report.onchain.get(key)
            if mine != onchain:
                out.append(f"{key} on chain {onchain} ≠ {name}'s {mine} kgCO2e")
        return out
    claim = doc.claim
    assert isinstance(claim, ReductionClaim)
    baseline = _baseline_doc(ctx, doc)
    if baseline is None:
        out.append(
            f"{name}'s reduction totals cannot be recomputed without its baseline document "
            f"{claim.baseline.document_hash}"
        )
    else:
        try:
            expected_totals = reduction_totals(
                claim, ctx.standard_for(doc), baseline.claim, _allocations(ctx, doc)
            )
        except (StandardError, ArithmeticError, ValueError) as exc:
            out.append(f"{name}'s reduction cannot be recomputed: {exc}")
        else:
            parts = {
                "scope1": (d.scope1, expected_totals.scope1),
                "scope2_location": (d.scope2_location, expected_totals.scope2_location),
                "scope2_market": (d.scope2_market, expected_totals.scope2_market),
                "scope3": (d.scope3, expected_totals.scope3),
                "biogenic_co2": (d.biogenic, expected_totals.biogenic_co2),
            }
            for key, (onchain, part) in parts.items():
                if onchain != part:
                    out.append(f"{key} on chain {onchain} ≠ {name}'s reduction part {part} kgCO2e")
    expected = claim_id_of(doc.firm, bytes.fromhex(claim.baseline.document_hash[2:]))
    linked = [e.other for e in c.events if e.name == "ReductionBaselineLinked"]
    if linked != [expected]:
        found = hx(linked[0]) if linked else "none"
        out.append(
            f"baseline on chain {found} ≠ the claim of {name}'s baseline document "
            f"{claim.baseline.document_hash} ({hx(expected)})"
        )
    return out


def _signature(ctx: _Ctx, c: ClaimOnChain) -> Finding:
    cid, s = c.claim_id, c.submitted
    if c.signed is None:
        return Finding(
            cid,
            "signature",
            Result.FAILS,
            f"claim {hx(cid)}: cannot check the firm's signature: {c.signed_problem}",
        )
    sc = c.signed
    block = s.log.block_number
    problems: list[str] = []
    if (sc.firm, sc.document_hash, sc.activity_root, sc.packed_details()) != (
        s.firm,
        s.document_hash,
        s.activity_root,
        (s.header, s.scopes),
    ):
        problems.append("the signed claim in the transaction differs from the ClaimSubmitted event")
    digest = abi.typed_digest(ctx.domain_separator, sc.struct_hash())
    signer = recover_signer(digest, sc.signature)
    changes = ctx.view.members.get(s.firm, [])
    state = member_at(changes, s.log.pos)
    if state.status != abi.MEMBER_ACTIVE or not state.roles & abi.FIRM_ROLE:
        problems.append(
            f"firm {s.firm} was {_status_name(state.status)} with roles {state.roles} at block "
            f"{block}, not an active member with the firm role"
        )
    if signer is None:
        problems.append("the signature is not a valid ECDSA signature (v 27/28, low s)")
    elif signer != state.key:
        problems.append(
            f"signed by {signer}, but the firm's signing key at block {block} was {state.key}"
        )
    ts = c.block_timestamp
    if ts is not None:
        if ts > sc.deadline:
            problems.append(f"recorded at {ts}, after the signature's deadline {sc.deadline}")
        replayed = key_at_timestamp(changes, ts)
        if c.key_at_timestamp is not None and c.key_at_timestamp != replayed:
            problems.append(
                f"MemberRegistry.signingKeyAt({s.firm}, {ts}) = {c.key_at_timestamp}, but its "
                f"events say {replayed}"
            )
    return _verdict(
        cid,
        "signature",
        problems,
        f"signed by {signer}, the signing key of firm {s.firm} (active, firm role) at block "
        f"{block}; EIP-712 digest {hx(digest)[:18]}… (chain {ctx.view.chain_id})",
    )


def _standard(ctx: _Ctx, c: ClaimOnChain, doc: Document | None) -> tuple[bool, Finding]:
    cid, v = c.claim_id, c.submitted.details.standard_version
    version = ctx.view.versions.get(v)
    std = ctx.standard_for(doc, version.content_hash if version is not None else None)
    if version is None or version.status == 0:
        return False, Finding(
            cid,
            "standard",
            Result.FAILS,
            f"claim {hx(cid)}: standard version {v} is not published in StandardRegistry "
            f"{ctx.view.addresses.standard_registry}",
        )
    if version.content_hash != std.content_hash:
        return False, Finding(
            cid,
            "standard",
            Result.FAILS,
            f"claim {hx(cid)}: StandardRegistry version {v} has content hash "
            f"{hx(version.content_hash)}, the verifier's standard {std.version_id} has "
            f"{hx(std.content_hash)}: the verifier cannot re-run version {v}",
        )
    status = abi.VERSION_STATUS_NAMES[version.status] if version.status < 3 else version.status
    if doc is not None and doc.claim.standard_version != std.version_id:
        return True, Finding(
            cid,
            "standard",
            Result.FAILS,
            f"claim {hx(cid)}: {doc.path.name} names standard {doc.claim.standard_version}, "
            f"but the claim is recorded under version {v} = {std.version_id}",
        )
    return True, Finding(
        cid,
        "standard",
        Result.HOLDS,
        f"version {v} ({status}) content hash {hx(version.content_hash)[:18]}… = local "
        f"standard {std.version_id}",
    )


def _rerun(
    ctx: _Ctx,
    c: ClaimOnChain,
    doc: Document | None,
    report: CheckReport | str | None,
    std_ok: bool,
) -> Finding:
    cid = c.claim_id
    v = c.submitted.details.standard_version
    if not std_ok:
        return Finding(
            cid, "check re-run", Result.NOTE, f"skipped: the local standard is not version {v}"
        )
    if doc is None or report is None:
        return Finding(cid, "check re-run", Result.NOTE, "skipped: no document")
    if isinstance(report, str):
        return Finding(cid, "check re-run", Result.FAILS, f"claim {hx(cid)}: {report}")
    hint = ""
    claim = doc.claim
    if isinstance(claim, ReductionClaim) and _baseline_doc(ctx, doc) is None:
        hint = f" (its baseline document {claim.baseline.document_hash} was not given)"
    report_hash = report.report_hash  # computed once: it re-serialises the whole report
    mine = f"{'passed' if report.passed else 'failed'}, report {hx(report_hash)}"
    checks = [e for e in c.events if e.name == "ClaimChecked"]
    if not checks:
        return Finding(
            cid, "check re-run", Result.NOTE, f"not checked on chain; re-run {mine}{hint}"
        )
    last = checks[-1]
    earlier = f"; {len(checks) - 1} earlier check(s)" if len(checks) > 1 else ""
    if last.passed == report.passed and last.other == report_hash:
        return Finding(
            cid,
            "check re-run",
            Result.HOLDS,
            f"re-run {mine[: mine.index(',')]}, report hash {hx(report_hash)[:18]}… = "
            f"ClaimChecked of {last.actor} (block {last.log.block_number}){earlier}",
        )
    errors = "; ".join(f"{f.rule} {f.path}" for f in report.errors[:3])
    return Finding(
        cid,
        "check re-run",
        Result.FAILS,
        f"claim {hx(cid)}: re-run {mine}{hint}, but the last ClaimChecked (block "
        f"{last.log.block_number}, checker {last.actor}) recorded "
        f"{'passed' if last.passed else 'failed'}, report {hx(last.other)}"
        + (f"; re-run errors: {errors}" if errors else ""),
    )


def _doc_of_claim(ctx: _Ctx, claim_id: bytes) -> Document | None:
    other = ctx.view.claims.get(claim_id)
    return ctx.docs.get(other.submitted.document_hash) if other else None


def _history(ctx: _Ctx, c: ClaimOnChain) -> Finding:
    cid, s = c.claim_id, c.submitted
    rooted = c.anchor is not None
    # a root-anchored claim the ledger has not admitted: no ledger events are owed yet
    pending = rooted and (c.record is None or c.record.status == 0)
    timeline = [f"{'under a root' if rooted else 'submitted'} (block {s.log.block_number})"]
    problems: list[str] = []
    status = abi.CLAIM_ACTIVE
    check_outcome, verdict = 0, 0
    for e in c.events:
        b = e.log.block_number
        if e.name == "ClaimChecked":
            check_outcome = 1 if e.passed else 2
            timeline.append(f"checked {abi.CHECK_NAMES[check_outcome]} ({b})")
        elif e.name == "ClaimAudited":
            verdict = e.verdict or 0
            name = abi.VERDICT_NAMES[verdict] if verdict < 3 else str(verdict)
            timeline.append(f"audited {name} by {e.actor} ({b})")
        elif e.name == "ClaimSuperseded":
            status = abi.CLAIM_SUPERSEDED
            timeline.append(f"superseded by {short(e.other)} ({b})")
            problems.extend(_link_problems(ctx, e.other, "its amendment"))
        elif e.name == "ClaimRevoked":
            status = abi.CLAIM_REVOKED
            timeline.append(f"revoked ({b})")
    sc = c.signed
    if sc is not None and sc.supersedes != abi.ZERO32:
        timeline.insert(1, f"amends {short(sc.supersedes)}")
        ev = c.supersedes_event
        if not pending and (ev is None or ev.claim_id != sc.supersedes):
            problems.append(f"no ClaimSuperseded event of {hx(sc.supersedes)} by this claim")
        problems.extend(_link_problems(ctx, sc.supersedes, "the claim it amends"))
    if sc is not None and s.details.kind == ClaimKind.REDUCTION:
        linked = [e.other for e in c.events if e.name == "ReductionBaselineLinked"]
        if not pending and linked != [sc.baseline]:
            problems.append(
                f"no ReductionBaselineLinked event to its signed baseline {hx(sc.baseline)}"
            )
        problems.extend(_link_problems(ctx, sc.baseline, "its baseline"))
    r = c.record
    if pending and not c.events and not problems:
        return Finding(
            cid,
            "history",
            Result.HOLDS,
            "root-anchored, not admitted into ClaimLedger: no check, audit, revocation or "
            "amendment on chain yet",
        )
    if r is None or r.status == 0:
        problems.append("ClaimLedger.claimOf has no record of it")
    else:
        if r.status != status:
            problems.append(
                f"claimOf says {abi.CLAIM_STATUS_NAMES[r.status]}, its events say "
                f"{abi.CLAIM_STATUS_NAMES[status]}"
            )
        if r.check != check_outcome:
            problems.append(
                f"claimOf check outcome {abi.CHECK_NAMES[r.check] if r.check < 3 else r.check}"
                f" ≠ the last ClaimChecked {abi.CHECK_NAMES[check_outcome]}"
            )
        if r.audit != verdict:
            problems.append(f"claimOf audit verdict {r.audit} ≠ ClaimAudited {verdict}")
        gross = s.details.scope1 + s.details.scope2_market + s.details.scope3
        record = (r.firm, r.kind, r.standard_version, r.gross_total)
        if record != (s.firm, int(s.details.kind), s.details.standard_version, gross):
            problems.append(
                f"claimOf (firm {r.firm}, kind {r.kind}, version {r.standard_version}, gross "
                f"{r.gross_total}) ≠ the ClaimSubmitted event"
            )
    text = "; ".join(timeline)
    final = abi.CLAIM_STATUS_NAMES[status]
    return _verdict(
        cid, "history", problems, f"{final}, as claimOf says: {text}", trail=f" [{text}]"
    )


def _verdict(
    cid: bytes, check: str, problems: Sequence[str], holds: str, trail: str = ""
) -> Finding:
    """The finding of one check of claim ``cid``: FAILS with every problem found (and
    ``trail``), else HOLDS with ``holds``, which says what was compared."""
    if problems:
        return Finding(cid, check, Result.FAILS, f"claim {hx(cid)}: " + "; ".join(problems) + trail)
    return Finding(cid, check, Result.HOLDS, holds)


def _link_problems(ctx: _Ctx, other: bytes, what: str) -> list[str]:
    """In firm mode, a linked claim must be on chain with its document present."""
    if ctx.mode != "firm":
        return []
    if other not in ctx.view.claims:
        return [f"{what} {hx(other)} is not a claim of this firm on chain"]
    if ctx.view.claims[other].submitted.activity_root == PACT_MARKER:
        return []  # a PACT anchor: its document is a footprint, checked with --pact
    if _doc_of_claim(ctx, other) is None:
        return [f"{what} {hx(other)} has no document in {ctx.where}"]
    return []


def _unrecorded_documents(ctx: _Ctx, firm: str) -> list[Finding]:
    recorded = {c.submitted.document_hash for c in ctx.view.claims.values()}
    out: list[Finding] = []
    others = 0
    for h, doc in ctx.docs.items():
        if doc.firm != firm:
            others += 1
        elif h not in recorded:
            cid = claim_id_of(firm, h)
            out.append(
                Finding(
                    cid,
                    "recorded",
                    Result.FAILS,
                    f"{doc.path.name} (document hash {hx(h)}) is a document of firm {firm} "
                    f"but no claim {hx(cid)} is recorded on chain",
                )
            )
    if others:
        out.append(
            Finding(
                None,
                "documents",
                Result.NOTE,
                f"{others} document(s) in {ctx.where} of other firms ignored",
            )
        )
    return out
