"""The operators' reading (:func:`assess`): each alert fires on its reading and not before,
over plain values (no chain, no database); and :class:`StatusService` says a dead node is
unreachable rather than failing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from carbonledger.chain.gateway import ChainReading
from carbonledger.services.status import (
    ServiceStatus,
    StatusService,
    Stored,
    Thresholds,
    assess,
)
from carbonledger.store.db import Connections
from carbonledger.store.instances import ANCHORING_WORKER, API_PROCESS, INDEXER, InstanceRow

NOW = 1_800_000_000.0
CHAIN = ChainReading(
    chain_id=31337,
    head=500,
    head_timestamp=int(NOW) - 2,
    relayer="0x" + "ab" * 20,
    relayer_balance=10**21,
    relayer_nonce=40,
    relayer_pending_nonce=42,
    gas_price=10**9,
)
COUNTS = {"accepted": 3, "anchored": 1, "checked": 90, "refused": 2}


def row(role: str, state: str = "active", seen: float = NOW - 1, **kw: object) -> InstanceRow:
    values: dict[str, object] = {
        "instance": f"host:{kw.get('pid', 7)}:{role}",
        "role": role,
        "host": "host",
        "pid": 7,
        "state": state,
        "started_at": int(NOW) - 600,
        "seen_at": int(seen),
        "last_error": None,
    }
    values.update(kw)
    return InstanceRow(**values)  # type: ignore[arg-type]


BOTH = [row(ANCHORING_WORKER), row(INDEXER, pid=8)]
DEFAULTS = Thresholds()


def reading(
    chain: ChainReading | None = CHAIN,
    oldest: str | None = "2027-01-15T07:59:00.000+00:00",  # 60 s before NOW
    indexed: int = 499,
    rows: list[InstanceRow] = BOTH,
    thresholds: Thresholds = DEFAULTS,
    error: str | None = None,
) -> list[str]:
    status = assess(NOW, chain, error, Stored(COUNTS, oldest, indexed, rows), thresholds)
    return [a.name for a in status.alerts]


def test_a_flowing_service_raises_no_alert_and_reads_its_figures() -> None:
    status = assess(
        NOW, CHAIN, None, Stored(COUNTS, "2027-01-15T07:59:00.000+00:00", 499, BOTH), Thresholds()
    )
    assert status.alerts == [] and status.healthy
    assert status.pipeline is not None and status.indexing is not None
    assert status.pipeline.oldest_accepted_age == pytest.approx(60.0)
    assert status.indexing.lag_blocks == 1
    assert [i.alive for i in status.instances] == [True, True]


def test_a_worker_silent_longer_than_the_timeout_is_down_and_critical() -> None:
    rows = [row(ANCHORING_WORKER, seen=NOW - 31), row(INDEXER, pid=8)]
    status = assess(NOW, CHAIN, None, Stored(COUNTS, None, 499, rows), Thresholds())
    assert [(a.name, a.severity) for a in status.alerts] == [("anchoring_worker_down", "critical")]
    assert "none has reported in the last 30 s" in status.alerts[0].message
    assert not status.healthy
    assert reading(rows=[row(ANCHORING_WORKER, seen=NOW - 29), row(INDEXER, pid=8)]) == []


def test_a_role_with_only_a_standby_alive_is_down_and_says_the_standby_takes_over() -> None:
    rows = [row(ANCHORING_WORKER, "standby", pid=9), row(INDEXER, pid=8)]
    status = assess(NOW, CHAIN, None, Stored(COUNTS, None, 499, rows), Thresholds())
    assert [a.name for a in status.alerts] == ["anchoring_worker_down"]
    assert "1 standby alive" in status.alerts[0].message


def test_a_role_nobody_ever_ran_is_named_with_the_commands_that_run_it() -> None:
    status = assess(
        NOW, CHAIN, None, Stored(COUNTS, None, 499, [row(ANCHORING_WORKER)]), Thresholds()
    )
    assert [a.name for a in status.alerts] == ["indexer_down"]
    assert "is `carbonledger up` or `carbonledger index` running?" in status.alerts[0].message


def test_an_active_worker_whose_rounds_fail_is_a_warning_naming_its_error() -> None:
    rows = [row(ANCHORING_WORKER, last_error="connection refused"), row(INDEXER, pid=8)]
    status = assess(NOW, CHAIN, None, Stored(COUNTS, None, 499, rows), Thresholds())
    assert [(a.name, a.severity) for a in status.alerts] == [
        ("anchoring_worker_failing", "warning")
    ]
    assert status.healthy and "connection refused" in status.alerts[0].message


def test_a_claim_waiting_longer_than_the_backlog_age_is_critical() -> None:
    status = assess(
        NOW, CHAIN, None, Stored(COUNTS, "2027-01-15T07:54:59.000+00:00", 499, BOTH), DEFAULTS
    )
    assert [a.name for a in status.alerts] == ["anchoring_backlog"]  # 301 s
    assert status.alerts[0].message == (
        "3 accepted claims wait for the chain, the oldest for 301 s (more than 300 s)"
    )
    assert reading(oldest="2027-01-15T07:55:01.000+00:00") == []  # 299 s


def test_an_indexer_further_behind_than_allowed_is_a_warning() -> None:
    assert reading(indexed=449) == ["indexer_behind"]  # 51 blocks
    assert reading(indexed=450) == []


def test_a_chain_that_mints_no_block_is_critical_unless_it_mines_on_demand() -> None:
    old = replace(CHAIN, head_timestamp=int(NOW) - 61)
    assert reading(chain=old) == ["chain_stalled"]
    assert reading(chain=old, thresholds=Thresholds(chain_stall=None)) == []


def test_a_relayer_short_of_gas_money_is_a_warning_only_where_gas_has_a_price() -> None:
    poor = replace(CHAIN, relayer_balance=10**16)
    assert reading(chain=poor) == ["relayer_balance_low"]
    assert reading(chain=replace(poor, gas_price=0)) == []  # a free-gas consortium network


def test_firms_at_their_backlog_limit_are_a_warning_counted_not_named() -> None:
    limit = Thresholds(firm_backlog_limit=100)
    below = assess(NOW, CHAIN, None, Stored(COUNTS, None, 499, BOTH, [99, 5]), limit)
    at = assess(NOW, CHAIN, None, Stored(COUNTS, None, 499, BOTH, [250, 100, 5]), limit)

    assert below.alerts == [] and below.pipeline is not None
    assert below.pipeline.firms_at_backlog_limit == 0
    [alert] = at.alerts
    assert (alert.name, alert.severity) == ("firms_at_backlog_limit", "warning")
    assert alert.message.startswith("2 firms have 100 or more claims waiting for the chain")
    assert at.healthy and at.pipeline is not None and at.pipeline.firms_at_backlog_limit == 2


def test_the_api_processes_are_listed_apart_from_the_roles() -> None:
    serving = [row(API_PROCESS, pid=21), row(API_PROCESS, pid=22, seen=NOW - 29)]
    status = assess(NOW, CHAIN, None, Stored(COUNTS, None, 499, BOTH + serving), DEFAULTS)

    assert status.alerts == []
    assert [i.role for i in status.instances] == [ANCHORING_WORKER, INDEXER]
    assert [(i.pid, i.alive) for i in status.api_processes] == [(21, True), (22, True)]


def test_an_api_process_silent_within_the_hour_is_a_warning_naming_it_then_history() -> None:
    """A process that shuts down deletes its row; one whose row stops ageing was killed.
    That is a warning for ``api_process_lost`` seconds after its last report, then only a
    row that is not alive (deleted after a day)."""
    alive = row(API_PROCESS, pid=21)

    def lost(seen: float, thresholds: Thresholds = DEFAULTS) -> ServiceStatus:
        killed = row(API_PROCESS, host="node-2", pid=22, seen=seen)
        return assess(
            NOW, CHAIN, None, Stored(COUNTS, None, 499, [*BOTH, alive, killed]), thresholds
        )

    just = lost(NOW - 31)
    [alert] = just.alerts
    assert (alert.name, alert.severity) == ("api_process_lost", "warning")
    assert alert.message.startswith(
        "an API process stopped reporting without shutting down in the last 60 min (killed, "
        "out of memory, or its host lost): node-2 pid 22 (31 s ago)."
    )
    assert just.healthy
    assert [a.name for a in lost(NOW - 3600).alerts] == ["api_process_lost"]
    assert lost(NOW - 3601).alerts == []
    assert [(i.pid, i.alive) for i in lost(NOW - 3601).api_processes] == [(21, True), (22, False)]
    assert lost(NOW - 31, replace(DEFAULTS, api_process_lost=None)).alerts == []
    two = assess(
        NOW, CHAIN, None,
        Stored(COUNTS, None, 499, [*BOTH, row(API_PROCESS, pid=23, seen=NOW - 40),
                                   row(API_PROCESS, pid=24, seen=NOW - 700)]),
        DEFAULTS,
    )  # fmt: skip
    assert "2 API processes stopped reporting" in two.alerts[0].message
    assert "host pid 23 (40 s ago), host pid 24 (12 min ago)" in two.alerts[0].message


def test_a_database_server_near_its_connections_limit_is_a_warning_naming_the_settings() -> None:
    def stored(in_use: int) -> Stored:
        return Stored(COUNTS, None, 499, BOTH, connections=Connections(in_use, 97))

    below = assess(NOW, CHAIN, None, stored(87), DEFAULTS)
    near = assess(NOW, CHAIN, None, stored(88), DEFAULTS)  # 0.9 of 97 is 87.3
    on_sqlite = assess(NOW, CHAIN, None, Stored(COUNTS, None, 499, BOTH), DEFAULTS)

    assert below.alerts == [] and below.connections == Connections(87, 97)
    [alert] = near.alerts
    assert (alert.name, alert.severity) == ("database_connections", "warning")
    assert alert.message.startswith("88 of the 97 connections the database server takes")
    assert "database_pool_size" in alert.message and near.healthy
    assert on_sqlite.alerts == [] and on_sqlite.connections is None


def test_an_unreachable_node_is_critical_and_names_the_error() -> None:
    status = assess(NOW, None, "connection refused", Stored(COUNTS, None, 499, BOTH), Thresholds())
    assert [a.name for a in status.alerts] == ["chain_unreachable"]
    assert "connection refused" in status.alerts[0].message
    assert status.indexing is not None and status.indexing.lag_blocks is None


class _Counts:
    def state_counts(self) -> dict[str, int]:
        return dict(COUNTS)

    def oldest_accepted_at(self) -> str | None:
        return None

    def waiting_by_firm(self) -> list[int]:
        return [2, 1]


class _Instances:
    def all(self) -> list[InstanceRow]:
        return list(BOTH)


class _Node:
    def reading(self) -> ChainReading:
        return CHAIN


class _DeadNode:
    def reading(self) -> ChainReading:
        raise ConnectionError("node at http://127.0.0.1:1 refused the connection")


def test_the_service_reads_a_dead_node_as_unreachable_rather_than_failing() -> None:
    service = StatusService(
        _Counts(), _Instances(), _DeadNode(), lambda: 10, Thresholds(), lambda: NOW
    )
    status = service.status()
    assert status.chain is None and not status.healthy
    assert "refused the connection" in (status.chain_error or "")


def test_an_unreachable_database_is_critical_and_nothing_stored_is_guessed() -> None:
    status = assess(NOW, CHAIN, None, None, DEFAULTS, "connection to server refused")
    assert [(a.name, a.severity) for a in status.alerts] == [("database_unreachable", "critical")]
    assert "connection to server refused" in status.alerts[0].message
    assert status.pipeline is None and status.indexing is None and status.instances == ()


class _DeadDatabase(_Counts):
    def state_counts(self) -> dict[str, int]:
        raise ConnectionError("could not connect to server: Connection refused\n\tIs it up?")


def test_the_service_reads_a_dead_database_as_unreachable_rather_than_failing() -> None:
    service = StatusService(
        _DeadDatabase(), _Instances(), _Node(), lambda: 10, Thresholds(), lambda: NOW
    )
    status = service.status()
    assert status.database_error == "could not connect to server: Connection refused"
    assert [a.name for a in status.alerts] == ["database_unreachable"]
    assert status.chain == CHAIN
