"""A firm runs its PACT host from the browser: publishes a product footprint (its anchor
claim signed in the page, then on chain), issues a partner credentials to read it, answers
the partner's footprint request, and revokes the credentials; then anyone, without an
account, checks the footprint as received (and a copy with one figure changed) against the
chain.

The partner is a real PACT client: it takes a token with the credentials the page issued
(``POST /auth/token`` over HTTPS), reads the footprint and sends its RequestCreated event to
the ledger's PACT host (``/3/events``). Its own PACT host, where the firm's answer goes, is
the same ledger's for a second firm (as in tests/pact): the firm enters the credentials the
partner issued it, and the partner finds the RequestFulfilled event among its own events."""

from __future__ import annotations

import json
import re
import ssl
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from carbonledger.chain.node import free_port
from carbonledger.pact.schema import EVENT_TYPES
from carbonledger.pact.wiring import PactServer, build_pact_service
from tests.api.conftest import Api
from tests.pact.conftest import footprint, valid
from tests.web.conftest import keystore, screenshot, sign_in

CLOUDEVENTS = "application/cloudevents+json; charset=UTF-8"


@pytest.fixture(scope="module")
def pact_host(ledger: Api) -> Iterator[PactServer]:
    """The ledger's PACT host over HTTPS on its own free port (its certificate generated on
    first start, as ``carbonledger up`` does), with the relay that retries events."""
    server = PactServer(ledger.services.settings, build_pact_service(ledger.services))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _token(http: httpx.Client, client_id: str, secret: str) -> httpx.Response:
    return http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


def test_a_firm_publishes_a_footprint_issues_credentials_and_answers_a_request(
    ledger: Api, pact_host: PactServer, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("宝山钢铁 PACT (web)")
    buyer = ledger.client(ledger.admit("Rotterdam Steel Buyer 鹿特丹"))
    pact_url = ledger.services.settings.pact_url
    # the credentials the partner's PACT host issues the firm, for the firm's events to it
    back = buyer.request("POST", "/pact/clients", json={"partner": "宝山钢铁 PACT (web)"})
    pf = footprint(productNameCompany="热轧卷 HRC S235 (web)")
    path = tmp_path / "footprint.json"
    path.write_text(json.dumps(pf, ensure_ascii=False), encoding="utf-8")
    pact = build_pact_service(ledger.services)  # the same database as the app's

    page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"), at="/pact")
    page.get_by_label("PACT ProductFootprint (JSON)").set_input_files(str(path))
    expect(page.get_by_test_id("pact-draft")).to_contain_text("passes the PACT checks")
    page.get_by_role("button", name="Sign and publish").click()
    table = page.get_by_test_id("pact-footprints")
    expect(table).to_contain_text("热轧卷 HRC S235 (web)", timeout=90_000)
    expect(table).to_contain_text(pf["id"])
    [served] = pact.footprints_of(firm.address)
    anchor = next(e["data"] for e in served["extensions"] if "claimId" in e["data"])
    on_chain = ledger.services.ledger.claim_state(bytes.fromhex(anchor["claimId"][2:]))
    assert on_chain.status == "active"  # signed in the page, recorded by the contract

    form = page.get_by_role("form", name="Issue PACT credentials")
    form.get_by_label("Partner", exact=True).fill("Rotterdam Steel Buyer 鹿特丹")
    form.get_by_role("checkbox", name="热轧卷 HRC S235 (web)").check()
    form.get_by_text("The partner's events endpoint").click()
    form.get_by_label("Partner's PACT base URL (https)").fill(pact_url)
    form.get_by_label("Client id the partner issued to you").fill(back["client_id"])
    form.get_by_label("Client secret the partner issued to you").fill(back["client_secret"])
    form.get_by_label("Partner host's CA certificate (PEM)").fill(pact_host.cert.read_text())
    form.get_by_role("button", name="Issue credentials").click()
    issued = page.get_by_test_id("pact-issued")
    expect(issued).to_contain_text("shown only once")
    client_id = issued.locator("dd code").nth(0).inner_text()
    secret = issued.locator("dd code").nth(1).inner_text()
    client = pact.authenticate(client_id, secret)
    assert client is not None
    assert [row.pf_id for row in pact.visible(client)] == [pf["id"]]
    clients = page.get_by_test_id("pact-clients")
    expect(clients.locator("tr", has_text="鹿特丹")).to_contain_text("热轧卷 HRC S235 (web)")

    # the partner, a PACT client over HTTPS with the credentials the page showed, reads the
    # footprint and asks for another one on the PACT host's /3/events: a task here
    request_id = f"web-request-{uuid.uuid4()}"
    tls = ssl.create_default_context(cafile=str(pact_host.cert))
    with httpx.Client(base_url=pact_url, verify=tls, timeout=60) as http:
        token = _token(http, client_id, secret)
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {valid('token', token.json())['access_token']}"}
        listed = http.get("/3/footprints", headers=headers)
        assert listed.status_code == 200, listed.text
        assert [f["id"] for f in valid("list", listed.json())["data"]] == [pf["id"]]
        event: dict[str, Any] = {
            "type": EVENT_TYPES["request_created"],
            "specversion": "1.0",
            "id": request_id,
            "source": "https://buyer.example/3/events",
            "time": "2025-02-01T09:00:00Z",
            "data": {"productId": ["urn:gtin:4712345060507"], "comment": "2024 please"},
        }
        sent = http.post("/3/events", json=event, headers={**headers, "Content-Type": CLOUDEVENTS})
        assert sent.status_code == 200, sent.text
    page.get_by_role("button", name="Refresh").click()
    task = page.get_by_test_id("pact-requests").locator("li")
    expect(task).to_contain_text(
        "Rotterdam Steel Buyer 鹿特丹 asks for productId: urn:gtin:4712345060507"
    )
    screenshot(page, "firm-pact")
    task.get_by_role("combobox").select_option(pf["id"])
    task.get_by_role("button", name="Fulfil").click()
    expect(page.get_by_test_id("pact-answered")).to_contain_text(
        "fulfilled: the answer reached Rotterdam Steel Buyer 鹿特丹's PACT host"
    )
    expect(page.get_by_test_id("pact-requests").locator("li")).to_have_count(0)
    [request] = pact.requests(firm.address)
    assert request["state"] == "fulfilled"
    # the answered list says the answer was delivered; nothing waits, so no "Retry now"
    page.get_by_text("Answered requests").click()
    expect(page.get_by_test_id(f"pact-answered-{request['seq']}")).to_contain_text(
        "answer delivered"
    )
    assert request["delivery"]["state"] == "sent"
    expect(page.get_by_role("button", name="Retry now")).to_have_count(0)
    # the partner's host received the RequestFulfilled event, with the footprint in it
    [answer] = [
        t["event"]
        for t in buyer.request("GET", "/pact/requests")
        if t["event_type"] == EVENT_TYPES["request_fulfilled"]
        and t["event"]["data"].get("requestEventId") == request_id
    ]
    assert answer["id"] == request["answer"]["eventId"]
    assert answer["source"].startswith("https://")
    [delivered] = answer["data"]["pfs"]
    assert valid("single", {"data": delivered})["data"]["id"] == pf["id"]

    clients.get_by_role("button", name="Revoke Rotterdam Steel Buyer 鹿特丹").click()
    expect(clients.locator("tr", has_text="鹿特丹")).to_contain_text("revoked")
    assert pact.authenticate(client_id, secret) is None
    with httpx.Client(base_url=pact_url, verify=tls, timeout=60) as http:
        assert _token(http, client_id, secret).status_code == 401
    assert page.errors == []  # type: ignore[attr-defined]

    # anyone who received the footprint checks it against the chain, without an account
    assert delivered == served
    received = tmp_path / "received.json"
    received.write_text(json.dumps({"data": delivered}, ensure_ascii=False), encoding="utf-8")
    changed = json.loads(json.dumps(delivered))
    changed["pcf"]["pcfExcludingBiogenicUptake"] = "1.75"  # one figure lowered
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(changed), encoding="utf-8")
    public = new_page()
    public.goto(f"{ledger.url}/app/verify")
    public.get_by_label("PACT footprint (JSON)").set_input_files(str(received))
    verdict = public.get_by_test_id("footprint-verdict")
    expect(verdict).to_contain_text(f"footprint {pf['id']} holds on chain", timeout=60_000)
    public.get_by_label("PACT footprint (JSON)").set_input_files(str(tampered))
    expect(verdict).to_contain_text("does NOT hold on chain", timeout=60_000)
    expect(verdict.locator("tr", has_text="document hash")).to_contain_text("fails")
    screenshot(public, "public-footprint")
    assert public.errors == []  # type: ignore[attr-defined]


