"""With a write lock (SQLite), requests that wait for it are written in one transaction."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from carbonledger.store.claims import ClaimRow
from tests.services.conftest import Pipeline


def _two_waiting(pipeline: Pipeline) -> tuple[list[Any], list[threading.Thread], threading.Lock]:
    """Two firms' submissions queued behind a write lock this test holds."""
    lock = threading.Lock()
    pipeline.claims.write_lock = lock
    pipeline.claims.worker = None  # answer once stored
    submissions = [pipeline.submission(firm) for firm in pipeline.firms]
    results: list[Any] = []

    def submit(index: int) -> None:
        try:
            results.append(pipeline.claims.submit(submissions[index], None, wait=0))
        except Exception as exc:
            results.append(exc)

    lock.acquire()
    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(pipeline.claims._queue) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    return results, threads, lock


def _counting(pipeline: Pipeline) -> list[int]:
    opened: list[int] = []
    begin = pipeline.store.transaction

    @contextlib.contextmanager
    def transaction() -> Iterator[Any]:
        opened.append(1)
        with begin() as conn:
            yield conn

    pipeline.store.transaction = transaction  # type: ignore[method-assign]
    return opened


def test_two_requests_waiting_for_the_write_lock_are_stored_in_one_transaction(
    pipeline: Pipeline,
) -> None:
    opened = _counting(pipeline)
    results, threads, lock = _two_waiting(pipeline)
    lock.release()
    for thread in threads:
        thread.join(10)
    assert all(isinstance(r, ClaimRow) for r in results), results
    assert {r.firm for r in results} == {f.address for f in pipeline.firms}
    assert len(opened) == 1
    assert all(pipeline.store.get(r.claim_id) is not None for r in results)


def test_a_failed_group_write_refuses_every_request_in_it_and_stores_none(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(values: Any, conn: Any) -> Any:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(pipeline.store, "add_many", broken)
    results, threads, lock = _two_waiting(pipeline)
    lock.release()
    for thread in threads:
        thread.join(10)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    assert pipeline.store.rows == {}
