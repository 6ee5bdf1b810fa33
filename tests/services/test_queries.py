"""The read side the API's routes call (:class:`LedgerQueries`): pages of claims with the
chain's state, one claim as the chain records it, the chain's signing context. Over the fake
chain and an in-memory index; the routes' end-to-end tests on anvil are in tests/api."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import insert

from carbonledger.services.errors import NotFound
from carbonledger.services.members import MemberDirectory
from carbonledger.services.queries import LedgerQueries
from carbonledger.store.claims import ClaimFilter
from carbonledger.store.db import chain_events, make_engine
from carbonledger.store.events import EventLog
from carbonledger.vocab import Claim, b32, pack_claim_details
from tests.services.conftest import Pipeline
from tests.support.fakes import FakePeriodTotals

CONTRACTS = {"ClaimLedger": "0x" + "c1" * 20, "MemberRegistry": "0x" + "4d" * 20}


@dataclass
class Index:
    """The indexer as the queries see it: the events table, and a catch-up that copies the
    chain's ``ClaimSubmitted`` events of anchored claims into it."""

    pipeline: Pipeline
    log: EventLog = field(init=False)
    catch_ups: int = 0

    def __post_init__(self) -> None:
        self.log = EventLog(make_engine("sqlite://"))

    def catch_up(self) -> None:
        self.catch_ups += 1
        for row in self.pipeline.store.search(ClaimFilter(), 0, 1_000)[1]:
            if row.tx_hash and not self.log.of_claim(row.claim_id):
                self._submitted(row.claim_id, row.tx_hash, int(row.block_number or 0))

    def _submitted(self, claim_id: str, tx_hash: str, block: int) -> None:
        stored = self.pipeline.store.get(claim_id)
        assert stored is not None
        claim = Claim.from_json(stored.claim)
        header, scopes = pack_claim_details(claim)
        args = {"claimId": claim_id, "header": str(header), "scopes": str(scopes)}
        values = {
            "chain_id": 31337,
            "block_number": block,
            "block_hash": "0x" + "bb" * 32,
            "tx_hash": tx_hash,
            "log_index": 0,
            "contract": "ClaimLedger",
            "address": CONTRACTS["ClaimLedger"],
            "event": "ClaimSubmitted",
            "args": args,
            "claim_id": claim_id,
            "account": claim.firm,
        }
        with self.log.engine.begin() as conn:
            conn.execute(insert(chain_events).values(**values))


def _queries(pipeline: Pipeline, index: Index) -> LedgerQueries:
    return LedgerQueries(
        store=pipeline.store,
        ledger=pipeline.chain,
        events=index.log,
        standard=pipeline.standard,
        members=MemberDirectory(index.log, pipeline.chain),
        catch_up=index.catch_up,
        periods=FakePeriodTotals(pipeline.store, index.log),
        chain_id=31337,
        contracts=CONTRACTS,
    )


def test_a_page_carries_the_chain_state_of_its_anchored_claims_only(pipeline: Pipeline) -> None:
    carrier = pipeline.firms[0]
    anchored = pipeline.claims.submit(pipeline.submission(carrier, 0), carrier.address, wait=0)
    pipeline.rounds()
    waiting = pipeline.claims.submit(pipeline.submission(carrier, 1), carrier.address, wait=0)
    page = _queries(pipeline, Index(pipeline)).claims_page(ClaimFilter(), 0, 50)
    assert page.total == 2
    assert [r.claim_id for r in page.rows] == [anchored.claim_id, waiting.claim_id]
    assert set(page.on_chain) == {anchored.claim_id}
    assert page.on_chain[anchored.claim_id].status == "active"
    assert page.on_chain[anchored.claim_id].check == "passed"


def test_a_claim_the_chain_does_not_have_is_not_found_publicly(pipeline: Pipeline) -> None:
    carrier = pipeline.firms[0]
    accepted = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
    index = Index(pipeline)
    with pytest.raises(NotFound, match="no claim"):
        _queries(pipeline, index).public_claim(b32(accepted.claim_id))
    assert index.catch_ups == 0  # nothing on chain: no reason to index


def test_a_claim_anchored_a_moment_ago_is_indexed_once_and_shown_from_the_chain(
    pipeline: Pipeline,
) -> None:
    carrier = pipeline.firms[0]
    row = pipeline.claims.submit(pipeline.submission(carrier), carrier.address, wait=0)
    pipeline.rounds()
    index = Index(pipeline)
    queries = _queries(pipeline, index)
    shown = queries.public_claim(b32(row.claim_id))
    assert index.catch_ups == 1
    assert shown.claim_id == row.claim_id
    assert shown.state.status == "active" and shown.state.firm == carrier.address
    assert (shown.details.period_start, shown.details.period_end) == (
        row.period_start,
        row.period_end,
    )
    assert shown.firm_name == f"member {carrier.address}"
    assert shown.claim_ledger == CONTRACTS["ClaimLedger"]
    queries.public_claim(b32(row.claim_id))
    assert index.catch_ups == 1  # indexed now: no second catch-up


def test_the_chain_view_names_both_domains_and_the_published_version(
    pipeline: Pipeline,
) -> None:
    view = _queries(pipeline, Index(pipeline)).chain()
    assert view.claim_ledger_domain == pipeline.chain.domain()
    assert view.overlap_settlement_domain == pipeline.chain.settlement_domain()
    assert view.onchain_version == 1
    assert view.service_account == pipeline.chain.service_address
    assert view.contracts == CONTRACTS and view.contracts is not CONTRACTS
