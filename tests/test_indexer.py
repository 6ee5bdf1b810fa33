"""The indexer copies contract events into the database: once, resumably, across lost blocks."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from web3 import Web3

from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.indexer import Indexer
from carbonledger.store.db import chain_events, indexer_cursor, make_engine
from carbonledger.store.listen import MINED, announce
from tests.cli.records import publish_standard_version
from tests.conftest import DeployedChain


def publish(chain: DeployedChain, text: str) -> tuple[int, str]:
    """Publish a standard version (content hashes are unique, so salt the text).

    Returns the version number and the content hash as 0x-hex.
    """
    registry = chain.contract("StandardRegistry")
    content = Web3.keccak(text=f"{text} {uuid.uuid4()}")
    version = publish_standard_version(chain.w3, registry, ANVIL_DEV_KEY_0, content)
    return version, "0x" + bytes(content).hex()


def published_versions(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(chain_events.c.args)
            .where(chain_events.c.event == "StandardPublished")
            .order_by(chain_events.c.block_number)
        ).all()
    return [int(r[0]["version"]) for r in rows]


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(chain_events)).scalar_one())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.db'}"
    url: str = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(chain_events.delete())
        conn.execute(indexer_cursor.delete())
    return url


def test_events_are_indexed_once_and_resume_after_a_restart(
    deployed_chain: DeployedChain, database_url: str
) -> None:
    engine = make_engine(database_url)
    first, _ = publish(deployed_chain, "indexer resume 1")
    indexer = Indexer(
        engine, deployed_chain.w3, deployed_chain.deployment, deployed_chain.artifacts
    )
    indexer.catch_up()
    assert first in published_versions(engine)
    rows = count(engine)
    assert indexer.catch_up() == 0
    assert count(engine) == rows

    second, _ = publish(deployed_chain, "indexer resume 2")
    restarted = Indexer(
        make_engine(database_url),
        deployed_chain.w3,
        deployed_chain.deployment,
        deployed_chain.artifacts,
    )
    assert restarted.catch_up() >= 1
    versions = published_versions(engine)
    assert versions.count(first) == 1 and versions.count(second) == 1


def test_lost_blocks_are_unindexed_and_their_replacement_indexed(
    deployed_chain: DeployedChain, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    indexer = Indexer(
        engine, deployed_chain.w3, deployed_chain.deployment, deployed_chain.artifacts
    )
    snapshot = deployed_chain.w3.provider.make_request("evm_snapshot", [])["result"]
    lost, lost_hash = publish(deployed_chain, "a block the chain will lose")
    indexer.catch_up()
    assert lost in published_versions(engine)

    deployed_chain.w3.provider.make_request("evm_revert", [snapshot])
    replacement, expected = publish(deployed_chain, "the block that replaced it")
    assert replacement == lost  # the same version number, in a different block
    indexer.catch_up()
    with engine.connect() as conn:
        hashes = (
            conn.execute(
                select(chain_events.c.args["contentHash"]).where(
                    chain_events.c.event == "StandardPublished"
                )
            )
            .scalars()
            .all()
        )
    assert expected in hashes
    assert lost_hash not in hashes


def test_new_blocks_are_indexed_at_once_when_the_worker_says_it_mined_some(
    deployed_chain: DeployedChain, database_url: str
) -> None:
    """The loop polls every 30 s here: only the wake-up gets the new event indexed within
    seconds. In one process the anchoring worker kicks the indexer; on PostgreSQL the
    worker's write of mined claims, committed by another process, notifies it."""
    engine = make_engine(database_url)
    indexer = Indexer(
        engine, deployed_chain.w3, deployed_chain.deployment, deployed_chain.artifacts
    )
    stop = threading.Event()
    loop = threading.Thread(target=indexer.run_forever, args=(stop, 30.0, 30.0))
    loop.start()
    try:
        deadline = time.monotonic() + 20
        while indexer.cursor()[1] is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the loop's first round
        time.sleep(0.5)  # (PostgreSQL: its listener connected, the round it reports done)
        version, _ = publish(deployed_chain, "indexer wake-up")
        assert version not in published_versions(engine)
        if engine.dialect.name == "postgresql":
            with make_engine(database_url).begin() as other:  # another process's commit
                announce(other, MINED)
        else:
            indexer.kick()
        deadline = time.monotonic() + 10
        while version not in published_versions(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert version in published_versions(engine)
    finally:
        stop.set()
        indexer.kick()
        loop.join(timeout=5)
    assert not loop.is_alive()  # a kick after ``stop`` ends the loop without its 30 s wait


def test_a_round_of_the_background_loop_reads_its_cursor_once_and_counts_no_rows(
    deployed_chain: DeployedChain, database_url: str
) -> None:
    """The loop's rounds (woken per anchoring round under load) read the cursor once each
    (not again before and after to see whether it moved) and insert without counting the
    rows (a figure only :meth:`Indexer.catch_up`'s callers use); a round that moved is
    followed by another after ``interval``, and one that found nothing waits
    ``idle_interval``, as before."""
    engine = make_engine(database_url)
    indexer = Indexer(
        engine, deployed_chain.w3, deployed_chain.deployment, deployed_chain.artifacts
    )
    indexer.catch_up()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread() is loop:
            statements.append(" ".join(statement.lower().split()))

    event.listen(engine, "before_cursor_execute", seen)
    stop = threading.Event()
    loop = threading.Thread(target=indexer.run_forever, args=(stop, 0.2, 30.0))
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while not any("from indexer_cursor" in s for s in statements):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # its first round found nothing new: it waits 30 s now
        statements.clear()
        version, _ = publish(deployed_chain, "indexer statements")
        indexer.kick()
        deadline = time.monotonic() + 10
        while version not in published_versions(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert version in published_versions(engine)
        time.sleep(1.0)  # the round after (0.2 s), then the idle wait (30 s)
    finally:
        stop.set()
        indexer.kick()
        loop.join(timeout=5)
    cursor_reads = [s for s in statements if s.startswith("select") and "from indexer_cursor" in s]
    assert len(cursor_reads) == 2  # the round that indexed the event, and the one after it
    assert not [s for s in statements if "count(" in s]
    assert [s for s in statements if s.startswith("insert into chain_events")]
