"""The background roles' heartbeats (``service_instances``), on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine

from carbonledger.store.instances import (
    ANCHORING_WORKER,
    API_PROCESS,
    FORGET_AFTER,
    INDEXER,
    Heartbeat,
    InstanceRow,
    InstanceStore,
    api_heartbeat,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def beats(store: InstanceStore, role: str, clock: Clock) -> Heartbeat:
    return Heartbeat(store, role, every=5.0, clock=clock)


def test_a_beat_is_written_when_due_or_when_its_state_changes_not_every_round(
    engine: Engine,
) -> None:
    store, clock = InstanceStore(engine), Clock()
    worker = beats(store, ANCHORING_WORKER, clock)
    worker.beat(False)
    [row] = store.all()
    assert (row.role, row.state, row.seen_at) == (ANCHORING_WORKER, "standby", clock.now)
    clock.now += 4
    worker.beat(False)
    assert store.all()[0].seen_at == int(clock.now) - 4  # not due: nothing written
    worker.beat(True)
    assert (store.all()[0].state, store.all()[0].seen_at) == ("active", clock.now)
    clock.now += 1
    worker.beat(True, "the node refused the connection")
    assert store.all()[0].last_error == "the node refused the connection"
    clock.now += 5
    worker.beat(True, "the node refused the connection")
    assert store.all()[0].seen_at == clock.now


def test_taking_the_role_over_removes_the_dead_holders_row_but_no_standby_or_other_role(
    engine: Engine,
) -> None:
    store, clock = InstanceStore(engine), Clock()
    dead, standby, indexer = (
        beats(store, ANCHORING_WORKER, clock),
        beats(store, ANCHORING_WORKER, clock),
        beats(store, INDEXER, clock),
    )
    other_standby = beats(store, ANCHORING_WORKER, clock)
    dead.beat(True)
    standby.beat(False)
    other_standby.beat(False)
    indexer.beat(True)
    clock.now += 10  # the holder was SIGKILLed: its lock is free, its row stays
    standby.beat(True)
    rows = {r.instance: r.state for r in store.all()}
    assert rows == {
        standby.instance: "active",
        other_standby.instance: "standby",
        indexer.instance: "active",
    }


def test_a_stopped_instance_leaves_no_row_and_a_day_old_one_is_forgotten(engine: Engine) -> None:
    store, clock = InstanceStore(engine), Clock()
    old = beats(store, INDEXER, clock)
    old.beat(False)
    clock.now += FORGET_AFTER + 1
    stopped = beats(store, ANCHORING_WORKER, clock)
    stopped.beat(True)  # its first write forgets the day-old standby
    assert [r.instance for r in store.all()] == [stopped.instance]
    stopped.stop()
    assert store.all() == []


class _BrokenStore(InstanceStore):
    def __init__(self) -> None:  # no engine: every write fails
        pass

    def write(self, row: InstanceRow, *, took_over: bool = False) -> None:
        raise ConnectionError("the database is down")


def test_a_beat_the_database_refuses_is_logged_and_tried_again_at_the_next_beat(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heartbeat = Heartbeat(_BrokenStore(), ANCHORING_WORKER, clock=Clock())
    heartbeat.beat(True)  # does not raise: the worker's round goes on
    assert "cannot record the anchoring worker's heartbeat: the database is down" in caplog.text
    caplog.clear()
    heartbeat.beat(True)  # not throttled: nothing was written
    assert "the database is down" in caplog.text


def test_a_host_with_the_longest_dns_name_still_beats(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = ".".join(["a" * 63] * 3 + ["b" * 61])  # 253 characters
    monkeypatch.setattr("socket.gethostname", lambda: name)
    heartbeat = Heartbeat(InstanceStore(engine), ANCHORING_WORKER, clock=Clock())
    heartbeat.beat(True)
    [row] = InstanceStore(engine).all()
    assert (row.host, row.state) == (name, "active")


def test_each_api_process_has_its_row_while_it_serves_beside_the_others(engine: Engine) -> None:
    store = InstanceStore(engine)
    other = Heartbeat(store, API_PROCESS, exclusive=False)
    other.beat(True)  # another API process, serving already
    with api_heartbeat(store, every=0.05) as mine:
        [written] = [r for r in store.all() if r.instance == mine.instance]
        time.sleep(1.2)
        [again] = [r for r in store.all() if r.instance == mine.instance]
        rows = {r.instance: (r.role, r.state) for r in store.all()}
    assert rows == {
        other.instance: (API_PROCESS, "active"),  # not taken for a dead holder of a role
        mine.instance: (API_PROCESS, "active"),
    }
    assert again.seen_at > written.seen_at  # written again while it serves
    assert [r.instance for r in store.all()] == [other.instance]  # its row went at the end
