"""Root mode's outbox (the anchoring worker's roots and proofs) keeps the outbox's durability
rules: a root is planned with its proofs before it is sent; a crash between send and mark
sends nothing twice; a root the chain lost is sent again as planned. A real SQLite store and
an in-memory chain of roots (the contract side is tests/contracts/test_claim_roots.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carbonledger.chain.gateway import Anchored, ClaimState
from carbonledger.services.roots import RootAnchoring
from carbonledger.store.claims import ACCEPTED, ANCHORED, CHECKED, REFUSED, ClaimStore
from carbonledger.store.db import make_engine
from carbonledger.store.roots import PLANNED, RECORDED, RootStore
from carbonledger.vocab import (
    Claim,
    ClaimKind,
    ClaimTree,
    Domain,
    claim_leaf,
    claim_ledger_domain,
    hx,
    verify_proof,
)

FIRM = "0x" + "11" * 20
NOW = 1_767_225_600


class ChainOfRoots:
    """The chain as root mode sees it: recorded roots, one block each; it can lose them."""

    def __init__(self) -> None:
        self.roots: dict[bytes, Anchored] = {}
        self.sent: list[bytes] = []
        self.rounds: list[int] = []  # roots per record_roots
        self.crash_after_send = False
        self.admitted, self.checked = [], []

    def domain(self) -> Domain:
        return claim_ledger_domain(31337, "0x" + "aa" * 20)

    def root_recorded(self, root: bytes) -> bool:
        return root in self.roots

    def record_root(self, root: bytes, count: int) -> Anchored:
        assert root not in self.roots, "a recorded root was sent again"
        block = len(self.sent) + 1
        self.sent.append(root)
        self.roots[root] = Anchored(f"0x{block:064x}", block, f"0x{block + 1000:064x}")
        if self.crash_after_send:
            raise ConnectionError("the worker died before it read the receipt")
        return self.roots[root]

    def record_roots(self, roots: Sequence[tuple[bytes, int]]) -> list[Anchored]:
        self.rounds.append(len(roots))
        return [self.record_root(root, count) for root, count in roots]

    def find_root(self, root: bytes) -> Anchored | None:
        return self.roots.get(root)

    def block_hashes(self, numbers: Sequence[int]) -> dict[int, str | None]:
        by_number = {a.block_number: a.block_hash for a in self.roots.values()}
        return {n: by_number.get(n) for n in numbers}

    admitted: list[list[bytes]]  # claim ids per admission request
    checked: list[list[bytes]]  # claim ids per recordChecks

    def admit_claim(
        self, claim: Claim, signature: bytes, root: bytes, proof: Sequence[bytes]
    ) -> Anchored:
        [at] = self.admit_claims([(claim, signature, root, proof)])
        assert at is not None
        return at

    def admit_claims(
        self, items: Sequence[tuple[Claim, bytes, bytes, Sequence[bytes]]]
    ) -> list[Anchored | None]:
        self.admitted.append([claim.claim_id for claim, _, _, _ in items])
        block = 500 + len(self.admitted)
        return [Anchored(f"0x{block:064x}", block, f"0x{block + 1000:064x}") for _ in items]

    def claim_state(self, claim_id: bytes) -> ClaimState:
        on = any(claim_id in batch for batch in self.admitted)
        return ClaimState(claim_id, FIRM, 0, "active" if on else "none", "none", "none", 1)

    def claim_states(self, claim_ids: Sequence[bytes]) -> list[ClaimState]:
        return [self.claim_state(c) for c in claim_ids]

    def record_checks(self, results: Sequence[tuple[bytes, bool, bytes]]) -> Anchored:
        self.checked.append([claim_id for claim_id, _, _ in results])
        block = 900 + len(self.checked)
        return Anchored(f"0x{block:064x}", block, f"0x{block + 1000:064x}")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'claims.db'}")
    yield engine
    engine.dispose()


def accept(store: ClaimStore, n: int, deadline: int = NOW + 3600, start: int = 0) -> list[str]:
    ids = []
    for nonce in range(start, start + n):
        claim = Claim(
            firm=FIRM,
            kind=ClaimKind.FOOTPRINT,
            standard_version=1,
            period_start=0,
            period_end=1,
            document_hash=nonce.to_bytes(32, "big"),
            activity_root=b"\x00" * 32,
            scope1=1,
            scope2_location=0,
            scope2_market=0,
            scope3=0,
            biogenic=0,
            nonce=nonce,
            deadline=deadline,
        )
        row = store.add(
            {
                "claim_id": hx(claim.claim_id),
                "firm": FIRM,
                "kind": "footprint",
                "period_start": 0,
                "period_end": 1,
                "standard_version": 1,
                "document_hash": hx(claim.document_hash),
                "nonce": nonce,
                "deadline": deadline,
                "claim": claim.to_json(),
                "signature": "0x" + bytes([nonce % 256]).hex() * 65,
                "check_passed": True,
                "report_hash": "0x" + "44" * 32,
                "report": "{}",
            }
        )
        ids.append(row.claim_id)
    return ids


def setup(
    engine: Engine, root_size: int = 1000
) -> tuple[ClaimStore, RootStore, ChainOfRoots, RootAnchoring]:
    store, roots, chain = ClaimStore(engine), RootStore(engine), ChainOfRoots()
    return (
        store,
        roots,
        chain,
        RootAnchoring(chain, store, roots, root_size=root_size, clock=lambda: NOW),
    )


def test_accepted_claims_go_under_one_root_with_a_proof_each(engine: Engine) -> None:
    store, roots, chain, anchoring = setup(engine, root_size=4)
    ids = accept(store, 6)
    assert anchoring.anchor_pending() == 6
    assert chain.rounds == [2]  # both roots sent together
    assert len(chain.sent) == 2 and roots.count() == 2
    assert [store.get(c).state for c in ids] == [ANCHORED] * 6  # type: ignore[union-attr]
    for claim_id in ids:
        proof = roots.proof_of(claim_id)
        assert proof is not None and proof.root_state == RECORDED
        row = store.get(claim_id)
        assert row is not None
        leaf = claim_leaf(
            Claim.from_json(row.claim).digest(chain.domain()), bytes.fromhex(row.signature[2:])
        )
        assert hx(leaf) == proof.leaf
        path = [bytes.fromhex(p[2:]) for p in proof.proof]
        assert verify_proof(path, bytes.fromhex(proof.root[2:]), leaf)
    first = ClaimTree.build([bytes.fromhex(roots.proof_of(c).leaf[2:]) for c in ids[:4]])  # type: ignore[union-attr]
    assert chain.sent[0] == first.root


def test_a_crash_between_send_and_mark_sends_the_root_once(engine: Engine) -> None:
    store, roots, chain, anchoring = setup(engine)
    ids = accept(store, 3)
    chain.crash_after_send = True
    with pytest.raises(ConnectionError):
        anchoring.anchor_pending()
    assert [r.root for r in roots.roots(PLANNED)] == [hx(chain.sent[0])]
    assert {store.get(c).state for c in ids} == {ACCEPTED}  # type: ignore[union-attr]
    chain.crash_after_send = False
    _, _, _, restarted = setup(engine)
    restarted.ledger = chain
    assert restarted.anchor_pending() == 3
    assert len(chain.sent) == 1  # found on chain, not sent again
    assert {store.get(c).state for c in ids} == {ANCHORED}  # type: ignore[union-attr]


def test_a_round_sends_up_to_its_limit_of_roots_together_and_leaves_the_rest(
    engine: Engine,
) -> None:
    store, _, chain, anchoring = setup(engine, root_size=2)
    anchoring.roots_per_round = 3
    ids = accept(store, 9)
    assert anchoring.anchor_pending() == 6
    assert anchoring.anchor_pending() == 3
    assert chain.rounds == [3, 2]
    assert {store.get(c).state for c in ids} == {ANCHORED}  # type: ignore[union-attr]


def test_a_crash_part_way_through_a_round_of_roots_sends_each_root_once(engine: Engine) -> None:
    store, roots, chain, anchoring = setup(engine, root_size=2)
    ids = accept(store, 5)
    chain.crash_after_send = True  # the first root is mined, the worker dies before the rest
    with pytest.raises(ConnectionError):
        anchoring.anchor_pending()
    assert len(chain.sent) == 1 and len(roots.roots(PLANNED)) == 3
    chain.crash_after_send = False
    _, _, _, restarted = setup(engine, root_size=2)
    restarted.ledger = chain
    assert restarted.anchor_pending() == 5
    assert len(chain.sent) == 3 == len(set(chain.sent))  # each root once
    assert {store.get(c).state for c in ids} == {ANCHORED}  # type: ignore[union-attr]


def test_a_root_the_chain_lost_is_sent_again_as_planned(engine: Engine) -> None:
    store, roots, chain, anchoring = setup(engine)
    ids = accept(store, 3)
    anchoring.anchor_pending()
    root = chain.sent[0]
    proofs_before = [roots.proof_of(c) for c in ids]
    del chain.roots[root]  # the node restarted from an older snapshot
    rows = store.anchored_since(0)
    handled = anchoring.reconcile(rows, chain.block_hashes([r.block_number or 0 for r in rows]))
    assert handled == set(ids)
    assert {store.get(c).state for c in ids} == {ACCEPTED}  # type: ignore[union-attr]
    assert anchoring.anchor_pending() == 3
    assert chain.sent == [root, root]
    assert [roots.proof_of(c).proof for c in ids] == [p.proof for p in proofs_before]  # type: ignore[union-attr]


def test_a_claim_whose_deadline_passed_is_refused_not_put_under_a_root(engine: Engine) -> None:
    store, roots, _, anchoring = setup(engine)
    (late,) = accept(store, 1, deadline=NOW - 1)
    (fine,) = accept(store, 1, start=1)
    assert anchoring.anchor_pending() == 1
    assert store.get(late).state == REFUSED  # type: ignore[union-attr]
    assert roots.proof_of(late) is None and roots.proof_of(fine) is not None


def test_claims_admitted_for_a_page_of_verdicts_are_sent_together_checks_in_one(
    engine: Engine,
) -> None:
    store, _roots, chain, anchoring = setup(engine, root_size=250)
    ids = accept(store, 250)
    assert anchoring.anchor_pending() == 250
    page, again = ids[:200], ids[:3]
    assert anchoring.admit_many([*page, *again]) == 200  # each once
    assert chain.admitted == [[bytes.fromhex(c[2:]) for c in page]]  # one request
    assert [len(batch) for batch in chain.checked] == [100, 100]
    assert {store.get(c).state for c in page} == {CHECKED}  # type: ignore[union-attr]
    assert store.get(ids[200]).state == ANCHORED  # type: ignore[union-attr]
    assert anchoring.admit_many(page) == 0  # on chain already: nothing sent
    assert len(chain.admitted) == 1
