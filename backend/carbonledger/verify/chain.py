"""Read and decode what the chain holds about claims, in bulk, through a :class:`ChainPort`.

One ``eth_getLogs`` per block range for the claim events (in firm mode: the firm's, then the
checks and audits of its claims by claim id, 500 ids a query), one for the firm's membership
events, one JSON-RPC batch for the submitting transactions (cached per hash: a batch
transaction holds many claims), one for block timestamps, one for the ``eth_call`` views. The
result is plain decoded data (:class:`ChainView`); judging it is
:mod:`carbonledger.verify.core`'s job.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from carbonledger.verify import abi
from carbonledger.verify.documents import RootProof
from carbonledger.verify.rpc import ChainPort, Log, RpcError, Tx, VerifyInputError, read_json
from carbonledger.vocab import (
    CLAIM_LEDGER_NAME,
    DOMAIN_VERSION,
    ClaimDetails,
    claim_leaf,
    domain_separator,
    process_proof,
    unpack_claim_details,
)


@dataclass(frozen=True)
class Addresses:
    """The contracts to read, and where their history starts."""

    claim_ledger: str
    member_registry: str
    standard_registry: str
    from_block: int = 0
    #: contract name -> keccak-256 of its runtime code, when known from a manifest
    code_hashes: dict[str, str] = field(default_factory=dict)
    chain_id: int | None = None
    source: str = ""
    #: OverlapSettlement, when known (from a manifest): its citations give the allocations a
    #: reduction's check counted
    overlap_settlement: str | None = None


def addresses_from_manifest(path: Path) -> Addresses:
    """Addresses from a ``deployment.json``; :class:`VerifyInputError` if unusable."""
    data = read_json(path, "manifest")
    try:
        contracts = data["contracts"]
        code = {name: str(c["code_hash"]) for name, c in contracts.items() if "code_hash" in c}
        return Addresses(
            claim_ledger=_address(contracts["ClaimLedger"]["address"]),
            member_registry=_address(contracts["MemberRegistry"]["address"]),
            standard_registry=_address(contracts["StandardRegistry"]["address"]),
            from_block=int(data.get("deploy_block", 0)),
            code_hashes={
                k: v
                for k, v in code.items()
                if k not in ("OverlapSettlement", "TargetRegistry")  # not read by the verifier
            },
            chain_id=int(data["chain_id"]) if "chain_id" in data else None,
            source=f"manifest {path}",
            overlap_settlement=(
                _address(contracts["OverlapSettlement"]["address"])
                if "OverlapSettlement" in contracts
                else None
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise VerifyInputError(
            f"manifest {path} is not a CarbonLedger deployment manifest (missing {exc})"
        ) from None


def _address(value: Any) -> str:
    text = str(value)
    if not (text.startswith("0x") and len(text) == 42):
        raise ValueError(f"address {text!r}")
    int(text, 16)
    return text.lower()


def discover_addresses(port: ChainPort, claim_ledger: str, from_block: int = 0) -> Addresses:
    """Addresses of the registries, as the ClaimLedger at ``claim_ledger`` names them."""
    ledger = _address(claim_ledger)
    if not port.code(ledger):
        raise VerifyInputError(f"no contract at {ledger} (the --claim-ledger address)")
    try:
        members, standards = port.eth_calls(
            [(ledger, abi.SEL_MEMBER_REGISTRY), (ledger, abi.SEL_STANDARD_REGISTRY)]
        )
    except RpcError as exc:
        raise VerifyInputError(f"the contract at {ledger} is not a ClaimLedger: {exc}") from None
    if len(members) != 32 or len(standards) != 32:
        raise VerifyInputError(f"the contract at {ledger} is not a ClaimLedger")
    return Addresses(
        claim_ledger=ledger,
        member_registry=abi.address_of(members),
        standard_registry=abi.address_of(standards),
        from_block=from_block,
        source=f"discovered from ClaimLedger {ledger}",
    )


# --- decoded records ----------------------------------------------------------------------
@dataclass(frozen=True)
class Submitted:
    """A ``ClaimSubmitted`` event, decoded."""

    claim_id: bytes
    firm: str
    document_hash: bytes
    activity_root: bytes
    header: int
    scopes: int
    details: ClaimDetails
    log: Log

    @classmethod
    def of_signed(cls, sc: abi.SignedClaim, log: Log) -> Submitted:
        """The ``ClaimSubmitted`` the ledger emits for the signed claim ``sc``, placed at
        ``log`` (a root claim's: its root's event)."""
        header, scopes = sc.packed_details()
        details = unpack_claim_details(header, scopes)
        return cls(
            sc.claim_id, sc.firm, sc.document_hash, sc.activity_root, header, scopes, details, log
        )


@dataclass(frozen=True)
class ClaimEvent:
    """Any other claim event: what happened, where, by whom."""

    #: ReductionBaselineLinked, ClaimSuperseded, ClaimRevoked, ClaimChecked or ClaimAudited
    name: str
    claim_id: bytes
    actor: str  # firm, checker or auditor
    log: Log
    other: bytes = abi.ZERO32  # baseline id, superseding id, reason or report hash
    passed: bool | None = None
    verdict: int | None = None


@dataclass(frozen=True)
class MemberChange:
    """A membership event of one account, in chain order."""

    name: str
    pos: tuple[int, int, int]
    key: str | None = None
    roles: int | None = None
    timestamp: int | None = None  # of its block


@dataclass(frozen=True)
class Version:
    content_hash: bytes
    status: int
    effective_from: int


@dataclass(frozen=True)
class RootAnchor:
    """Where a root-anchored claim is anchored: its proof, and the root's event if recorded."""

    proof: RootProof
    leaf: bytes
    reached: bytes  # the root the proof leads to from the leaf
    recorded: Log | None  # the ClaimRootRecorded event of ``proof.root``
    admitted: Submitted | None = None  # the ClaimSubmitted of its admission, if admitted

    @property
    def holds(self) -> bool:
        return self.reached == self.proof.root


