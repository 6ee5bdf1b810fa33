"""Root mode of the anchoring worker: Merkle roots of signed claims instead of the claims.

``anchor_mode = "root"`` (settings): each round the worker takes up to ``root_size`` accepted
claims under no root, builds their tree (:class:`carbonledger.vocab.ClaimTree`, leaves in
acceptance order), plans the root with every claim's proof in the store, and records the root
on chain (``ClaimRoots.recordRoot``: one transaction, one storage slot, whatever the count).
The claims are then ``anchored``: their signed claim, signature and proof (served by
``GET /claims/{id}/proof``) and the root's ``ClaimRootRecorded`` event are all the
independent verifier needs.

What the chain checks: at recording, only that the sender is a relayer. The signatures,
nonces, standard and the checker's outcome were checked by the service before the claim was
accepted; the verifier checks the signature against the key the registry held at the root's
block after. A root-anchored claim reaches the ClaimLedger itself only when an operation
needs it there (an audit, a revocation): :meth:`RootAnchoring.admit` sends
``ClaimRoots.admitClaim`` with its proof (the contract checks the proof, the key in force at
the root's time, the deadline and the ledger's content rules), then the checker's outcome
(``recordChecks``), and the claim is ``checked`` like any other.

Pipeline states in root mode: ``accepted`` -> ``anchored`` (under a recorded root; the check
outcome is the service's, served with the claim) -> ``checked`` (admitted into the
ClaimLedger with its check on chain, when an operation first needed it).

Durability: a root is planned (stored with its proofs) before it is sent; a planned root is
looked up on chain before it is sent again (a crash between send and mark), and sent again
as planned when missing, so each claim is under one root and its stored proof stays right.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Protocol

from carbonledger.chain.gateway import Anchored, ClaimState
from carbonledger.services.ports import ClaimStorePort
from carbonledger.store.claims import ACCEPTED, ANCHORED, CHECKED, ClaimRow
from carbonledger.store.roots import PLANNED, RECORDED, ClaimProof, RootPlan, RootStore
from carbonledger.vocab import ZERO32, Claim, ClaimTree, Domain, claim_leaf, hx, proof_in

log = logging.getLogger("carbonledger.anchoring")

ANCHOR_MODES = ("batch", "single", "root")


class RootLedgerPort(Protocol):
    """The chain, as root mode uses it (:class:`carbonledger.chain.gateway.LedgerGateway`)."""

    def domain(self) -> Domain: ...

    def root_recorded(self, root: bytes) -> bool: ...

    def record_root(self, root: bytes, count: int) -> Anchored: ...

    def record_roots(self, roots: Sequence[tuple[bytes, int]]) -> list[Anchored]: ...

    def find_root(self, root: bytes) -> Anchored | None: ...

    def admit_claim(
        self, claim: Claim, signature: bytes, root: bytes, proof: Sequence[bytes]
    ) -> Anchored: ...

    def admit_claims(
        self, items: Sequence[tuple[Claim, bytes, bytes, Sequence[bytes]]]
    ) -> list[Anchored | None]: ...

    def claim_state(self, claim_id: bytes) -> ClaimState: ...

    def claim_states(self, claim_ids: Sequence[bytes]) -> list[ClaimState]: ...

    def record_checks(self, results: Sequence[tuple[bytes, bool, bytes]]) -> Anchored: ...

    def block_hashes(self, numbers: Sequence[int]) -> dict[int, str | None]: ...


def proof_document(row: ClaimRow, proof: ClaimProof) -> dict[str, Any]:
    """A root-anchored claim's proof file: the signed claim, its signature, its proof and
    root, where the root was recorded, and the checker's outcome (the service's, until the
    claim is admitted). The independent verifier reads it (``carbonledger verify --proof``)."""
    return {
        "claim_id": row.claim_id,
        "claim": row.claim,
        "signature": row.signature,
        "root": proof.root,
        "leaf": proof.leaf,
        "leaf_index": proof.leaf_index,
        "proof": list(proof.proof),
        "root_recorded": proof.root_state == RECORDED,
        "root_tx_hash": proof.tx_hash,
        "root_block_number": proof.block_number,
        "check": {"passed": row.check_passed, "report_hash": row.report_hash},
    }


def _b(text: str) -> bytes:
    return bytes.fromhex(text[2:])


def _admissible(
    row: ClaimRow | None, proof: ClaimProof | None
) -> tuple[ClaimRow, ClaimProof] | None:
    """The claim and its proof when it can enter the ClaimLedger from its root: under a
    recorded root, and anchored or checked (whether it is on chain already is the caller's
    question: one read, or one batch)."""
    if row is None or proof is None or proof.root_state != RECORDED:
        return None
    return (row, proof) if row.state in (ANCHORED, CHECKED) else None


def _admission(
    row: ClaimRow, proof: ClaimProof, claim: Claim
) -> tuple[Claim, bytes, bytes, list[bytes]]:
    """``ClaimRoots.admitClaim``'s arguments for the claim of ``row``."""
    return claim, _b(row.signature), _b(proof.root), [_b(p) for p in proof.proof]


