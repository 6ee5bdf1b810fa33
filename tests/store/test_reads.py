"""One-statement reads on PostgreSQL: no check of the connection first, one retry instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from carbonledger.store.claims import ClaimStore
from carbonledger.vault.sql import SqlVaultRepository
from tests.store.test_roots import FIRM, accept

#: the stores' engine fixture, narrowed to PostgreSQL (SQLite has no wire to drop)
pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def _count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings = [0]
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings[0] += 1
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def test_a_one_statement_read_checks_no_connection_first_and_a_transaction_does(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ClaimStore(engine)
    (claim_id,) = accept(store, 1)  # the pool now holds a connection used before
    pings = _count_pings(engine, monkeypatch)
    assert store.get(claim_id) is not None
    assert store.submission_reads(claim_id, FIRM) == (True, 0, 1)
    assert store.max_nonce(FIRM) == 0
    assert pings[0] == 0
    with store.transaction() as conn:
        conn.execute(text("SELECT 1"))
    assert pings[0] == 1


def _drop_every_connection(url: str) -> int:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        dropped = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return int(dropped)


def test_reads_and_writes_carry_on_after_the_server_dropped_every_connection(
    engine: Engine,
) -> None:
    """What ``pool_pre_ping`` gave every checkout, reads keep by running once more on a
    fresh connection, and transactions by the check they still get."""
    store = ClaimStore(engine)
    vault = SqlVaultRepository(engine)
    vault.set_reader_key("0xReader", b"k" * 32, datetime.now(UTC))
    first = accept(store, 1)
    url = engine.url.render_as_string(hide_password=False)
    assert _drop_every_connection(url) >= 1
    assert store.get(first[0]) is not None
    assert _drop_every_connection(url) >= 1
    assert vault.get_reader_keys(["0xReader", "0xNobody"]) == {"0xReader": b"k" * 32}
    assert _drop_every_connection(url) >= 1
    accept(store, 1, start=1)  # a write transaction, on a connection checked first
    assert store.max_nonce(FIRM) == 1
