"""A carrier with many overlaps in the browser: the partner page sums them per partner, the
largest first, and pages the overlaps of the partner chosen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from carbonledger.overlaps import new_pair_salt
from tests.api.conftest import Api, as_bytes, wait_checked
from tests.api.partners import carrier_document, shipper_document
from tests.web.conftest import DASH, file_in_bulk, keystore, screenshot, sign_in

MANY = 51  # footprints of one shipper that share the carrier's shipments: two pages of 50


def test_a_carrier_sees_its_overlaps_summed_per_partner_and_pages_one_partners(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    carrier = ledger.admit("华东快运 (partner pages)")
    big, small = ledger.admit("Big Shipper (pages)"), ledger.admit("Small Shipper (pages)")
    carrier_client = ledger.client(carrier)
    for shipper, footprints in ((big, MANY), (small, 1)):
        salt = new_pair_salt()
        wait_checked(carrier_client, [
            carrier_client.submit_claim(as_bytes(carrier_document(carrier.address, salt)))[
                "claim_id"
            ]
        ])  # fmt: skip
        client = ledger.client(shipper)
        documents = [
            as_bytes({**shipper_document(shipper.address, salt), "claim_id": f"pages-{k}"})
            for k in range(footprints)
        ]
        wait_checked(client, file_in_bulk(client, documents), timeout=120)

    page = new_page()
    sign_in(page, ledger.url, keystore(carrier, tmp_path, "carrier"))
    page.get_by_role("link", name="Partners").click()
    rows = page.get_by_test_id("partners").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(big.address[:6])  # the largest overlap first
    expect(rows.nth(0)).to_contain_text(f"{MANY}")
    expect(rows.nth(1)).to_contain_text(small.address[:6])
    overlaps = page.get_by_test_id("overlaps").locator("tbody tr")
    expect(page.get_by_test_id("overlaps-range")).to_have_text(f"1{DASH}50 of {MANY}")
    expect(overlaps).to_have_count(50)
    screenshot(page, "partner-overlaps-by-partner")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("overlaps-range")).to_have_text(f"51{DASH}51 of {MANY}")
    expect(overlaps).to_have_count(1)
    expect(page.get_by_role("button", name="Next")).to_be_disabled()

    rows.nth(1).get_by_role("button", name="Show overlaps").click()
    expect(page.get_by_test_id("overlaps-range")).to_have_text(f"1{DASH}1 of 1")
    expect(overlaps).to_have_count(1)
    expect(overlaps.first).to_contain_text(small.address[:6])
    expect(page.get_by_role("button", name="Next")).to_have_count(0)  # one page: no buttons
    assert page.errors == []  # type: ignore[attr-defined]
