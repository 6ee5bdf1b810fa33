"""The background relay of PACT events to partners.

Publishing queues a ``PublishedEvent`` per partner in the ``pact_outbox`` table and returns;
this thread sends what is due: at once when woken (events just queued), else every
``interval`` seconds it looks for retries whose time has come (:meth:`PactService.retry_delay`:
exponential backoff with jitter, capped; failed for good after ``MAX_ATTEMPTS``). Several
processes on one database would each send a due event once (at-least-once delivery: the
CloudEvent ``id`` lets the partner drop a duplicate)."""

from __future__ import annotations

import logging
import threading

from carbonledger.pact.service import PactService

log = logging.getLogger(__name__)


class EventRelay:
    def __init__(self, service: PactService, *, interval: float = 1.0) -> None:
        self.service = service
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pact-events", daemon=True)
        service.events_queued = self._wake.set

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.service.flush_events(due_only=True)
            except Exception:  # a database hiccup must not end the relay
                log.exception("PACT event relay: flushing the outbox failed; retrying")
