"""Two partners in two browsers: find the emissions they both count, one proposes a shared
project, both sign their consent in the page, and both record their payments."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from carbonledger.overlaps import new_pair_salt
from tests.api.conftest import Api, as_bytes
from tests.api.partners import carrier_document, shipper_document
from tests.web.conftest import keystore, screenshot, sign_in


def test_two_partners_find_their_overlap_propose_consent_and_pay_in_the_browser(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    carrier = ledger.admit("华东快运 (web)")
    shipper = ledger.admit("Suzhou Precision (web)")
    salt = new_pair_salt()
    for account, document in (
        (carrier, carrier_document(carrier.address, salt)),
        (shipper, shipper_document(shipper.address, salt)),
    ):
        assert ledger.client(account).submit_claim(as_bytes(document))["state"] == "checked"

    one = new_page()
    sign_in(one, ledger.url, keystore(carrier, tmp_path, "carrier"))
    one.get_by_role("link", name="Partners").click()
    overlaps = one.get_by_test_id("overlaps")
    expect(overlaps).to_contain_text(shipper.address[:6])
    expect(overlaps).to_contain_text("kgCO2e")
    screenshot(one, "partner-overlaps")
    overlaps.get_by_role("button", name="Propose a settlement").first.click()
    one.get_by_label("Project description").fill("Electric trucks on the Suzhou-Shanghai lane")
    one.get_by_label("Total cost").fill("1000.00")
    one.get_by_label("Currency (ISO 4217)").fill("EUR")
    one.get_by_label("Expected reduction (kgCO2e)").fill("100")
    one.get_by_role("button", name="Propose", exact=True).click()
    expect(one).to_have_url(re.compile(r"/app/settlements/0x[0-9a-f]{64}$"), timeout=90_000)
    settlement_id = one.url.rsplit("/", 1)[1]
    expect(one.get_by_test_id("terms-check")).to_contain_text("hash to this settlement's id")
    one.get_by_role("button", name="Sign consent").click()
    expect(one.get_by_test_id("consents")).to_contain_text("1 of 2", timeout=90_000)

    two = new_page()
    sign_in(two, ledger.url, keystore(shipper, tmp_path, "shipper"))
    two.get_by_role("link", name="Partners").click()
    expect(two.get_by_test_id("overlaps")).to_contain_text(carrier.address[:6])
    two.get_by_test_id("settlements").get_by_role("link").first.click()
    expect(two.get_by_test_id("terms-check")).to_contain_text("hash to this settlement's id")
    two.get_by_role("button", name="Sign consent").click()
    expect(two.get_by_test_id("consents")).to_contain_text("2 of 2", timeout=90_000)
    expect(two.locator("h1 .badge")).to_have_text("agreed")

    view = ledger.client(shipper).settlement(settlement_id)
    one.get_by_role("button", name="Refresh").click()
    expect(one.locator("h1 .badge")).to_have_text("agreed")
    for page, account in ((one, carrier), (two, shipper)):
        due = next(p["cost_share"] for p in view["parties"] if p["firm"] == account.address)
        page.get_by_label("Amount paid (EUR)").fill(f"{due / 100:.2f}")
        page.get_by_label("Payment reference").fill(f"SEPA-{account.address[2:8]}")
        page.get_by_role("button", name="Record payment").click()
        expect(page.get_by_label("Amount paid (EUR)")).to_have_count(0, timeout=90_000)
    expect(two.locator("h1 .badge")).to_have_text("settled")
    screenshot(two, "partner-settlement")

    final = ledger.client(carrier).settlement(settlement_id)
    assert final["status"] == "settled"
    assert all(p["consented"] and p["paid"] == p["cost_share"] for p in final["parties"])
    assert one.errors == [] and two.errors == []  # type: ignore[attr-defined]
