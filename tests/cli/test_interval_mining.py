"""The whole pipeline, unchanged, on a chain that mines a block every 2 s (as a Besu QBFT
network does) instead of one block per transaction: claims submitted through the API are
relayed, checked and indexed, each on chain exactly once."""

from __future__ import annotations

import itertools

import pytest
from web3 import Web3

from carbonledger.chain.node import free_port
from tests.cli.conftest import Ledger
from tests.cli.test_durability import admit_firms, assert_each_on_chain_exactly_once
from tests.cli.test_multiprocess import PER_FIRM, InterleavedSubmitter

pytestmark = pytest.mark.timeout(900)


def test_claims_reach_the_chain_once_with_two_second_blocks(ledger: Ledger) -> None:
    ledger.env = {
        "CARBONLEDGER_BLOCK_TIME": "2",
        "CARBONLEDGER_SUBMIT_WAIT": "0",
        "CARBONLEDGER_PACT_PORT": str(free_port()),
    }
    ledger.up(timeout=240)
    firms = admit_firms(ledger, 2)
    submitter = InterleavedSubmitter([ledger.api_url], firms)
    submitter.start()
    submitter.join()
    assert len(submitter.accepted) == 2 * PER_FIRM
    assert_each_on_chain_exactly_once(ledger, list(submitter.accepted))

    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    head = int(w3.eth.block_number)
    stamps = [int(w3.eth.get_block(n)["timestamp"]) for n in range(head - 5, head + 1)]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 2 for gap in gaps), gaps  # interval mining, not one block per tx
    assert ledger.down().returncode == 0