#: Checker outcomes per ``recordChecks`` when claims are admitted together (as the worker's).
CHECKS_PER_ADMISSION = 100


@dataclass(eq=False, repr=False)
class RootAnchoring:
    """See the module docstring."""

    ledger: RootLedgerPort
    store: ClaimStorePort
    roots: RootStore
    _: KW_ONLY
    root_size: int = 1000
    #: new roots planned and sent per round at most (one JSON-RPC request, one wait)
    roots_per_round: int = 10
    clock: Callable[[], float] = time.time

    # --- anchoring ---
    def anchor_pending(self) -> int:
        """Record the planned roots, then plan up to :attr:`roots_per_round` roots of new
        accepted claims and record them together (see :meth:`_record_many`)."""
        moved = sum(self._record(plan) for plan in self.roots.roots(PLANNED))
        plans: list[RootPlan] = []
        while len(plans) < self.roots_per_round:
            rows = self.roots.unrooted(ACCEPTED, self.root_size)
            if not rows:
                break
            now = int(self.clock())
            for row in rows:  # ClaimRoots would refuse its admission: never under a root
                if row.deadline <= now:
                    self.store.mark_refused(
                        row.claim_id,
                        "its signature's deadline passed before a root could be recorded",
                    )
            live = [r for r in rows if r.deadline > now]
            if live:
                plans.append(self.plan(live))
        if plans:
            moved += self._record_many(plans)
        return moved

    def plan(self, rows: Sequence[ClaimRow]) -> RootPlan:
        """Build the tree of ``rows`` and store the root with each claim's proof."""
        domain = self.ledger.domain()
        leaves = [claim_leaf(Claim.digest_of_json(r.claim, domain), _b(r.signature)) for r in rows]
        tree = ClaimTree.build(leaves)
        root = hx(tree.root)
        # each node in hex once: a proof is nodes of the tree, and every node is in many
        hexed = [[hx(node) for node in layer] for layer in tree.layers]
        self.roots.plan(
            root,
            [(r.claim_id, i, hexed[0][i], proof_in(hexed, i)) for i, r in enumerate(rows)],
        )
        return RootPlan(root, len(rows), PLANNED, None, tuple(r.claim_id for r in rows))

    def _record_many(self, plans: Sequence[RootPlan]) -> int:
        """Record new planned roots in one JSON-RPC request, then mark each. A round waits
        for its receipts, so on a chain that mines on an interval (a QBFT network's 2 s
        blocks) one root per round was at most ``root_size`` claims per block. Each root is
        planned (stored with its proofs) before it is sent, so a failure part-way leaves the
        unmarked ones planned, and the next round looks each up on chain before sending it
        again (:meth:`_record`)."""
        where = self.ledger.record_roots([(_b(plan.root), plan.count) for plan in plans])
        for plan, at in zip(plans, where, strict=True):
            self._mark(plan, at)
        return sum(plan.count for plan in plans)

    def _record(self, plan: RootPlan) -> int:
        root = _b(plan.root)
        where = self.ledger.find_root(root) if self.ledger.root_recorded(root) else None
        if where is None:
            where = self.ledger.record_root(root, plan.count)
        self._mark(plan, where)
        return plan.count

    def _mark(self, plan: RootPlan, where: Anchored) -> None:
        self.roots.mark(plan.root, RECORDED, where)
        self.store.mark_anchored(plan.claim_ids, where)
        log.info(
            "recorded root %s of %d claims in block %d", plan.root, plan.count, where.block_number
        )

    # --- reconciliation ---
    def reconcile(self, rows: Sequence[ClaimRow], hashes: dict[int, str | None]) -> set[str]:
        """Reconcile the root-anchored claims among ``rows`` (``hashes``: the chain's block
        hashes by number); returns the ids handled here (the others are plain claims).

        A root whose block the chain lost is looked up again: still recorded (in another
        block), its claims are marked there; gone, it goes back to planned with its claims in
        ``accepted``, and the next round sends it again. A claim admitted into the ledger
        whose admission was lost is ``anchored`` again (it is admitted again when needed).
        """
        under = self.roots.roots_of([r.claim_id for r in rows])
        if not under:
            return set()
        by_root: dict[str, list[ClaimRow]] = {}
        for row in rows:
            if row.claim_id in under:
                by_root.setdefault(under[row.claim_id], []).append(row)
        for root, members in by_root.items():
            lost = [r for r in members if hashes.get(r.block_number or -1) != r.block_hash]
            if lost:
                where = (
                    self.ledger.find_root(_b(root)) if self.ledger.root_recorded(_b(root)) else None
                )
                ids = [r.claim_id for r in lost]
                if where is None:
                    log.warning("the chain lost root %s: recording it again", root)
                    self.roots.mark(root, PLANNED)
                    self.store.reset_to_accepted(ids)
                    continue
                self.roots.mark(root, RECORDED, where)
                self.store.mark_anchored(ids, where)
            admissions_lost = [
                r.claim_id
                for r in members
                if r.state == CHECKED
                and hashes.get(r.check_block_number or -1) != r.check_block_hash
                and self.ledger.claim_state(_b(r.claim_id)).status == "none"
            ]
            self.store.reset_to_anchored(admissions_lost)
        return set(under)

    # --- admission ---
    def proof(self, claim_id: str) -> ClaimProof | None:
        return self.roots.proof_of(claim_id)

    def admit(self, claim_id: str) -> bool:
        """Bring a root-anchored claim into the ClaimLedger with its proof, and record the
        checker's outcome; False when ``claim_id`` is not root-anchored or already there."""
        found = _admissible(self.store.get(claim_id), self.roots.proof_of(claim_id))
        if found is None or self.ledger.claim_state(_b(claim_id)).status != "none":
            return False
        row, proof = found
        claim = Claim.from_json(row.claim)
        for earlier in (claim.supersedes, claim.baseline):  # the ledger needs them first
            if earlier != ZERO32:
                self.admit(hx(earlier))
        self.ledger.admit_claim(*_admission(row, proof, claim))
        where = self.ledger.record_checks([(_b(claim_id), row.check_passed, _b(row.report_hash))])
        self.store.mark_checked([claim_id], where)
        return True

    def admit_many(self, claim_ids: Sequence[str]) -> int:
        """:meth:`admit` of each of ``claim_ids``, with their admissions sent together (one
        JSON-RPC batch, each its own transaction) and their checks recorded
        :data:`CHECKS_PER_ADMISSION` a transaction: a page of root-anchored claims an auditor
        approves enters the ClaimLedger in a block or two, where one at a time took two blocks
        a claim. A claim that names an earlier one (supersedes, baseline) is admitted on its
        own after the others (the ledger needs the earlier first, which :meth:`admit` sees to);
        one whose admission reverts is left as it was. How many were admitted."""
        rows = {r.claim_id: r for r in self.store.of_ids(list(dict.fromkeys(claim_ids)))}
        ready = [
            found
            for claim_id in dict.fromkeys(claim_ids)
            if (found := _admissible(rows.get(claim_id), self.roots.proof_of(claim_id)))
        ]
        if not ready:
            return 0
        states = self.ledger.claim_states([_b(row.claim_id) for row, _ in ready])
        together, alone = [], []
        for (row, proof), state in zip(ready, states, strict=True):
            if state.status != "none":
                continue
            claim = Claim.from_json(row.claim)
            if claim.supersedes == ZERO32 and claim.baseline == ZERO32:
                together.append((row, proof, claim))
            else:
                alone.append(row.claim_id)
        items = [_admission(row, proof, claim) for row, proof, claim in together]
        landed = self.ledger.admit_claims(items) if items else []
        admitted = [row for (row, _, _), at in zip(together, landed, strict=True) if at]
        for k in range(0, len(admitted), CHECKS_PER_ADMISSION):
            part = admitted[k : k + CHECKS_PER_ADMISSION]
            where = self.ledger.record_checks(
                [(_b(r.claim_id), r.check_passed, _b(r.report_hash)) for r in part]
            )
            self.store.mark_checked([r.claim_id for r in part], where)
        return len(admitted) + sum(self.admit(claim_id) for claim_id in alone)
