"""The claim pipeline end to end over the fakes of its ports: accepted or refused by the
service, kept in the outbox, anchored and checked in rounds, recovered after a crash between
send and mark, re-anchored after the chain lost blocks. No node, no database: seconds."""

from __future__ import annotations

import time
from typing import cast

import pytest

from carbonledger.api.errors import status_of
from carbonledger.chain.errors import ChainError
from carbonledger.claims import build_claim
from carbonledger.services.anchoring import UNVERIFIABLE, AnchorWorker
from carbonledger.services.errors import Conflict, NotPermitted, SignatureMismatch
from carbonledger.standard import parse_claim
from carbonledger.store.claims import ACCEPTED, ANCHORED, CHECKED, REFUSED
from carbonledger.store.leader import LeaderLock
from tests.services.conftest import Pipeline
from tests.support.fakes import FakeLedger


def _id(row_claim_id: str) -> bytes:
    return bytes.fromhex(row_claim_id[2:])


def test_an_accepted_claim_waits_in_the_outbox_until_a_round_anchors_and_checks_it(
    pipeline: Pipeline,
) -> None:
    carrier = pipeline.firms[0]
    row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
    assert row.state == ACCEPTED
    assert pipeline.chain.claim_state(_id(row.claim_id)).status == "none"
    pipeline.rounds(1)
    stored = pipeline.store.get(row.claim_id)
    assert stored is not None and stored.state == CHECKED
    on_chain = pipeline.chain.claim_state(_id(row.claim_id))
    assert (on_chain.status, on_chain.check) == (
        "active",
        "passed" if row.check_passed else "failed",
    )
    assert stored.tx_hash == pipeline.chain.find_submission(_id(row.claim_id)).tx_hash  # type: ignore[union-attr]


def test_a_signature_by_another_key_is_refused_with_401_and_nothing_is_stored(
    pipeline: Pipeline,
) -> None:
    carrier, shipper = pipeline.firms
    forged = pipeline.submission(carrier, key=shipper.key)
    with pytest.raises(SignatureMismatch) as refused:
        pipeline.claims.submit(forged, carrier.address, wait=0)
    assert status_of(refused.value) == 401
    assert pipeline.store.rows == {}


def test_a_reused_nonce_is_refused_with_409(pipeline: Pipeline) -> None:
    carrier = pipeline.firms[0]
    pipeline.claims.submit(pipeline.submission(carrier, 0), carrier.address, wait=0)
    with pytest.raises(Conflict, match="not the next nonce"):
        pipeline.claims.submit(pipeline.submission(carrier, 1, nonce=0), carrier.address, wait=0)


def test_a_claim_of_another_firm_is_refused_with_403(pipeline: Pipeline) -> None:
    carrier, shipper = pipeline.firms
    with pytest.raises(NotPermitted):
        pipeline.claims.submit(pipeline.submission(carrier), shipper.address, wait=0)


def test_a_batch_keeps_the_good_claims_and_names_the_refused_one(pipeline: Pipeline) -> None:
    carrier, shipper = pipeline.firms
    good = [pipeline.submission(carrier, 0, nonce=0), pipeline.submission(carrier, 1, nonce=1)]
    forged = pipeline.submission(carrier, 2, nonce=2, key=shipper.key)
    results = pipeline.claims.submit_many([good[0], forged, good[1]], None, wait=0)
    assert isinstance(results[1], SignatureMismatch)
    assert [getattr(r, "state", None) for r in (results[0], results[2])] == [ACCEPTED, ACCEPTED]
    pipeline.rounds(1)
    assert pipeline.store.count_in_state(CHECKED) == 2
    assert pipeline.chain.sent == [2]  # both in one trySubmitClaims


def test_the_outbox_survives_a_chain_that_does_not_answer(pipeline: Pipeline) -> None:
    carrier = pipeline.firms[0]
    row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
    pipeline.chain.down = True
    with pytest.raises(ChainError):
        pipeline.worker.run_once()
    assert pipeline.store.get(row.claim_id).state == ACCEPTED  # type: ignore[union-attr]
    pipeline.chain.down = False
    pipeline.rounds(1)
    assert pipeline.store.get(row.claim_id).state == CHECKED  # type: ignore[union-attr]


def test_a_claim_the_chain_refuses_after_acceptance_is_marked_refused_with_the_reason(
    pipeline: Pipeline,
) -> None:
    carrier = pipeline.firms[0]
    row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
    pipeline.chain.suspend(carrier.address)  # between acceptance and relaying
    pipeline.rounds(1)
    refused = pipeline.store.get(row.claim_id)
    assert refused is not None and refused.state == REFUSED
    assert "refused by the ClaimLedger" in (refused.error or "")
    assert pipeline.chain.claim_state(_id(row.claim_id)).status == "none"