@dataclass
class ClaimOnChain:
    """Everything the chain says about one claim."""

    submitted: Submitted
    events: list[ClaimEvent] = field(default_factory=list)  # this claim's, in chain order
    supersedes_event: ClaimEvent | None = None  # ClaimSuperseded(previous, firm, this)
    tx: Tx | None = None
    signed: abi.SignedClaim | None = None
    signed_problem: str | None = None
    block_timestamp: int | None = None
    key_at_timestamp: str | None = None  # MemberRegistry.signingKeyAt(firm, block timestamp)
    record: abi.ClaimRecord | None = None
    #: root mode: the claim's proof and root (``submitted`` is then built from the signed
    #: claim, at the root's event, which is where its signature is judged)
    anchor: RootAnchor | None = None

    @property
    def claim_id(self) -> bytes:
        return self.submitted.claim_id


@dataclass
class ChainView:
    """The decoded chain: context plus one :class:`ClaimOnChain` per claim found."""

    chain_id: int
    addresses: Addresses
    latest_block: int
    domain_separator: bytes
    claims: dict[bytes, ClaimOnChain]
    versions: dict[int, Version]
    members: dict[str, list[MemberChange]]  # firm -> its membership events
    member_now: dict[str, tuple[str, int, int]]  # firm -> memberState (key, roles, status)
    code_hashes: dict[str, str] = field(default_factory=dict)  # name -> found runtime code hash
    missing: list[bytes] = field(default_factory=list)  # requested claim ids with no event
    #: root mode: claim id -> the proof whose root has no ClaimRootRecorded event
    unrecorded_roots: dict[bytes, RootProof] = field(default_factory=dict)
    #: reduction claim id -> {settlement id (0x hex): kgCO2e allocated to its firm}, from the
    #: OverlapSettlement citations; None when the settlement contract is unknown
    allocations: dict[bytes, dict[str, int]] | None = None
    #: the claims this view judges, in chain order (None: all of ``claims``); the others are
    #: there for the links between claims, their transactions and records not read
    judged: tuple[bytes, ...] | None = None
    #: (k, n): this view is the k-th of n parts of one verification (see ChainReader.firm)
    part: tuple[int, int] = (0, 1)

    def judged_claims(self) -> list[ClaimOnChain]:
        """The claims this view judges, in chain order."""
        if self.judged is None:
            return list(self.claims.values())
        return [self.claims[cid] for cid in self.judged]

    @property
    def first_part(self) -> bool:
        return self.part[0] == 0

    @property
    def last_part(self) -> bool:
        return self.part[0] == self.part[1] - 1


