"""On a chain that mines on an interval (as a QBFT network mines its blocks), the anchoring
worker's rounds fill the blocks.

A round waits for its receipts, so the worker sends one round per block there. Rounds of a
fixed hundred one-claim transactions took at least seven blocks for 700 claims in single mode,
however much each block could hold. Once a round has shown the gas a claim costs, the next
rounds fill most of a block: 100, then up to 314 per round on anvil's 30 M gas blocks (the
round limit raised from Besu's default of 200 to 1,000, as docs/deploy.md tells a consortium to
do)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import as_bytes, example, serving, signed_item, wait_checked
from tests.conftest import DeployedChain, deploy_chain

CLAIMS = 700


@pytest.fixture(scope="module")
def interval_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedChain]:
    """A chain deployed block by block, then mining one block a second (the test harness may
    use anvil's own methods; the service never does)."""
    with deploy_chain(tmp_path_factory.mktemp("interval")) as chain:
        chain.w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
        chain.w3.provider.make_request("evm_setIntervalMining", [1])  # type: ignore[arg-type]
        yield chain


def test_single_mode_rounds_fill_the_blocks_of_a_chain_that_mines_every_second(
    interval_chain: DeployedChain, tmp_path: Path
) -> None:
    with serving(
        interval_chain, tmp_path, anchor_mode="single", submit_wait=0, anchor_round_limit=1000
    ) as api:
        firm = api.admit("Interval Freight")
        client = api.client(firm)
        chain = client.chain()
        first = client.next_nonce()
        items = [
            signed_item(
                client, as_bytes(example("carrier_footprint.json", firm.address)), first + i, chain
            )
            for i in range(CLAIMS)
        ]  # fmt: skip
        ids: list[str] = []
        for start in range(0, CLAIMS, 100):
            answer = client.request(
                "POST", "/claims/batch", json={"claims": items[start : start + 100]}
            )
            assert answer["accepted"] == 100, answer
            ids += [r["claim"]["claim_id"] for r in answer["results"]]
        wait_checked(client, ids, timeout=180)

        rows = [api.services.claims.store.get(i) for i in ids]
        blocks = {row.block_number for row in rows if row is not None}
        assert len(rows) == CLAIMS and None not in blocks
        # rounds of 100, 314 and the rest: three rounds, each in one block or across two
        # when the interval ticks while it is being sent; fixed rounds of 100 need seven
        assert len(blocks) <= 6, sorted(blocks)
        assert api.services.worker.gas_per_claim is not None