def test_a_crash_between_send_and_mark_records_the_claim_once_after_restart(
    pipeline: Pipeline,
) -> None:
    carrier = pipeline.firms[0]
    rows = [
        pipeline.claims.submit(pipeline.submission(carrier, n), carrier.address, wait=0)
        for n in range(3)
    ]
    pipeline.chain.crash_after_send = True
    with pytest.raises(ChainError):
        pipeline.worker.run_once()  # the chain recorded the batch; the rows still say accepted
    assert all(pipeline.store.get(r.claim_id).state == ACCEPTED for r in rows)  # type: ignore[union-attr]
    first_tx = pipeline.chain.find_submission(_id(rows[0].claim_id))
    restarted = AnchorWorker(pipeline.chain, pipeline.store, batch_size=10)
    restarted.run_once(full_reconcile=True)
    restarted.run_once()
    for row in rows:
        stored = pipeline.store.get(row.claim_id)
        assert stored is not None and stored.state == CHECKED
        assert stored.tx_hash == first_tx.tx_hash  # type: ignore[union-attr]  # the first send's
    assert pipeline.chain.nonce(carrier.address) == 3  # each recorded once


def test_a_claim_the_chains_state_holds_without_its_event_is_refused_as_unverifiable(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a node that lost a block but kept its effects gives (anvil's state written while
    it mined, ``chain.node.state_defect``): not marked anchored, nor refused for the used
    nonce the contract names."""
    carrier = pipeline.firms[0]
    row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
    pipeline.chain.crash_after_send = True
    with pytest.raises(ChainError):
        pipeline.worker.run_once()
    monkeypatch.setattr(pipeline.chain, "find_submission", lambda claim_id: None)
    AnchorWorker(pipeline.chain, pipeline.store, batch_size=10).run_once(full_reconcile=True)
    stored = pipeline.store.get(row.claim_id)
    assert stored is not None and (stored.state, stored.error) == (REFUSED, UNVERIFIABLE)


def test_claims_lost_with_blocks_are_re_anchored_by_reconciliation(pipeline: Pipeline) -> None:
    carrier, shipper = pipeline.firms
    before = pipeline.chain.head()
    kept = pipeline.claims.submit(pipeline.submission(shipper, 0), shipper.address, wait=0)
    pipeline.rounds(1)
    snapshot = pipeline.chain.head()
    lost = [
        pipeline.claims.submit(pipeline.submission(carrier, n), carrier.address, wait=0)
        for n in range(2)
    ]
    pipeline.rounds(1)
    assert pipeline.store.count_in_state(CHECKED) == 3 and snapshot > before
    old = {r.claim_id: pipeline.store.get(r.claim_id).block_hash for r in lost}  # type: ignore[union-attr]
    pipeline.chain.rewind(snapshot)  # the node restarts from an older snapshot
    assert all(pipeline.chain.claim_state(_id(r.claim_id)).status == "none" for r in lost)
    assert pipeline.worker.reconcile(since_block=0) == 2
    assert all(pipeline.store.get(r.claim_id).state == ACCEPTED for r in lost)  # type: ignore[union-attr]
    pipeline.rounds(1)
    for row in lost:
        stored = pipeline.store.get(row.claim_id)
        assert stored is not None and stored.state == CHECKED
        assert stored.block_hash != old[row.claim_id]
        assert pipeline.chain.claim_state(_id(row.claim_id)).status == "active"
    assert pipeline.store.get(kept.claim_id).state == CHECKED  # type: ignore[union-attr]


def test_a_lost_check_is_recorded_again(pipeline: Pipeline) -> None:
    carrier = pipeline.firms[0]
    row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
    pipeline.worker.anchor_pending()
    anchored_at = pipeline.chain.head()
    pipeline.worker.check_pending()
    assert pipeline.store.get(row.claim_id).state == CHECKED  # type: ignore[union-attr]
    pipeline.chain.rewind(anchored_at)
    assert pipeline.chain.claim_state(_id(row.claim_id)).check == "none"
    pipeline.worker.reconcile(since_block=0)
    assert pipeline.store.get(row.claim_id).state == ANCHORED  # type: ignore[union-attr]
    pipeline.rounds(1)
    assert pipeline.chain.claim_state(_id(row.claim_id)).check != "none"


def test_the_fake_chain_refuses_what_the_contract_refuses(pipeline: Pipeline) -> None:
    """The fake is only worth its tests if it refuses: a signature by the wrong key."""
    carrier, shipper = pipeline.firms
    submission = pipeline.submission(carrier)
    chain: FakeLedger = pipeline.chain
    claim = build_claim(
        parse_claim(submission.document), pipeline.standard, standard_version=1,
        nonce=0, deadline=submission.deadline,
    )  # fmt: skip
    assert chain._refusal(claim, submission.signature) is None
    other = pipeline.submission(carrier, key=shipper.key)
    assert chain._refusal(claim, other.signature) is not None


def test_a_submission_waits_for_the_chain_as_long_as_the_service_was_built_to(
    pipeline: Pipeline,
) -> None:
    carrier = pipeline.firms[0]
    pipeline.claims.submit_wait = 0.2  # no round runs: the claim stays in the outbox
    started = time.monotonic()
    row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address)
    assert row.state == ACCEPTED
    assert 0.2 <= time.monotonic() - started < 5


def test_an_idle_worker_waits_on_the_store_and_a_new_claim_wakes_it_at_once(
    pipeline: Pipeline,
) -> None:
    carrier = pipeline.firms[0]
    pipeline.worker.idle_interval = 30.0  # no claim would be sent before this without a wake-up
    pipeline.worker.start()
    try:
        deadline = time.monotonic() + 5
        while pipeline.store.waits == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pipeline.store.waits >= 1  # idle: waiting for work through the store port
        row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
        started = time.monotonic()
        while time.monotonic() - started < 5:
            stored = pipeline.store.get(row.claim_id)
            if stored is not None and stored.state == CHECKED:
                break
            time.sleep(0.01)
        assert pipeline.worker.last_error is None
        assert stored is not None and stored.state == CHECKED
    finally:
        pipeline.worker.stop()


class _Lock:
    """The worker's advisory lock, as a test turns it: held until ``holding`` is False."""

    def __init__(self) -> None:
        self.holding = True

    def try_acquire(self) -> bool:
        return self.holding

    def held(self) -> bool:
        return self.holding

    def release(self) -> None:
        self.holding = False


def test_a_worker_that_loses_its_lock_stops_listening_for_work(pipeline: Pipeline) -> None:
    lock = _Lock()
    worker = AnchorWorker(
        pipeline.chain, pipeline.store, idle_interval=0.01, leader=cast(LeaderLock, lock)
    )
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while pipeline.store.waits == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pipeline.store.waits >= 1 and pipeline.store.stopped_listening == 0
        lock.holding = False  # another worker took over
        while pipeline.store.stopped_listening == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pipeline.store.stopped_listening == 1 and not worker.active
    finally:
        worker.stop()


def test_claims_lost_back_to_the_last_reconciled_block_are_re_anchored(
    pipeline: Pipeline,
) -> None:
    """The node restarts from a snapshot of exactly the block the last reconciliation saw
    (its cursor) and mines nothing after: that block and the head are as the worker left
    them, yet the claims recorded since are gone and go back in the outbox."""
    carrier = pipeline.firms[0]
    pipeline.worker.reconcile_by_cursor()
    snapshot = pipeline.chain.head()
    lost = [
        pipeline.claims.submit(pipeline.submission(carrier, n), carrier.address, wait=0)
        for n in range(2)
    ]
    pipeline.worker.anchor_pending()
    pipeline.worker.check_pending()
    assert all(pipeline.store.get(r.claim_id).state == CHECKED for r in lost)  # type: ignore[union-attr]
    pipeline.chain.rewind(snapshot)

    assert pipeline.worker.reconcile_by_cursor() == 2

    assert all(pipeline.store.get(r.claim_id).state == ACCEPTED for r in lost)  # type: ignore[union-attr]
    pipeline.rounds(1)
    assert all(pipeline.chain.claim_state(_id(r.claim_id)).check != "none" for r in lost)


def test_a_single_claim_is_judged_on_one_read_of_the_store_and_one_of_the_vault_keys(
    pipeline: Pipeline,
) -> None:
    """A request of one claim reads whether its id is stored, its firm's nonce and its firm's
    backlog here in one query (not ``get``, ``max_nonce`` then ``firm_backlog``), and its
    readers' keys in one look; a duplicate and a used nonce are still refused."""
    store, repository = pipeline.store, pipeline.claims.vault._repository
    calls: list[str] = []
    outer = [0]  # the fake's submission_reads asks its own max_nonce: not a second read
    for target, names in (
        (store, ("get", "max_nonce", "stored_ids", "firm_backlog", "submission_reads")),
        (repository, ("get_reader_key", "get_reader_keys")),
    ):
        for name in names:
            real = getattr(target, name)

            def counted(*args: object, _real: object = real, _name: str = name) -> object:
                if not outer[0] and args != ([],):  # stored_ids([]) asks the database nothing
                    calls.append(_name)
                outer[0] += 1
                try:
                    return _real(*args)  # type: ignore[operator]
                finally:
                    outer[0] -= 1

            setattr(target, name, counted)
    firm = pipeline.firms[0]
    first = pipeline.submission(firm, 0, nonce=0)
    calls.clear()
    pipeline.claims.submit(first, None, wait=0)
    assert calls == ["submission_reads", "get_reader_keys"]
    with pytest.raises(Conflict, match="already been submitted"):
        pipeline.claims.submit(first, None, wait=0)
    with pytest.raises(Conflict, match="not the next nonce"):
        pipeline.claims.submit(pipeline.submission(firm, 1, nonce=0), None, wait=0)
    pipeline.claims.submit(pipeline.submission(firm, 2, nonce=1), None, wait=0)
    assert [r.nonce for r in store.rows.values()] == [0, 1]