@dataclass(frozen=True)
class FirmLogs:
    """The logs :meth:`ChainReader.firm` reads for one firm by walking the block range, read
    beforehand for many firms at once (:meth:`ChainReader.firms_logs`)."""

    #: its claim events (topic 2 the firm) and the allocations cited with it as the party
    found: tuple[Log, ...]
    #: the checks and audits of its ledger-submitted claims
    reviews: tuple[Log, ...]
    #: its MemberRegistry events (topic 1 the member)
    members: tuple[Log, ...]


def _topic(address: str) -> bytes:
    return abi.enc_address(address)


def decode_claim_log(log: Log) -> Submitted | ClaimEvent | None:
    """One ClaimLedger log as a record (None for events the verifier does not use)."""
    t0 = log.topics[0] if log.topics else b""
    if t0 == abi.T_SUBMITTED:
        header, scopes = abi.word(log.data, 2), abi.word(log.data, 3)
        return Submitted(
            claim_id=log.topics[1],
            firm=abi.address_of(log.topics[2]),
            document_hash=log.data[0:32],
            activity_root=log.data[32:64],
            header=header,
            scopes=scopes,
            details=unpack_claim_details(header, scopes),
            log=log,
        )
    cid, actor = log.topics[1], abi.address_of(log.topics[2]) if len(log.topics) > 2 else ""
    if t0 == abi.T_LINKED:
        return ClaimEvent("ReductionBaselineLinked", cid, actor, log, other=log.topics[3])
    if t0 == abi.T_SUPERSEDED:
        return ClaimEvent("ClaimSuperseded", cid, actor, log, other=log.topics[3])
    if t0 == abi.T_REVOKED:
        return ClaimEvent("ClaimRevoked", cid, actor, log, other=log.data[0:32])
    if t0 == abi.T_CHECKED:
        return ClaimEvent(
            "ClaimChecked",
            cid,
            actor,
            log,
            other=log.data[32:64],
            passed=abi.word(log.data, 0) != 0,
        )
    if t0 == abi.T_AUDITED:
        return ClaimEvent(
            "ClaimAudited", cid, actor, log, other=log.data[32:64], verdict=abi.word(log.data, 0)
        )
    return None


def decode_member_log(log: Log) -> MemberChange | None:
    t0 = log.topics[0]
    if t0 == abi.T_ADMITTED:
        # data: name (offset), signingKey, roles
        return MemberChange(
            "MemberAdmitted",
            log.pos,
            key=abi.address_of(log.data[32:64]),
            roles=abi.word(log.data, 2),
        )
    if t0 == abi.T_ROTATED:
        return MemberChange("SigningKeyRotated", log.pos, key=abi.address_of(log.topics[3]))
    if t0 == abi.T_ROLES:
        return MemberChange("MemberRolesChanged", log.pos, roles=abi.word(log.data, 1))
    names = {
        abi.T_REMOVED: "MemberRemoved",
        abi.T_SUSPENDED: "MemberSuspended",
        abi.T_REINSTATED: "MemberReinstated",
    }
    return MemberChange(names[t0], log.pos) if t0 in names else None


def _cited_allocations(logs: Iterable[Log]) -> dict[bytes, dict[str, int]]:
    """Reduction claim id -> {settlement id: kgCO2e}, from ``AllocationCited`` logs."""
    out: dict[bytes, dict[str, int]] = {}
    for log in sorted(logs, key=lambda lg: lg.pos):
        settlement, claim_id = log.topics[1], log.topics[3]
        allocated = abi.word(log.data, 0)
        out.setdefault(claim_id, {})["0x" + settlement.hex()] = allocated
    return out


