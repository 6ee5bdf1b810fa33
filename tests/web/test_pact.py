"""A firm runs its PACT host from the browser: publishes a product footprint (its anchor
claim signed in the page, then on chain), issues a partner credentials to read it, answers
the partner's footprint request, and revokes the credentials; then anyone, without an
account, checks the footprint as received (and a copy with one figure changed) against the
chain."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from carbonledger.pact.schema import EVENT_TYPES
from carbonledger.pact.wiring import build_pact_service
from tests.api.conftest import Api
from tests.pact.conftest import footprint
from tests.web.conftest import keystore, screenshot, sign_in


def test_a_firm_publishes_a_footprint_issues_credentials_and_answers_a_request(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("宝山钢铁 PACT (web)")
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
    form.get_by_label("Partner's PACT base URL (https)").fill("https://127.0.0.1:9")
    form.get_by_label("Client id the partner issued to you").fill("buyer-issued-id")
    form.get_by_label("Client secret the partner issued to you").fill("buyer-issued-secret")
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

    # the partner asks for a footprint (over the PACT host's /3/events): a task here
    pact.receive_event(
        client,
        {
            "type": EVENT_TYPES["request_created"],
            "specversion": "1.0",
            "id": f"web-request-{uuid.uuid4()}",
            "source": "https://buyer.example/3/events",
            "data": {"productId": ["urn:gtin:4712345060507"], "comment": "2024 please"},
        },
    )
    page.get_by_role("button", name="Refresh").click()
    task = page.get_by_test_id("pact-requests").locator("li")
    expect(task).to_contain_text(
        "Rotterdam Steel Buyer 鹿特丹 asks for productId: urn:gtin:4712345060507"
    )
    screenshot(page, "firm-pact")
    task.get_by_role("combobox").select_option(pf["id"])
    task.get_by_role("button", name="Fulfil").click()
    expect(page.get_by_test_id("pact-requests").locator("li")).to_have_count(0)
    [request] = pact.requests(firm.address)
    assert request["state"] == "fulfilled"

    clients.get_by_role("button", name="Revoke Rotterdam Steel Buyer 鹿特丹").click()
    expect(clients.locator("tr", has_text="鹿特丹")).to_contain_text("revoked")
    assert pact.authenticate(client_id, secret) is None
    assert page.errors == []  # type: ignore[attr-defined]

    # anyone who received the footprint checks it against the chain, without an account
    received = tmp_path / "received.json"
    received.write_text(json.dumps({"data": served}, ensure_ascii=False), encoding="utf-8")
    changed = json.loads(json.dumps(served))
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