def test_an_answer_the_partner_has_not_received_waits_for_a_retry_and_retry_now_tries_it(
    ledger: Api, pact_host: PactServer, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("Waiting Answers GmbH")
    owner = ledger.client(firm)
    # the partner's events endpoint is down: nothing listens on that port
    issued = owner.request(
        "POST",
        "/pact/clients",
        json={
            "partner": "Offline Partner",
            "all_footprints": True,
            "callback": {
                "url": f"https://127.0.0.1:{free_port()}",
                "client_id": "ours",
                "client_secret": "s3cret-offline",
            },
        },
    )
    tls = ssl.create_default_context(cafile=str(pact_host.cert))
    pact_url = ledger.services.settings.pact_url
    with httpx.Client(base_url=pact_url, verify=tls, timeout=60) as http:
        token = _token(http, issued["client_id"], issued["client_secret"]).json()
        event = {
            "type": EVENT_TYPES["request_created"],
            "specversion": "1.0",
            "id": f"offline-{uuid.uuid4()}",
            "source": "https://offline.example/3/events",
            "time": "2025-02-01T09:00:00Z",
            "data": {"productId": ["urn:gtin:4712345060590"]},
        }
        sent = http.post(
            "/3/events",
            json=event,
            headers={
                "Authorization": f"Bearer {token['access_token']}",
                "Content-Type": CLOUDEVENTS,
            },
        )
        assert sent.status_code == 200, sent.text

    page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"), at="/pact")
    task = page.get_by_test_id("pact-requests").locator("li")
    expect(task).to_contain_text("Offline Partner asks for productId: urn:gtin:4712345060590")
    task.get_by_label(re.compile("Reason to reject request")).fill("not made any more")
    task.get_by_role("button", name="Reject").click()
    expect(page.get_by_test_id("pact-answered")).to_contain_text(
        "has not reached Offline Partner yet"
    )
    [request] = owner.request("GET", "/pact/requests")
    assert request["state"] == "rejected" and request["delivery"]["state"] == "pending"
    page.get_by_text("Answered requests").click()
    answered = page.get_by_test_id(f"pact-answered-{request['seq']}")
    expect(answered).to_contain_text("answer waiting for a retry")
    before = request["delivery"]["attempts"]
    page.get_by_role("button", name="Retry now").click()
    expect(page.get_by_role("status").filter(has_text="event(s) sent")).to_contain_text(
        "0 event(s) sent."
    )
    [after] = owner.request("GET", "/pact/requests")
    assert after["delivery"]["state"] == "pending"
    assert after["delivery"]["attempts"] > before  # the flush tried it again
    expect(answered).not_to_contain_text(f"(attempt {before}:")  # the page reloaded it
    assert page.errors == []  # type: ignore[attr-defined]