class ChainReader:
    """Builds a :class:`ChainView` through a :class:`ChainPort`."""

    #: claim ids per ``eth_getLogs`` topic list when reading a firm's checks and audits
    REVIEW_IDS_PER_QUERY = 500

    def __init__(self, port: ChainPort, addresses: Addresses) -> None:
        self.port = port
        self.addresses = addresses
        self._tx_cache: dict[bytes, Tx] = {}
        self._decoded: dict[bytes, dict[bytes, abi.SignedClaim] | str] = {}
        #: whether the node answers claimOf in bulk (a contract creation in eth_call)
        self._records_in_bulk = True
        #: firm -> its membership logs, read beforehand (``firm(..., read=...)``)
        self._member_logs: dict[str, list[Log]] = {}

    # --- entry points ------------------------------------------------------------------
    def claim(self, claim_id: bytes, proofs: Sequence[RootProof] = ()) -> ChainView:
        """The view of one claim (and the events that name it); ``proofs``: its root proof
        when it is root-anchored."""
        a = self.addresses
        latest = self.port.latest_block()
        logs = self.port.get_logs(
            a.claim_ledger, [list(abi.CLAIM_TOPICS), claim_id], a.from_block, latest
        )
        logs += self.port.get_logs(
            a.claim_ledger, [[abi.T_SUPERSEDED], None, None, claim_id], a.from_block, latest
        )
        view = self._build(logs, latest, wanted=[claim_id], proofs=proofs)
        view.allocations = self._allocations([None, None, claim_id], latest)
        return view

    def firm(
        self,
        firm: str,
        proofs: Sequence[RootProof] = (),
        shard: tuple[int, int] = (0, 1),
        to_block: int | None = None,
        read: FirmLogs | None = None,
        only: Collection[bytes] | None = None,
    ) -> ChainView:
        """The view of every claim of ``firm``, with its root-anchored claims' ``proofs``.

        ``shard`` ``(k, n)``: the view judges only the k-th of n contiguous ranges of the
        claims in chain order (what one process of :mod:`~carbonledger.verify.parallel` does):
        only their transactions, blocks and ``claimOf`` are read, every claim's events are.
        ``to_block``: the chain up to that block (default: the latest), so that the parts of
        one verification read the same history. ``read``: this firm's logs up to
        ``to_block``, read beforehand (:meth:`firms_logs`); the block range is then walked
        only for the reviews of root-anchored claims the ledger has not admitted. ``only``:
        the view judges these claims alone (an auditor's sample), in place of a shard."""
        if not 0 <= shard[0] < shard[1]:
            raise ValueError(f"shard {shard}: part k of n needs 0 <= k < n")
        a = self.addresses
        latest = self.port.latest_block() if to_block is None else to_block
        if read is None:
            # the firm's claim events and its allocations (OverlapSettlement's AllocationCited,
            # its topic 2 the party) in one query: the node walks the block range once
            contracts, topic0 = self._firm_filter()
            found = self.port.get_logs(
                contracts, [topic0, None, _topic(firm)], a.from_block, latest
            )
        else:
            found = list(read.found)
            self._member_logs[firm.lower()] = list(read.members)
        logs = [
            lg
            for lg in found
            if lg.address == a.claim_ledger and lg.topics[0] != abi.T_ALLOCATION_CITED
        ]
        cited = [
            lg
            for lg in found
            if lg.address == a.overlap_settlement and lg.topics[0] == abi.T_ALLOCATION_CITED
        ]
        mine = [p for p in proofs if p.signed.firm == firm.lower()]
        # checks and audits of this firm's claims only (ledger-submitted and root-anchored):
        # the reviews of every other firm's claims would be read and dropped
        ids = list(
            dict.fromkeys(
                [lg.topics[1] for lg in logs if lg.topics[0] == abi.T_SUBMITTED]
                + [p.claim_id for p in mine]
            )
        )
        if read is not None:  # the reviews of its ledger claims are read already
            ledger_ids = {lg.topics[1] for lg in logs if lg.topics[0] == abi.T_SUBMITTED}
            ids = [cid for cid in ids if cid not in ledger_ids]
            logs += read.reviews
        logs += self._reviews(ids, latest)
        view = self._build(logs, latest, wanted=None, proofs=mine, shard=shard, only=only)
        view.allocations = None if a.overlap_settlement is None else _cited_allocations(cited)
        return view

    def firms_logs(self, firms: Sequence[str], to_block: int) -> dict[str, FirmLogs]:
        """Each of ``firms``' logs up to ``to_block`` (by lower-case address), as
        :meth:`firm` reads them, in three walks of the block range for all of them where
        :meth:`firm` walks it three times per firm. The walk is most of what a query costs
        the node (anvil: ~0.6 µs per block, ~3 ms per query on a 5,000-block history).

        The reviews are read by claim id when the firms' ledger claims fit in one query
        (:attr:`REVIEW_IDS_PER_QUERY`), else every review of the range is read once and
        sorted out here: a list of N ids costs the node N bloom-filter tests per block."""
        a = self.addresses
        wanted = list(dict.fromkeys(f.lower() for f in firms))
        contracts, topic0 = self._firm_filter()
        step = self.REVIEW_IDS_PER_QUERY
        found: list[Log] = []
        members: list[Log] = []
        for start in range(0, len(wanted), step):
            topics = [_topic(f) for f in wanted[start : start + step]]
            found += self.port.get_logs(contracts, [topic0, None, topics], a.from_block, to_block)
            members += self.port.get_logs(
                a.member_registry, [list(abi.MEMBER_TOPICS), topics], a.from_block, to_block
            )
        # (a log the filter did not ask for, from a node that misreads it, is no firm's)
        own: dict[str, list[Log]] = {f: [] for f in wanted}
        for lg in found:
            firm_logs = own.get(abi.address_of(lg.topics[2])) if len(lg.topics) > 2 else None
            if firm_logs is not None:
                firm_logs.append(lg)
        ids = {
            f: list(
                dict.fromkeys(
                    lg.topics[1]
                    for lg in logs
                    if lg.address == a.claim_ledger and lg.topics[0] == abi.T_SUBMITTED
                )
            )
            for f, logs in own.items()
        }
        every = [cid for f in wanted for cid in ids[f]]
        if len(every) <= step:
            reviews = self._reviews(every, to_block)
        else:
            reviews = self.port.get_logs(
                a.claim_ledger, [list(abi.REVIEW_TOPICS)], a.from_block, to_block
            )
        of_claim: dict[bytes, list[Log]] = {}
        for lg in reviews:
            of_claim.setdefault(lg.topics[1], []).append(lg)
        of_member: dict[str, list[Log]] = {f: [] for f in wanted}
        for lg in members:
            member = of_member.get(abi.address_of(lg.topics[1])) if len(lg.topics) > 1 else None
            if member is not None:
                member.append(lg)
        return {
            f: FirmLogs(
                tuple(own[f]),
                tuple(lg for cid in ids[f] for lg in of_claim.get(cid, ())),
                tuple(of_member[f]),
            )
            for f in wanted
        }

    def _firm_filter(self) -> tuple[list[str], list[bytes]]:
        """The contracts and topics 0 of a firm's own events: ClaimLedger's claim events
        (topic 2 the firm) and OverlapSettlement's AllocationCited (topic 2 the party)."""
        a = self.addresses
        contracts = [a.claim_ledger] + ([a.overlap_settlement] if a.overlap_settlement else [])
        topic0 = [*abi.FIRM_TOPICS] + ([abi.T_ALLOCATION_CITED] if a.overlap_settlement else [])
        return contracts, topic0

    def _reviews(self, claim_ids: Sequence[bytes], latest: int) -> list[Log]:
        """The ClaimChecked and ClaimAudited events of ``claim_ids`` (topic 1),
        :attr:`REVIEW_IDS_PER_QUERY` ids a query."""
        a, step = self.addresses, self.REVIEW_IDS_PER_QUERY
        out: list[Log] = []
        for start in range(0, len(claim_ids), step):
            out += self.port.get_logs(
                a.claim_ledger,
                [list(abi.REVIEW_TOPICS), list(claim_ids[start : start + step])],
                a.from_block,
                latest,
            )
        return out

    def _allocations(
        self, topics: list[bytes | None], latest: int
    ) -> dict[bytes, dict[str, int]] | None:
        """Allocations cited by reduction claims (``topics``: settlement, party, claim)."""
        a = self.addresses
        if a.overlap_settlement is None:
            return None
        logs = self.port.get_logs(
            a.overlap_settlement, [abi.T_ALLOCATION_CITED, *topics], a.from_block, latest
        )
        return _cited_allocations(logs)

    # --- assembly ----------------------------------------------------------------------
    def _build(
        self,
        logs: Iterable[Log],
        latest: int,
        wanted: Sequence[bytes] | None,
        proofs: Sequence[RootProof] = (),
        shard: tuple[int, int] = (0, 1),
        only: Collection[bytes] | None = None,
    ) -> ChainView:
        a = self.addresses
        ordered = sorted({(lg.pos, lg.topics[0]): lg for lg in logs}.values(), key=lambda x: x.pos)
        wanted_ids = None if wanted is None else set(wanted)  # looked up once per log
        claims: dict[bytes, ClaimOnChain] = {}
        others: list[ClaimEvent] = []
        for log in ordered:
            if log.address != a.claim_ledger:
                continue
            record = decode_claim_log(log)
            if isinstance(record, Submitted):
                if wanted_ids is None or record.claim_id in wanted_ids:
                    claims.setdefault(record.claim_id, ClaimOnChain(record))
            elif record is not None:
                others.append(record)
        for event in others:
            if event.claim_id in claims:
                claims[event.claim_id].events.append(event)
            if event.name == "ClaimSuperseded" and event.other in claims:
                claims[event.other].supersedes_event = event
        unrecorded = self._attach_roots(claims, others, proofs, wanted, latest)
        missing = [c for c in wanted or [] if c not in claims and c not in unrecorded]
        # this part's claims: a contiguous range in chain order (all of them for part (0, 1));
        # every claim stays in the view, for the links between claims
        part, parts = shard
        order = list(claims)
        if only is not None:
            judged = [cid for cid in order if cid in only]
        else:
            judged = order[len(order) * part // parts : len(order) * (part + 1) // parts]
        mine = [claims[cid] for cid in judged]
        # the submitting transactions, each fetched and decoded once (a root-anchored claim's
        # signed claim is its proof file's)
        self._load_transactions([c.submitted.log.tx_hash for c in mine if c.anchor is None])
        for c in mine:
            if c.anchor is None:
                self._attach_signed(c)

        firms = sorted({c.submitted.firm for c in claims.values()})
        member_logs: list[Log] = []
        members = {f: self._member_history(f, latest, member_logs) for f in firms}

        # block timestamps: from the logs where the node gives them, else read from the blocks
        blocks = {
            lg.block_number: lg.block_timestamp
            for lg in [c.submitted.log for c in mine] + member_logs
            if lg.block_timestamp is not None
        }
        unknown = {c.submitted.log.block_number for c in mine} | {
            ch.pos[0] for history in members.values() for ch in history
        }
        unknown.difference_update(blocks)
        if unknown:
            blocks.update(self.port.block_timestamps(sorted(unknown)))
        for c in mine:
            c.block_timestamp = blocks.get(c.submitted.log.block_number)
        members = {
            f: [replace(ch, timestamp=blocks.get(ch.pos[0])) for ch in history]
            for f, history in members.items()
        }

        # eth_call views, one batch: domain separator, versions, member states, keys, records
        calls: list[tuple[str, bytes]] = [(a.claim_ledger, abi.SEL_DOMAIN_SEPARATOR)]
        version_ids = sorted({c.submitted.details.standard_version for c in mine})
        calls += [(a.standard_registry, abi.SEL_VERSION_OF + abi.enc_uint(v)) for v in version_ids]
        calls += [(a.member_registry, abi.SEL_MEMBER_STATE + _topic(f)) for f in firms]
        key_queries = sorted(
            {(c.submitted.firm, c.block_timestamp) for c in mine if c.block_timestamp is not None}
        )
        calls += [
            (a.member_registry, abi.SEL_SIGNING_KEY_AT + _topic(f) + abi.enc_uint(ts))
            for f, ts in key_queries
        ]
        answers = iter(self.port.eth_calls(calls))
        records = iter(self._claim_records([c.claim_id for c in mine]))

        domain_sep = next(answers)
        versions: dict[int, Version] = {}
        for v in version_ids:
            out = next(answers)
            versions[v] = Version(out[64:96], abi.word(out, 1), abi.word(out, 0))
        member_now: dict[str, tuple[str, int, int]] = {}
        for f in firms:
            out = next(answers)
            member_now[f] = (abi.address_of(out[0:32]), abi.word(out, 1), abi.word(out, 2))
        keys_at = {q: abi.address_of(next(answers)) for q in key_queries}
        for c in mine:
            c.record = abi.decode_claim_record(next(records))
            if c.block_timestamp is not None:
                c.key_at_timestamp = keys_at.get((c.submitted.firm, c.block_timestamp))

        found_code: dict[str, str] = {}
        names = {
            "ClaimLedger": a.claim_ledger,
            "MemberRegistry": a.member_registry,
            "StandardRegistry": a.standard_registry,
        }
        known = [name for name in a.code_hashes if name in names]
        for name, code in zip(known, self.port.codes([names[n] for n in known]), strict=True):
            found_code[name] = "0x" + keccak(code).hex()

        return ChainView(
            chain_id=self.port.chain_id(),
            addresses=a,
            latest_block=latest,
            domain_separator=domain_sep,
            claims=claims,
            versions=versions,
            members=members,
            member_now=member_now,
            code_hashes=found_code,
            missing=missing,
            unrecorded_roots=unrecorded,
            judged=None if parts == 1 and only is None else tuple(judged),
            part=shard,
        )

    def _claim_records(self, claim_ids: Sequence[bytes]) -> list[bytes]:
        """``ClaimLedger.claimOf`` of each claim id, :data:`abi.RECORDS_PER_CALL` per
        ``eth_call`` (:func:`abi.claim_records_code`), or one ``eth_call`` per id from a node
        that refuses a contract creation in ``eth_call`` or answers it otherwise (the same
        answers either way: the same view, at the same block)."""
        ledger, step = self.addresses.claim_ledger, abi.RECORDS_PER_CALL
        chunks = [claim_ids[i : i + step] for i in range(0, len(claim_ids), step)]
        if self._records_in_bulk and chunks:
            try:
                answers = self.port.eth_calls(
                    [(None, abi.claim_records_code(ledger, chunk)) for chunk in chunks]
                )
            except RpcError:
                answers = []
            size = abi.RECORD_BYTES
            if [len(a) for a in answers] == [len(chunk) * size for chunk in chunks]:
                return [a[i : i + size] for a in answers for i in range(0, len(a), size)]
            self._records_in_bulk = False
        return self.port.eth_calls([(ledger, abi.SEL_CLAIM_OF + cid) for cid in claim_ids])

    def _attach_roots(
        self,
        claims: dict[bytes, ClaimOnChain],
        others: Sequence[ClaimEvent],
        proofs: Sequence[RootProof],
        wanted: Sequence[bytes] | None,
        latest: int,
    ) -> dict[bytes, RootProof]:
        """Root mode: each proof's claim, judged at its root's ``ClaimRootRecorded`` event.

        The claim's record is built from the signed claim in the proof file (an admitted
        claim's ClaimSubmitted, from its admission, is kept to compare). Returns the proofs
        whose root the chain never recorded."""
        wanted_ids = None if wanted is None else set(wanted)
        proofs = [p for p in proofs if wanted_ids is None or p.claim_id in wanted_ids]
        if not proofs:
            return {}
        events_of: dict[bytes, list[ClaimEvent]] = {}  # grouped once: thousands of root claims
        for event in others:
            events_of.setdefault(event.claim_id, []).append(event)
        a = self.addresses
        (answer,) = self.port.eth_calls([(a.claim_ledger, abi.SEL_CLAIM_ROOTS)])
        roots_address = abi.address_of(answer) if len(answer) == 32 else None
        recorded: dict[bytes, Log] = {}
        if roots_address is not None:
            roots = sorted({p.root for p in proofs})
            for log in self.port.get_logs(
                roots_address, [[abi.T_ROOT_RECORDED], list(roots)], a.from_block, latest
            ):
                recorded.setdefault(log.topics[1], log)
        chain_id = self.port.chain_id()
        separator = domain_separator(chain_id, a.claim_ledger, CLAIM_LEDGER_NAME, DOMAIN_VERSION)
        unrecorded: dict[bytes, RootProof] = {}
        for p in proofs:
            root_log = recorded.get(p.root)
            if root_log is None:
                unrecorded[p.claim_id] = p
                continue
            sc = p.signed
            leaf = claim_leaf(abi.typed_digest(separator, sc.struct_hash()), sc.signature)
            submitted = Submitted.of_signed(sc, root_log)
            admitted = claims.get(sc.claim_id)
            anchor = RootAnchor(
                p,
                leaf,
                process_proof(p.proof, leaf),
                root_log,
                admitted.submitted if admitted else None,
            )
            c = ClaimOnChain(submitted, signed=sc, anchor=anchor)
            if admitted is not None:
                c.events, c.supersedes_event = admitted.events, admitted.supersedes_event
            else:
                c.events = list(events_of.get(sc.claim_id, ()))
            claims[sc.claim_id] = c
        for event in others:  # an amendment admitted later names this claim
            if event.name == "ClaimSuperseded" and event.other in claims:
                claims[event.other].supersedes_event = event
        return unrecorded

    def _load_transactions(self, hashes: Sequence[bytes]) -> None:
        todo = [h for h in dict.fromkeys(hashes) if h not in self._tx_cache]
        if todo:
            self._tx_cache.update(self.port.get_transactions(todo))

    def _signed_in(self, tx: Tx) -> dict[bytes, abi.SignedClaim] | str:
        cached = self._decoded.get(tx.hash)
        if cached is not None:
            return cached
        result: dict[bytes, abi.SignedClaim] | str
        if tx.to != self.addresses.claim_ledger:
            result = (
                f"transaction 0x{tx.hash.hex()} calls {tx.to}, not the ClaimLedger "
                "(a contract relayed it; its calldata cannot be decoded here)"
            )
        else:
            try:
                result = {s.claim_id: s for s in abi.decode_submission(tx.input)}
            except abi.AbiError as exc:
                result = f"transaction 0x{tx.hash.hex()}: {exc}"
        self._decoded[tx.hash] = result
        return result

    def _attach_signed(self, c: ClaimOnChain) -> None:
        tx = self._tx_cache.get(c.submitted.log.tx_hash)
        c.tx = tx
        if tx is None:
            c.signed_problem = (
                f"the node does not return transaction 0x{c.submitted.log.tx_hash.hex()}"
            )
            return
        decoded = self._signed_in(tx)
        if isinstance(decoded, str):
            c.signed_problem = decoded
        elif c.claim_id in decoded:
            c.signed = decoded[c.claim_id]
        else:
            c.signed_problem = f"transaction 0x{tx.hash.hex()} holds no signed claim with this id"

    def _member_history(
        self, firm: str, latest: int, read: list[Log] | None = None
    ) -> list[MemberChange]:
        """The membership events of ``firm`` in chain order (their logs appended to
        ``read``); read beforehand when :meth:`firm` was given them."""
        logs = self._member_logs.get(firm)
        if logs is None:
            logs = self.port.get_logs(
                self.addresses.member_registry,
                [list(abi.MEMBER_TOPICS), _topic(firm)],
                self.addresses.from_block,
                latest,
            )
        if read is not None:
            read.extend(logs)
        changes = (decode_member_log(lg) for lg in sorted(logs, key=lambda x: x.pos))
        return [c for c in changes if c is not None]
