"""How many transactions a round of the anchoring worker sends.

A round waits for its receipts, so on a chain that mines on an interval (a QBFT network's 2 s
blocks) it carries one block's worth of claims at most: a fixed hundred one-claim transactions
was 50 claims/s at 2 s blocks, whatever the block could hold. Once the worker has seen what a
claim costs in gas, a round fills most of a block. Over the fakes: no node, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonledger.config import Settings
from carbonledger.services.anchoring import (
    DEFAULT_ROUND_LIMIT,
    AnchorWorker,
    default_check_batch,
    fixed_round,
    round_transactions,
)
from carbonledger.services.container import root_anchoring
from carbonledger.store.claims import CHECKED
from carbonledger.store.db import make_engine
from tests.services.conftest import Pipeline

SINGLE_GAS = 66_685  # a one-claim trySubmitClaims (docs/performance.md)
BATCH_GAS = 34_849  # per claim in a trySubmitClaims of 100 (docs/gas.md)


def test_before_any_receipt_a_round_is_the_fixed_size() -> None:
    assert round_transactions(100, 1, 100, None, None) == 100
    assert round_transactions(100, 1, 100, 30_000_000, None) == 100
    assert round_transactions(5, 100, 100, None, SINGLE_GAS) == 5


def test_one_claim_transactions_fill_seven_tenths_of_a_block() -> None:
    # 0.7 x 30 M / 66,685 = 314.9
    assert round_transactions(100, 1, 100, 30_000_000, SINGLE_GAS, limit=1000) == 314


def test_by_default_a_round_keeps_within_what_a_besu_node_keeps_of_one_sender() -> None:
    wanted = round_transactions(100, 1, 100, 30_000_000, SINGLE_GAS)
    assert DEFAULT_ROUND_LIMIT == 200
    assert (wanted, -(-wanted // 100)) == (198, 2)  # 198 claims and 2 recordChecks


def test_batches_of_a_hundred_fill_seven_tenths_of_a_block() -> None:
    # 0.7 x 30 M / 34,849 = 602 claims: six transactions of 100
    assert round_transactions(5, 100, 100, 30_000_000, BATCH_GAS) == 6


def test_a_round_never_sends_more_transactions_than_its_limit() -> None:
    assert round_transactions(100, 1, 100, 1_000_000_000, SINGLE_GAS, limit=1000) == 990
    # 0.7 x 1 G / 34,849 = 20,086 claims: 200 transactions of 100 (400 with their checks)
    assert round_transactions(5, 100, 100, 1_000_000_000, BATCH_GAS, limit=1000) == 200
    assert round_transactions(5, 100, 100, 1_000_000_000, BATCH_GAS, limit=300) == 150


@pytest.mark.parametrize(("batch", "expected"), [(1, 198), (100, 100), (10, 181)])
def test_a_free_gas_networks_huge_block_limit_gives_the_round_limit_at_once(
    batch: int, expected: int
) -> None:
    """The example genesis file of Besu's documentation ("Genesis file", besu.hyperledger.org)
    sets the gasLimit to 0x1fffffffffffff (2^53 - 1)."""
    check = default_check_batch(batch)
    wanted = round_transactions(fixed_round(batch), batch, check, 0x1FFFFFFFFFFFFF, SINGLE_GAS)
    assert wanted == expected
    checks = -(-wanted * batch // check)
    assert wanted + checks <= DEFAULT_ROUND_LIMIT < wanted + 1 + -(-(wanted + 1) * batch // check)


def test_a_limit_below_the_fixed_size_binds_it_too() -> None:
    assert round_transactions(100, 1, 100, None, None, limit=50) == 49


def test_a_small_block_keeps_the_fixed_size() -> None:
    assert round_transactions(100, 1, 100, 5_000_000, SINGLE_GAS) == 100


@pytest.mark.parametrize("gas", [0, -1])
def test_a_gas_figure_that_says_nothing_keeps_the_fixed_size(gas: int) -> None:
    assert round_transactions(100, 1, 100, 30_000_000, gas) == 100


def _submit(pipeline: Pipeline, count: int) -> list[str]:
    carrier = pipeline.firms[0]
    return [
        pipeline.claims.submit(pipeline.submission(carrier, n), carrier.address, wait=0).claim_id
        for n in range(count)
    ]


def test_once_the_worker_knows_the_gas_a_claim_costs_a_round_fills_the_block(
    pipeline: Pipeline,
) -> None:
    pipeline.chain.gas_per_claim = SINGLE_GAS
    worker = AnchorWorker(pipeline.chain, pipeline.store, batch_size=1, round_limit=1000)
    ids = _submit(pipeline, 400)

    worker.run_once()
    assert len(pipeline.chain.sent) == 100  # no receipt seen yet: the fixed size
    assert worker.gas_per_claim == SINGLE_GAS

    worker.run_once()
    assert len(pipeline.chain.sent) == 400  # the other 300 in one round (up to 314)
    assert {pipeline.store.get(i).state for i in ids} == {CHECKED}  # type: ignore[union-attr]


def test_by_default_a_round_stops_at_two_hundred_transactions(pipeline: Pipeline) -> None:
    pipeline.chain.gas_per_claim = SINGLE_GAS
    worker = AnchorWorker(pipeline.chain, pipeline.store, batch_size=1)
    _submit(pipeline, 400)

    worker.run_once()
    worker.run_once()
    assert len(pipeline.chain.sent) == 100 + 198


def test_a_round_of_a_given_size_keeps_it(pipeline: Pipeline) -> None:
    pipeline.chain.gas_per_claim = SINGLE_GAS
    worker = AnchorWorker(pipeline.chain, pipeline.store, batch_size=1, in_flight=100)
    _submit(pipeline, 250)

    worker.run_once()
    worker.run_once()
    assert len(pipeline.chain.sent) == 200


def test_a_node_that_reports_no_gas_gets_the_fixed_size(pipeline: Pipeline) -> None:
    worker = AnchorWorker(pipeline.chain, pipeline.store, batch_size=1)
    _submit(pipeline, 250)  # the fake reports 0 gas, as such a node would

    worker.run_once()
    worker.run_once()
    assert len(pipeline.chain.sent) == 200
    assert worker.gas_per_claim is None


def test_a_round_limit_below_ten_bounds_root_modes_roots_per_round(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, anchor_mode="root", anchor_round_limit=4)
    engine = make_engine(f"sqlite:///{tmp_path / 'roots.db'}")
    try:
        roots = root_anchoring(settings, None, None, engine)  # type: ignore[arg-type]
        assert roots is not None and roots.roots_per_round == 4
        settings = Settings(data_dir=tmp_path, anchor_mode="root")
        roots = root_anchoring(settings, None, None, engine)  # type: ignore[arg-type]
        assert roots is not None and roots.roots_per_round == 10
    finally:
        engine.dispose()
