"""A firm's claims waiting for the chain: the anchoring queue serves firms in turns, and a
firm past ``firm_backlog_limit`` is told to come back (429, ``Retry-After``), over real HTTP
on a real chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Api, as_bytes, example, serving, signed_item, wait_checked
from tests.conftest import DeployedChain


@pytest.fixture(scope="module")
def small_rounds(
    deployed_chain: DeployedChain, api_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """The service relaying 10 claims a transaction and one transaction a round (with its
    check), on SQLite and on PostgreSQL."""
    with serving(
        deployed_chain,
        tmp_path_factory.mktemp("rounds"),
        database_url=api_database,
        submit_wait=0,
        anchor_batch_size=10,
        anchor_round_limit=2,
    ) as served:
        yield served


def test_a_firm_filing_behind_another_firms_upload_is_on_chain_before_most_of_it(
    small_rounds: Api,
) -> None:
    api = small_rounds
    big, small = api.admit("Upload Freight"), api.admit("Corner Supplier")
    bulk, one = api.client(big), api.client(small)
    docs = [as_bytes(example("carrier_footprint.json", big.address)) for _ in range(300)]

    filed = bulk.submit_claims(docs)  # 3 requests of 100; the worker takes 10 a round
    (mine,) = one.submit_claims([as_bytes(example("carrier_footprint.json", small.address))])

    ids = [r["claim"]["claim_id"] for r in filed]
    wait_checked(one, [mine["claim"]["claim_id"]])
    wait_checked(bulk, ids[-1:], timeout=120)
    at = one.claim(mine["claim"]["claim_id"])["block_number"]
    blocks = [c["block_number"] for c in bulk.claims(firm=big.address)]
    after = sum(1 for b in blocks if b > at)
    # first come, first served, it would have come after all 300 (filed before it)
    assert after >= 50, (after, at, sorted(blocks)[-5:])


def test_past_its_backlog_limit_a_firm_gets_429_with_retry_after_and_nothing_is_stored(
    deployed_chain: DeployedChain, tmp_path: Path
) -> None:
    with serving(
        deployed_chain,
        tmp_path,
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        submit_wait=0,
        firm_backlog_limit=1,
    ) as api:
        api.services.worker.stop()  # the chain is slower than the firm: its claim waits
        firm = api.admit("Eager Shipper")
        client = api.client(firm)
        chain = client.chain()
        docs = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(3)]
        with api.http(client.token) as http:
            first = http.post("/claims", json=signed_item(client, docs[0], 0, chain))
            assert first.status_code == 202, first.text

            second = http.post("/claims", json=signed_item(client, docs[1], 1, chain))

            assert second.status_code == 429, second.text
            assert second.headers["Retry-After"] == "5"
            detail = second.json()["detail"]
            assert "has 1 claim waiting for the chain" in detail and "again in 5 s" in detail
            batch = http.post(
                "/claims/batch",
                json={
                    "claims": [signed_item(client, d, 1 + i, chain) for i, d in enumerate(docs[1:])]
                },
            ).json()
            busy, behind = (r["error"] for r in batch["results"])
            assert (busy["status"], busy["retry_after"]) == (429, 5)
            assert behind["status"] == 409 and behind["retry_after"] is None  # its nonce
            assert batch["accepted"] == 0
            listed = http.get("/claims", params={"firm": firm.address}).json()
            assert listed["total"] == 1 and listed["items"][0]["nonce"] == 0
