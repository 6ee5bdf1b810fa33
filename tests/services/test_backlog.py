"""A firm's backlog: claims waiting for the chain, up to ``ClaimService.backlog_limit``; the
anchoring queue's turns between firms (fakes; the stores' own tests hold the SQL)."""

from __future__ import annotations

import pytest

from carbonledger.api.errors import status_of
from carbonledger.services.anchoring import AnchorWorker
from carbonledger.services.claims import BUSY_RETRY_AFTER, ClaimRow
from carbonledger.services.errors import Busy, NonceOutOfOrder
from carbonledger.store.claims import ACCEPTED
from tests.services.conftest import Pipeline


def test_a_firm_at_its_backlog_limit_is_told_to_come_back_and_nothing_is_stored(
    pipeline: Pipeline,
) -> None:
    pipeline.claims.backlog_limit = 2
    carrier, shipper = pipeline.firms
    for n in range(2):
        pipeline.claims.submit(pipeline.submission(carrier, n, nonce=n), None, wait=0)

    with pytest.raises(Busy, match="2 claims waiting for the chain") as refused:
        pipeline.claims.submit(pipeline.submission(carrier, 2, nonce=2), None, wait=0)

    assert refused.value.retry_after == BUSY_RETRY_AFTER
    assert status_of(refused.value) == 429
    assert pipeline.store.count_in_state(ACCEPTED) == 2
    # another firm is not held back by it
    pipeline.claims.submit(pipeline.submission(shipper, 0, nonce=0), None, wait=0)
    # once the firm's claims are on chain, the same signed claim is taken
    pipeline.worker.run_once()
    row = pipeline.claims.submit(pipeline.submission(carrier, 2, nonce=2), None, wait=0)
    assert row.nonce == 2


def test_a_batch_past_the_limit_takes_what_fits_and_refuses_the_rest_in_order(
    pipeline: Pipeline,
) -> None:
    pipeline.claims.backlog_limit = 3
    carrier = pipeline.firms[0]
    batch = [pipeline.submission(carrier, n, nonce=n) for n in range(5)]

    results = pipeline.claims.submit_many(batch, None, wait=0)

    assert [type(r) for r in results] == [ClaimRow, ClaimRow, ClaimRow, Busy, NonceOutOfOrder]
    assert pipeline.store.count_in_state(ACCEPTED) == 3


def test_a_small_firms_claim_goes_in_the_round_after_a_big_firms_upload(
    pipeline: Pipeline,
) -> None:
    carrier, shipper = pipeline.firms
    pipeline.claims.submit_many(
        [pipeline.submission(carrier, n, nonce=n) for n in range(30)], None, wait=0
    )
    small = pipeline.claims.submit(pipeline.submission(shipper, 0, nonce=0), None, wait=0)

    one_transaction_a_round = AnchorWorker(
        pipeline.chain, pipeline.store, batch_size=10, in_flight=1
    )
    one_transaction_a_round.run_once()  # one round: 10 claims

    assert pipeline.store.get(small.claim_id).state != ACCEPTED  # type: ignore[union-attr]
    assert pipeline.store.count_in_state(ACCEPTED) == 21
