"""The anchoring worker's rounds in batch and single modes: the checks go out right behind the
claims (one wait for receipts per round), only while the worker is sure of the chain, and a
check is never recorded twice, whatever write fails in between. Over the fakes: no node, no
database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from carbonledger.services.anchoring import AnchorWorker
from carbonledger.store.claims import ANCHORED, CHECKED, REFUSED, ClaimRow
from tests.services.conftest import Pipeline

CALLS = ("send_claims_many", "claims_outcomes", "send_checks_many", "checks_outcomes")


@pytest.fixture(params=["batch", "single"])
def pipeline(pipeline: Pipeline, request: pytest.FixtureRequest) -> Pipeline:
    """The services' pipeline, its worker relaying 10 claims per transaction or one."""
    if request.param == "single":  # as services/container.py builds it for single mode
        single = AnchorWorker(pipeline.chain, pipeline.store, batch_size=1, idle_interval=0.01)
        worker = pipeline.worker
        worker.batch_size = single.batch_size
        worker.check_batch_size = single.check_batch_size
        worker.in_flight = single.in_flight
    return pipeline


def _record(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The order in which the worker sends and reads transactions, and every check it sends
    (``check:<claim id>``)."""
    calls: list[str] = []
    for name in CALLS:
        real = getattr(pipeline.chain, name)

        def logged(*args: Any, _name: str = name, _real: Callable[..., Any] = real) -> Any:
            calls.append(_name)
            if _name == "send_checks_many":
                calls.extend(f"check:0x{c.hex()}" for batch in args[0] for c, _, _ in batch)
            if _name == "claims_outcomes":
                return iter(list(_real(*args)))  # read when the worker asks for it
            return _real(*args)

        monkeypatch.setattr(pipeline.chain, name, logged)
    return calls


def _submit(pipeline: Pipeline, count: int, first: int = 0) -> list[ClaimRow]:
    carrier = pipeline.firms[0]
    return [
        pipeline.claims.submit(pipeline.submission(carrier, n), carrier.address, wait=0)
        for n in range(first, first + count)
    ]


def _states(pipeline: Pipeline, rows: list[ClaimRow]) -> list[str]:
    return [pipeline.store.get(r.claim_id).state for r in rows]  # type: ignore[union-attr]


def _sent(calls: list[str]) -> list[str]:
    return [c for c in calls if not c.startswith("check:")]


def test_a_sure_worker_sends_the_checks_behind_the_claims_before_reading_a_receipt(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.rounds(1)  # a round that went well: the worker is sure of the chain
    rows = _submit(pipeline, 3)
    calls = _record(pipeline, monkeypatch)

    pipeline.rounds(1)

    assert _sent(calls) == [
        "send_claims_many", "send_checks_many", "claims_outcomes", "checks_outcomes"
    ]  # fmt: skip
    assert sorted(c for c in calls if c.startswith("check:")) == sorted(
        f"check:{r.claim_id}" for r in rows
    )
    assert _states(pipeline, rows) == [CHECKED] * 3
    for row in rows:
        on_chain = pipeline.chain.claim_state(bytes.fromhex(row.claim_id[2:]))
        assert on_chain.check == ("passed" if row.check_passed else "failed")


def test_a_worker_unsure_of_the_chain_reads_the_claims_receipts_before_any_check(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _submit(pipeline, 2)  # a fresh worker: a crash may have come before its start
    calls = _record(pipeline, monkeypatch)

    pipeline.rounds(1)

    assert _sent(calls) == list(CALLS)
    assert _states(pipeline, rows) == [CHECKED] * 2


def test_a_round_whose_anchoring_write_fails_records_each_check_once(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain mined the claims and the checks behind them; the write that marks the
    claims anchored fails (the service died there). The next rounds find both on chain."""
    pipeline.rounds(1)
    rows = _submit(pipeline, 3)
    calls = _record(pipeline, monkeypatch)
    real = pipeline.store.mark_round_anchored
    failed: list[bool] = []

    def fail_once(landed: Any, *args: Any) -> None:
        if not failed:
            failed.append(True)
            raise RuntimeError("the service died before its rows were updated")
        real(landed, *args)

    monkeypatch.setattr(pipeline.store, "mark_round_anchored", fail_once)
    with pytest.raises(RuntimeError):
        pipeline.worker.run_once()
    pipeline.rounds(2)

    assert _states(pipeline, rows) == [CHECKED] * 3
    for row in rows:
        assert calls.count(f"check:{row.claim_id}") == 1
        stored = pipeline.store.get(row.claim_id)
        found = pipeline.chain.find_check(bytes.fromhex(row.claim_id[2:]))
        assert stored is not None and found is not None
        assert stored.check_tx_hash == found.tx_hash


def test_a_group_with_a_claim_the_chain_refused_leaves_the_others_for_the_next_checks(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks behind a group revert when one of its claims did not land; the others are
    anchored and their checks go out in the next round's ``recordChecks``."""
    pipeline.rounds(1)
    good = _submit(pipeline, 2)
    shipper = pipeline.firms[1]
    bad = pipeline.claims.submit(pipeline.submission(shipper, 0), shipper.address, wait=0)
    pipeline.chain.suspend(shipper.address)  # between acceptance and relaying
    calls = _record(pipeline, monkeypatch)

    pipeline.worker.anchor_pending()
    assert _states(pipeline, good) == [ANCHORED] * 2  # the group's checks reverted
    assert pipeline.store.get(bad.claim_id).state == REFUSED  # type: ignore[union-attr]
    pipeline.worker.check_pending()

    assert _states(pipeline, good) == [CHECKED] * 2
    assert _sent(calls).count("send_checks_many") == 2


def test_checks_go_behind_the_claims_in_groups_of_the_check_batch_size(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = AnchorWorker(pipeline.chain, pipeline.store, batch_size=2, check_batch_size=4)
    worker.run_once()
    rows = _submit(pipeline, 5)
    sizes: list[list[int]] = []
    real = pipeline.chain.send_checks_many

    def sized(batches: Any) -> Any:
        sizes.append([len(b) for b in batches])
        return real(batches)

    monkeypatch.setattr(pipeline.chain, "send_checks_many", sized)

    worker.run_once()

    assert sizes == [[4, 1]]  # claim transactions of 2, 2 and 1 claims: checks of 4 and 1
    assert _states(pipeline, rows) == [CHECKED] * 5
