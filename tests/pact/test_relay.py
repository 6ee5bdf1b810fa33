"""Events to partners: retried with exponential backoff by the relay, failed after the last
attempt, partners' event secrets sealed at rest (units on a real SQLite store; the end-to-end
behaviour over HTTPS is in test_pact_host.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from carbonledger.pact import service as service_module
from carbonledger.pact.fetch import PactFetchError
from carbonledger.pact.sealing import CallbackSealer, SealError
from carbonledger.pact.service import MAX_ATTEMPTS, PactService
from carbonledger.pact.store import PactStore, pact_clients
from carbonledger.store.db import make_engine

CALLBACK = {"url": "https://partner.example", "client_id": "ours", "client_secret": "s3cret-xyz"}


class Partner:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def __call__(self, callback: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise PactFetchError("https://partner.example/3/events answered 503")
        self.received.append((dict(callback), dict(event)))


def make(tmp_path: Path, partner: Partner, now: list[float]) -> PactService:
    store = PactStore(make_engine(f"sqlite:///{tmp_path / 'pact.db'}"))
    service = PactService(
        None,  # type: ignore[arg-type]  # the outbox needs neither chain nor vault
        store,
        None,  # type: ignore[arg-type]
        service_reader="0x" + "00" * 20,
        service_vault_key=b"",
        standard_hash=b"",
        token_secret=os.urandom(32),
        nonces=None,  # type: ignore[arg-type]  # nor the firms' nonces
        send_event=partner,
        clock=lambda: now[0],
    )
    store.add_client(
        {
            "client_id": "pact-partner",
            "firm": "0x" + "11" * 20,
            "partner": "Partner",
            "secret_hash": "x",
            "all_footprints": True,
            "callback": service.sealer.seal(CALLBACK, "pact-partner"),
        }
    )
    store.queue_event("pact-partner", {"id": "e1", "type": "t"})
    return service


def outbox(service: PactService) -> dict[str, Any]:
    (item,) = service.store.outbox_of(["pact-partner"])
    return item


def test_a_failed_event_is_retried_when_its_backoff_has_passed_not_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module.secrets, "randbelow", lambda _: 500)  # no jitter
    partner, now = Partner(failures=2), [1000.0]
    service = make(tmp_path, partner, now)
    assert service.flush_events(due_only=True) == 0
    assert (outbox(service)["attempts"], outbox(service)["next_attempt_at"]) == (1, 1002.0)
    now[0] = 1001.0
    assert service.flush_events(due_only=True) == 0 and outbox(service)["attempts"] == 1
    now[0] = 1002.0
    assert service.flush_events(due_only=True) == 0
    assert (outbox(service)["attempts"], outbox(service)["next_attempt_at"]) == (2, 1006.0)
    now[0] = 1006.0
    assert service.flush_events(due_only=True) == 1
    item = outbox(service)
    assert (item["state"], item["attempts"], item["error"]) == ("sent", 3, None)
    assert [e["id"] for _, e in partner.received] == ["e1"]


def test_the_backoff_doubles_up_to_its_cap_with_jitter(tmp_path: Path) -> None:
    service = make(tmp_path, Partner(0), [0.0])
    delays = [service.retry_delay(n) for n in range(1, 15)]
    assert 1.6 <= delays[0] <= 2.4 and 3.2 <= delays[1] <= 4.8
    assert all(d <= 3600 * 1.2 for d in delays) and delays[-1] >= 3600 * 0.8


def test_an_event_is_failed_after_the_last_attempt_and_a_manual_flush_still_tries_it(
    tmp_path: Path,
) -> None:
    partner, now = Partner(failures=MAX_ATTEMPTS), [0.0]
    service = make(tmp_path, partner, now)
    for _ in range(MAX_ATTEMPTS):
        now[0] += 10_000
        service.flush_events(due_only=True)
    assert (outbox(service)["state"], outbox(service)["attempts"]) == ("failed", MAX_ATTEMPTS)
    now[0] += 10_000
    assert service.flush_events(due_only=True) == 0  # the relay leaves it
    assert service.flush_events() == 1  # POST /pact/events/flush sends it
    assert outbox(service)["state"] == "sent"


def test_the_partners_event_secret_is_sealed_at_rest_and_opened_to_send(
    tmp_path: Path,
) -> None:
    partner = Partner(0)
    service = make(tmp_path, partner, [0.0])
    with service.store.engine.connect() as conn:
        raw = conn.execute(select(pact_clients.c.callback)).scalar_one()
    assert "s3cret-xyz" not in json.dumps(raw) and "client_secret" not in raw
    assert service.flush_events() == 1
    assert partner.received[0][0]["client_secret"] == "s3cret-xyz"


def test_a_sealed_secret_opens_only_with_its_key_and_for_its_client() -> None:
    sealed = CallbackSealer(b"k" * 32).seal(CALLBACK, "pact-a")
    assert CallbackSealer(b"k" * 32).open(sealed, "pact-a")["client_secret"] == "s3cret-xyz"
    with pytest.raises(SealError):
        CallbackSealer(b"other-key" * 4).open(sealed, "pact-a")
    with pytest.raises(SealError):
        CallbackSealer(b"k" * 32).open(sealed, "pact-b")
    # a callback stored in clear before sealing existed still opens
    assert CallbackSealer(b"k" * 32).open(CALLBACK, "pact-a") == CALLBACK


def test_an_answered_request_shows_whether_its_answer_was_delivered_or_waits_for_a_retry(
    tmp_path: Path,
) -> None:
    now = [1000.0]
    service = make(tmp_path, Partner(failures=3), now)  # make() queued one event already
    firm = "0x" + "11" * 20
    event = {"id": "req-1", "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"}
    seq = service.store.add_request(
        {
            "client_id": "pact-partner",
            "firm": firm,
            "event_id": "req-1",
            "event_type": event["type"],
            "event": event,
            "state": "open",
        }
    )
    [waiting] = service.requests(firm)
    assert waiting["delivery"] is None  # not answered yet
    answered = service.answer_request(firm, seq, error={"code": "NotFound", "message": "none"})
    assert answered["delivery"] == "pending"
    [request] = service.requests(firm)
    assert request["state"] == "rejected"
    delivery = request["delivery"]
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    assert "answered 503" in delivery["error"] and delivery["next_attempt_at"] > now[0]
    assert service.flush_events() == 0  # POST /pact/events/flush: the partner fails again
    assert service.requests(firm)[0]["delivery"]["attempts"] == 2
    assert service.flush_events() == 2
    [done] = service.requests(firm)
    assert done["delivery"]["state"] == "sent" and done["delivery"]["sent_at"]
    assert done["delivery"]["error"] is None
